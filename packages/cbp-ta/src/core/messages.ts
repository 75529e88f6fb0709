/**
 * PROCESS_MESSAGE (docs/cbp-protocol.md §2, §4): a server message is a compact JWE (RFC 7516;
 * ECDH-ES+A256KW / A256GCM to the TA's `enc` key) around a compact JWS (RFC 7515; ES256 by the
 * pinned server key, `typ` openvse-cbp+jwt, RFC 8725 §3.11). The TA opens both on key handles,
 * checks the claims with protocol's `checkClaims` (iss, aud, typ, seq, iat, exp, jti), parses the
 * body with protocol's strict parsers, and applies it: `provision`, `credentials`, `lifecycle`,
 * `policy` (§6). `lastSeq` is committed in the same sealed transaction as the change, and a
 * message that fails any check changes nothing.
 *
 * Credentials arrive as canonical base64url strings; each is decoded right before it is imported
 * as a key object and its bytes are wiped on every path (docs/design.md "Cards, keys and
 * cryptograms": the core never keeps a key's bytes).
 */
import { base64urlToBytes, bytesToHex, zeroize } from '@openvse/emv/codec';
import {
  CbpError,
  CbpErrorCode,
  cardIdOf,
  checkClaims,
  MAX_SUKS_PER_CARD,
  type MessageClaims,
  type MessageType,
  parseCardProfile,
  parseLifecycle,
  parseLuk,
  parsePolicy,
  parseSuks,
  SERVER_MESSAGE_TYP,
  SIGNATURE_ALG,
} from '@openvse/protocol';
import { bad } from './checks.js';
import { parseJsonBytes, utf8OrUndefined } from './codec.js';
import type { CoreContext } from './context.js';
import { CARD_PROFILE_CHECKS } from './profile-checks.js';
import {
  type CardState,
  cardKeyIds,
  type DeviceState,
  type LukState,
  newKeyId,
  STATE_VERSION,
} from './state.js';

/** What PROCESS_MESSAGE answers: the message's type, its card (none for '*'), its `seq`. */
export interface ProcessedMessage {
  typ: MessageType;
  cardId?: string;
  seq: number;
}

/** Longest compact JWE accepted. */
const MAX_JWE_LENGTH = 256 * 1024;

const rejected = (m: string) => new CbpError(CbpErrorCode.MESSAGE_REJECTED, m);
const invalid = (m: string) => new CbpError(CbpErrorCode.MESSAGE_INVALID, m);

function checkCompactJwe(jwe: unknown): string {
  if (
    typeof jwe !== 'string' ||
    jwe.length === 0 ||
    jwe.length > MAX_JWE_LENGTH ||
    !/^[A-Za-z0-9_.-]+$/.test(jwe)
  )
    throw bad('message must be a compact JWE');
  if (jwe.split('.').length !== 5) throw bad('message must be a compact JWE');
  return jwe;
}

/** JWE → JWS → claims, every header checked; the clear bytes are wiped once parsed. */
async function openMessage(ctx: CoreContext, d: DeviceState, jwe: string): Promise<MessageClaims> {
  const p = ctx.platform;
  let plaintext: Uint8Array;
  let jweHeader: Record<string, unknown>;
  try {
    const r = await p.decryptJwe(await ctx.ownKey('enc'), jwe);
    plaintext = r.plaintext;
    jweHeader = r.protectedHeader;
  } catch {
    throw invalid('JWE does not decrypt');
  }
  if (jweHeader.cty !== 'JWT' || (jweHeader.kid !== undefined && jweHeader.kid !== d.encKid))
    throw invalid('JWE header');
  const jws = utf8OrUndefined(plaintext);
  zeroize(plaintext);
  if (jws === undefined) throw invalid('JWE plaintext');
  let payload: Uint8Array;
  let header: Record<string, unknown>;
  try {
    const v = await p.verifyJws(jws, d.serverJwk);
    payload = v.payload;
    header = v.protectedHeader;
  } catch {
    throw invalid('JWS does not verify with the pinned server key');
  }
  if (header.alg !== SIGNATURE_ALG || header.typ !== SERVER_MESSAGE_TYP || header.kid !== d.serverKid)
    throw invalid('JWS header');
  const claims = parseJsonBytes(payload);
  zeroize(payload);
  return checkClaims(claims, d.deviceId, d.lastSeq, p.now());
}

/** `provision`: a new card, or a new profile for a card (its credentials and ATC stay). */
async function applyProvision(ctx: CoreContext, d: DeviceState, m: MessageClaims): Promise<ProcessedMessage> {
  const card = parseCardProfile(m.body.card, CARD_PROFILE_CHECKS);
  const prev = await ctx.loadCard(card.cardId);
  if (prev && prev.card.profile !== card.profile) throw rejected('a card cannot change profile');
  const next: CardState = prev
    ? { ...prev, card }
    : { v: STATE_VERSION, card, state: 'ACTIVE', atc: 0, luk: null, suks: [], history: [] };
  await ctx.save({ cards: [next], device: { ...d, lastSeq: m.seq } });
  return { typ: m.typ, cardId: card.cardId, seq: m.seq };
}

/**
 * Decodes one credential, imports it as a key object, persists it under a fresh random id and
 * releases the handle; the decoded bytes are wiped whatever happens. `made` collects the ids
 * persisted so far, for the caller to delete if the message fails later.
 */
