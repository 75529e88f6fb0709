/**
 * Device enrollment (docs/design.md "Attestation"; docs/threat-model.md "Protection levels";
 * docs/attestation.md "Verification"; docs/cbp-protocol.md §1, §4 ENROLL).
 *
 * 1. POST /v1/devices/challenge: a random single-use nonce (stored with an expiry) and the
 *    server signing public JWK the TA pins.
 * 2. POST /v1/devices { attestation, platformJwk }: the attestation does not carry the platform
 *    key, only its thumbprint as `kid`, so the wallet sends the V-OS platform public JWK with it.
 *    The server pins that key on first enrollment of the device id (trust on first use) and
 *    requires the same key on every later enrollment of that id; what makes the statement worth
 *    anything is the policy: TA UUID and code hash on the allow-list, protection level at least
 *    the configured minimum, fresh iat, and the nonce it issued (consumed atomically: a nonce
 *    works once, before it expires). verifyAttestation (packages/vos) checks the signature
 *    (ES256 only), typ, kid, the exact claim set, the honesty rule and the nonce.
 * The TA's `enc` (ECDH-ES P-256) and `sig` (ES256) public JWKs from `taPublicKeys` are stored;
 * server → TA messages are encrypted to the first, TA statements verified with the second.
 */
import { randomBytes } from 'node:crypto';
import { verifyAttestation } from '@openvse/attestation';
import {
  ApiErrorCode,
  type Challenge,
  type EnrollResult,
  isProtectionLevel,
  levelAtLeast,
  type PublicEcJwk,
} from '@openvse/protocol';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import { type DeviceRow, padCounter } from '../domain/devices.js';
import { ServerError } from '../errors.js';
import type { Services } from '../services.js';
import { publishEnrollment } from '../stream/publish.js';
import { afterEnrollment } from '../threats/enroll.js';

/** The nonce kind of a challenge (enrollment and state sync). */
export const NONCE_KIND = 'challenge';

/** A fresh single-use challenge and the server signing key the TA pins. */
export async function issueChallenge(s: Services): Promise<Challenge> {
  const nonce = randomBytes(32).toString('base64url');
  const now = s.clock.now();
  const expiresAt = now + s.config.nonceTtlSeconds * 1000;
  // Expired challenges and statement digests go as new ones come (indexed, cheap).
  await s.store.purgeNonces(now);
  await s.store.insertNonce(nonce, NONCE_KIND, now, expiresAt);
  return { nonce, expiresAt, serverSigningJwk: s.keys.signingPublicJwk, serverKid: s.keys.signingKid };
}

function p256Public(jwk: unknown, what: string): PublicEcJwk {
  const j = jwk as Record<string, unknown> | undefined;
  if (
    typeof j !== 'object' ||
    j === null ||
    j.kty !== 'EC' ||
    j.crv !== 'P-256' ||
    typeof j.x !== 'string' ||
    typeof j.y !== 'string' ||
    !/^[A-Za-z0-9_-]{43}$/.test(j.x) ||
    !/^[A-Za-z0-9_-]{43}$/.test(j.y)
  )
    throw new ServerError(ApiErrorCode.ATTESTATION_KEYS, `${what}: expected a public EC P-256 JWK`);
  return { kty: 'EC', crv: 'P-256', x: j.x, y: j.y };
}

