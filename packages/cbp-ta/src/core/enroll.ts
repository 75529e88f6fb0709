/**
 * ENROLL (docs/cbp-protocol.md §1 "Enrollment", §4): the TA's own keys (ECDH-ES `enc` for the
 * server's JWEs, ES256 `sig` for its statements; RFC 7518 §4.6, §3.4) are generated and
 * persisted, the server's signing key is pinned by its RFC 7638 thumbprint, and the platform's
 * attestation over the server's nonce carries both public keys (docs/attestation.md).
 * Enrolling again with the same server key keeps the keys, `lastSeq` and the policy; with
 * another key it is refused while cards are provisioned (WIPE '*' first).
 */
import { CbpError, CbpErrorCode, type PublicEcJwk } from '@openvse/protocol';
import { bad } from './checks.js';
import { base64urlOrUndefined, parseJsonBytes } from './codec.js';
import type { CoreContext } from './context.js';
import { type DeviceState, ENC_KEY_ID, SIG_KEY_ID, STATE_VERSION } from './state.js';

/** What ENROLL takes (p0 of the V-OS command, as JSON). */
export interface EnrollRequest {
  /** The server's challenge: canonical base64url of 8..64 bytes. */
  nonce: string;
  /** The server's public ES256 key, pinned from now on. */
  serverSigningJwk: PublicEcJwk | Record<string, unknown>;
}

/** The server's key as a public P-256 JWK: private members refused, coordinates 32 bytes. */
function publicEcJwk(v: unknown): PublicEcJwk {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('serverSigningJwk must be a JWK');
  const j = v as Record<string, unknown>;
  for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
    if (m in j) throw bad('serverSigningJwk is private');
  if (j.kty !== 'EC' || j.crv !== 'P-256') throw bad('serverSigningJwk must be EC P-256');
  for (const c of ['x', 'y'] as const) {
    const b = base64urlOrUndefined(j[c]);
    if (b?.length !== 32) throw bad(`serverSigningJwk.${c} must be 32 bytes base64url`);
  }
  return { kty: 'EC', crv: 'P-256', x: j.x as string, y: j.y as string };
}

/** ENROLL: returns the attestation JWS. */
export async function enroll(ctx: CoreContext, req: EnrollRequest): Promise<string> {
  const p = ctx.platform;
  if (typeof req !== 'object' || req === null) throw bad('enroll request must be an object');
  const nonce = req.nonce;
  const nb = base64urlOrUndefined(nonce);
  if (!nb || nb.length < 8 || nb.length > 64) throw bad('nonce must be base64url of 8..64 bytes');
  const serverJwk = publicEcJwk(req.serverSigningJwk);
  const serverKid = await p.thumbprint(serverJwk);
  const prev = await ctx.loadDevice();
  let reuse = false;
  if (prev) {
    if (prev.serverKid === serverKid) reuse = true;
    else if ((await ctx.cardIds()).length > 0)
      throw new CbpError(CbpErrorCode.ENROLLED_ELSEWHERE, 'cards are provisioned under another server key');
  }
  if (reuse) {
    try {
      await ctx.ownKey('enc');
      await ctx.ownKey('sig');
    } catch {
      reuse = false;
    }
  }
  if (!reuse) {
    await ctx.releaseOwnKeys();
    const enc = await p.generateEcKey('enc');
    const sig = await p.generateEcKey('sig');
    await p.persistKey(enc, ENC_KEY_ID);
    await p.persistKey(sig, SIG_KEY_ID);
    ctx.adoptOwnKeys(enc, sig);
  }
  const enc = await ctx.ownKey('enc');
  const sig = await ctx.ownKey('sig');
  const attestation = await p.attest(nonce, [enc, sig]);
  const parts = attestation.split('.');
  const payloadBytes = parts.length === 3 ? base64urlOrUndefined(parts[1]) : undefined;
  const claims = payloadBytes
    ? (parseJsonBytes(payloadBytes) as Record<string, unknown> | undefined)
    : undefined;
  const deviceId = claims?.deviceId;
  if (typeof deviceId !== 'string' || deviceId.length === 0)
    throw new CbpError(CbpErrorCode.INTERNAL, 'attestation carries no deviceId');
  const next: DeviceState = {
    v: STATE_VERSION,
    deviceId,
    serverJwk,
    serverKid,
    encKid: await p.thumbprint(await p.publicJwk(enc)),
    sigKid: await p.thumbprint(await p.publicJwk(sig)),
    lastSeq: reuse && prev ? prev.lastSeq : 0,
    policy: reuse && prev ? (prev.policy ?? null) : null,
  };
  await ctx.save({ device: next });
  return attestation;
}