async function storeCredential(
  ctx: CoreContext,
  keyB64url: string,
  usage: 'mac' | 'derive',
  made: string[],
): Promise<string> {
  const p = ctx.platform;
  const id = newKeyId(p.randomBytes(8));
  const bytes = base64urlToBytes(keyB64url);
  let h: number;
  try {
    h = await p.importDes3Key(bytes, usage);
  } finally {
    zeroize(bytes);
  }
  await ctx.withKey(h, async (k) => {
    await p.persistKey(k, id);
    made.push(id);
  });
  return id;
}

/** `credentials`: a new LUK (profile V, the old one retired) or more SUKs (profile M). */
async function applyCredentials(
  ctx: CoreContext,
  d: DeviceState,
  m: MessageClaims,
): Promise<ProcessedMessage> {
  const cardId = cardIdOf(m.body);
  const c = await ctx.loadCard(cardId);
  if (!c) throw rejected('credentials for a card that is not provisioned');
  const made: string[] = [];
  try {
    const next: CardState = { ...c, suks: [...c.suks], history: [...c.history] };
    const retired: string[] = [];
    if (c.card.profile === 'V') {
      if (m.body.suks !== undefined) throw rejected('suks for profile V');
      const luk = parseLuk(m.body.luk);
      const keyId = await storeCredential(ctx, luk.key, 'mac', made);
      const pinKeyId = c.card.mobilePin ? await storeCredential(ctx, luk.key, 'derive', made) : undefined;
      if (c.luk) retired.push(c.luk.keyId);
      if (c.luk?.pinKeyId) retired.push(c.luk.pinKeyId);
      const l: LukState = {
        api: luk.api,
        dki: luk.dki,
        keyId,
        ...(pinKeyId ? { pinKeyId } : {}),
        maxTransactions: luk.maxTransactions,
        notAfter: luk.notAfter,
        maxAmount: luk.maxAmount,
        used: 0,
        usedAmount: 0,
        firstAtc: null,
        log: [],
      };
      next.luk = l;
    } else {
      if (m.body.luk !== undefined) throw rejected('luk for profile M');
      const suks = parseSuks(m.body.suks);
      const held = new Set(c.suks.map((s) => s.atc));
      const fresh = new Set<number>();
      for (const s of suks) {
        if (s.atc <= c.atc || held.has(s.atc) || fresh.has(s.atc) || c.history.some((h) => h.atc === s.atc))
          throw rejected('SUK for an ATC already held or used');
        fresh.add(s.atc);
      }
      if (c.suks.length + suks.length > MAX_SUKS_PER_CARD) throw rejected('too many unused SUKs');
      for (const s of suks) {
        const umdKeyId = await storeCredential(ctx, s.sukUmd, c.card.mobilePin ? 'derive' : 'mac', made);
        const mdKeyId = await storeCredential(ctx, s.skMd, 'mac', made);
        next.suks.push({ atc: s.atc, umdKeyId, mdKeyId, idn: bytesToHex(base64urlToBytes(s.idn)) });
      }
      next.suks.sort((a, b) => a.atc - b.atc);
    }
    await ctx.save({ cards: [next], device: { ...d, lastSeq: m.seq } });
    made.length = 0;
    await ctx.deleteKeys(retired);
    return { typ: m.typ, cardId, seq: m.seq };
  } finally {
    if (made.length > 0) await ctx.deleteKeys(made);
  }
}

/** `lifecycle`: suspend, resume or delete one card or every card ('*'). */
async function applyLifecycle(ctx: CoreContext, d: DeviceState, m: MessageClaims): Promise<ProcessedMessage> {
  const { cardId, action } = parseLifecycle(m.body);
  const ids = cardId === '*' ? await ctx.cardIds() : [cardId];
  const cards: CardState[] = [];
  const remove: string[] = [];
  const dropKeys: string[] = [];
  for (const id of ids) {
    const c = await ctx.loadCard(id);
    if (!c) continue; // already gone here: the message still advances lastSeq
    if (action === 'delete') {
      remove.push(id);
      dropKeys.push(...cardKeyIds(c));
    } else {
      cards.push({ ...c, state: action === 'suspend' ? 'SUSPENDED' : 'ACTIVE' });
    }
  }
  await ctx.save({ cards, remove, device: { ...d, lastSeq: m.seq } });
  await ctx.deleteKeys(dropKeys);
  return cardId === '*' ? { typ: m.typ, seq: m.seq } : { typ: m.typ, cardId, seq: m.seq };
}

/** `policy` (§6): the reaction policy replaced; a `wipe_keys` verdict now wipes at once. */
async function applyPolicy(ctx: CoreContext, d: DeviceState, m: MessageClaims): Promise<ProcessedMessage> {
  const policy = parsePolicy(m.body);
  const dev = { ...d, lastSeq: m.seq, policy };
  await ctx.save({ device: dev });
  if ((await ctx.verdict(dev)).wipe) await ctx.wipeAllCredentials();
  return { typ: m.typ, seq: m.seq };
}

/** PROCESS_MESSAGE. */
export async function processMessage(ctx: CoreContext, jweIn: string): Promise<ProcessedMessage> {
  const jwe = checkCompactJwe(jweIn);
  const d = await ctx.requireDevice();
  await ctx.housekeeping();
  const m = await openMessage(ctx, d, jwe);
  switch (m.typ) {
    case 'provision':
      return applyProvision(ctx, d, m);
    case 'credentials':
      return applyCredentials(ctx, d, m);
    case 'lifecycle':
      return applyLifecycle(ctx, d, m);
    case 'policy':
      return applyPolicy(ctx, d, m);
  }
}