/** Verifies the attestation against the policy and enrolls (or re-enrolls) the device. */
export async function enrollDevice(
  s: Services,
  attestation: string,
  platformJwk: PublicEcJwk,
): Promise<EnrollResult> {
  let nonce: unknown;
  try {
    nonce = decodeJwt(attestation).nonce;
  } catch {
    throw new ServerError(ApiErrorCode.ATTESTATION_INVALID, 'attestation is not a compact JWS');
  }
  if (typeof nonce !== 'string' || nonce.length === 0)
    throw new ServerError(ApiErrorCode.ATTESTATION_INVALID, 'attestation carries no nonce');
  let claims: Awaited<ReturnType<typeof verifyAttestation>>;
  try {
    claims = await verifyAttestation(attestation, { ...platformJwk }, nonce);
  } catch {
    throw new ServerError(ApiErrorCode.ATTESTATION_INVALID, 'attestation does not verify');
  }
  const now = s.clock.now();
  if (Math.abs(Math.floor(now / 1000) - claims.iat) > s.config.attestation.maxAgeSeconds)
    throw new ServerError(ApiErrorCode.ATTESTATION_INVALID, 'attestation is not fresh');
  if (!(await s.store.consumeNonce(nonce, NONCE_KIND, now)))
    throw new ServerError(ApiErrorCode.NONCE_INVALID, 'nonce unknown, expired or already used');
  const policy = s.config.attestation;
  const level = claims.protectionLevel;
  // What the device attested, in the decision's event (the log and the dashboard's feed).
  const attested = {
    deviceId: claims.deviceId,
    taCodeSha256: claims.ta.codeSha256,
    protectionLevel: String(level),
    minimumLevel: policy.minimumLevel,
    at: now,
  };
  if (claims.ta.uuid !== policy.taUuid || !policy.allowedCodeHashes.includes(claims.ta.codeSha256)) {
    publishEnrollment(s, { ...attested, outcome: 'refused', code: ApiErrorCode.ATTESTATION_CODE_HASH });
    throw new ServerError(ApiErrorCode.ATTESTATION_CODE_HASH, 'TA code is not on the allow-list');
  }
  // A level the server does not know is below any minimum.
  if (!(isProtectionLevel(level) && levelAtLeast(level, policy.minimumLevel))) {
    publishEnrollment(s, { ...attested, outcome: 'refused', code: ApiErrorCode.ATTESTATION_LEVEL });
    throw new ServerError(
      ApiErrorCode.ATTESTATION_LEVEL,
      `protection level ${claims.protectionLevel} is below the required ${policy.minimumLevel}`,
    );
  }
  const enc = p256Public(claims.taPublicKeys?.enc, 'taPublicKeys.enc');
  const sig = p256Public(claims.taPublicKeys?.sig, 'taPublicKeys.sig');
  const platform = p256Public(platformJwk, 'platformJwk');
  const row: DeviceRow = {
    deviceId: claims.deviceId,
    platformJwk: JSON.stringify(platform),
    platformKid: await calculateJwkThumbprint(platform, 'sha256'),
    taEncJwk: JSON.stringify(enc),
    taEncKid: await calculateJwkThumbprint(enc, 'sha256'),
    taSigJwk: JSON.stringify(sig),
    taSigKid: await calculateJwkThumbprint(sig, 'sha256'),
    taCodeSha256: claims.ta.codeSha256,
    protectionLevel: claims.protectionLevel,
    lastStateCounter: padCounter(claims.stateCounter),
    lastSeq: 0,
    enrolledAt: now,
  };
  const existing = await s.store.getDevice(row.deviceId);
  if (!existing) {
    if (!(await s.store.insertDevice(row)))
      throw new ServerError(ApiErrorCode.PLATFORM_KEY_MISMATCH, 'device enrolled concurrently; retry');
  } else {
    if (existing.platformKid !== row.platformKid) {
      // A reinstalled wallet (a new V-OS data folder on the same device) has a new platform key:
      // pinned again only within an issuer's reset window (devices/reset.ts), once; its state
      // counter starts anew.
      if (!(await s.store.repinDevice(row, now)))
        throw new ServerError(
          ApiErrorCode.PLATFORM_KEY_MISMATCH,
          'device id is pinned to another platform key: a reinstalled wallet needs the issuer to reset the device (POST /v1/devices/:deviceId/reset), then enrolls again',
        );
    } else {
      if (row.lastStateCounter < existing.lastStateCounter)
        throw new ServerError(ApiErrorCode.STATE_COUNTER_ROLLBACK, 'stateCounter went backwards');
      await s.store.updateDeviceEnrollment(row);
    }
  }
  const stored = (await s.store.getDevice(row.deviceId))!;
  await afterEnrollment(s, stored);
  publishEnrollment(s, { ...attested, outcome: 'enrolled' });
  return {
    deviceId: row.deviceId,
    protectionLevel: level,
    serverSigningJwk: s.keys.signingPublicJwk,
    serverKid: s.keys.signingKid,
    lastSeq: stored.lastSeq,
  };
}

/** The device, or ERR_DEVICE_NOT_FOUND. */
export async function requireDevice(s: Services, deviceId: string): Promise<DeviceRow> {
  const d = await s.store.getDevice(deviceId);
  if (!d) throw new ServerError(ApiErrorCode.DEVICE_NOT_FOUND, 'unknown device');
  return d;
}
