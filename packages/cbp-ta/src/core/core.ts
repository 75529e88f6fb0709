/**
 * The CBP TA's business logic, written once against `CbpPlatform` (docs/cbp-protocol.md §2–§5;
 * docs/design.md "Cards, keys and cryptograms", "Server ↔ TA messages"):
 *  - ENROLL: TA keys (ECDH-ES `enc`, ES256 `sig`), server key pinned, attestation;
 *  - PROCESS_MESSAGE: JWE → JWS → claims (iss, aud, typ, seq, exp) → apply, with `lastSeq`
 *    committed in the same sealed transaction as the change;
 *  - GPO_V (CVN 0x43, LUK with count / time / cumulative amount thresholds) and GENAC_M
 *    (CVN 0x14, single-use SUK_UMD + SK_MD, mobile PIN mixing), AAC with a random key for
 *    declines, the ATC / SUK consumption committed before the cryptogram is returned;
 *  - STATUS / REPLENISH_REQUEST statements signed by the TA key (§3), the replenishment proof
 *    MAC under the outgoing LUK;
 *  - CARD_INFO, WIPE, CDCVM (time kept by the TA on its monotonic clock).
 * Every public operation runs under one lock, so calls never interleave.
 */
import { concat, fromB64url, fromUtf8, hex, jsonBytes, parseJsonBytes, toHex, u16, wipe } from './bytes.js';
import { decodeBcdNumber, encodeApiBcd, encodeN12, tlvList, track2 } from './emv-lite.js';
import { bad, CbpError, CbpErrorCode, ReasonCode } from './errors.js';
import {
  cardIdOf,
  checkClaims,
  type LukInput,
  type MessageClaims,
  parseLifecycle,
  parseLuk,
  parsePolicy,
  parseSuks,
  policyVerdict,
  SERVER_MESSAGE_TYP,
  type SukInput,
  TA_STATEMENT_TYP,
  wipeInputs,
} from './messages.js';
import type { CbpPlatform, KeyHandle, PublicEcJwk, StorageOp } from './platform.js';
import { CARD_ID, type CardProfile, dolLength, type PublicCard, parseCardProfile } from './profile.js';
import {
  CARD_PREFIX,
  type CardState,
  cardKeyIds,
  cardObjectId,
  DEVICE_ID,
  type DeviceState,
  decodeCard,
  decodeDevice,
  ENC_KEY_ID,
  HISTORY_MAX,
  type LukState,
  newKeyId,
  SIG_KEY_ID,
  STATE_VERSION,
  type SukState,
} from './state.js';

export interface EnrollRequest {
  /** The server's challenge: canonical base64url of 8..64 bytes. */
  nonce: string;
  serverSigningJwk: PublicEcJwk | Record<string, unknown>;
}

export interface CryptogramResult {
  reason: number;
  atc: number;
  /** BER-TLV data elements (empty for reasons 6 and 8). */
  elements: Uint8Array;
}

export interface ProcessedMessage {
  typ: string;
  cardId?: string;
  seq: number;
}

export interface CbpCore {
  enroll(req: EnrollRequest): Promise<string>;
  processMessage(jwe: string): Promise<ProcessedMessage>;
  gpoV(cardId: string, pdolData: Uint8Array): Promise<CryptogramResult>;
  generateAcM(
    cardId: string,
    p1: number,
    cdol1Data: Uint8Array,
    mobilePin?: string,
  ): Promise<CryptogramResult>;
  status(nonce: string): Promise<string>;
  replenishRequest(cardId: string): Promise<string>;
  cardInfo(): Promise<PublicCard[]>;
  wipe(cardId: string): Promise<void>;
  /** true: the cardholder was just verified on the device; false: forget any verification. */
  cdcvm(verified: boolean): Promise<void>;
}

/** PDOL data of GPO_V: 9F66 TTQ(4) ‖ 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 (§4). */
export const PDOL_V_LENGTH = 33;
const V_IAD_LENGTH = 32;
const FORM_FACTOR = hex('20700000');
const MAX_JWE_LENGTH = 256 * 1024;

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function publicEcJwk(v: unknown): PublicEcJwk {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('serverSigningJwk must be a JWK');
  const j = v as Record<string, unknown>;
  for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
    if (m in j) throw bad('serverSigningJwk is private');
  if (j.kty !== 'EC' || j.crv !== 'P-256') throw bad('serverSigningJwk must be EC P-256');
  for (const c of ['x', 'y'] as const) {
    const b = typeof j[c] === 'string' ? fromB64url(j[c] as string) : undefined;
    if (b?.length !== 32) throw bad(`serverSigningJwk.${c} must be 32 bytes base64url`);
  }
  return { kty: 'EC', crv: 'P-256', x: j.x as string, y: j.y as string };
}

/** The MCBP mobile PIN mask (docs/emv-cryptography.md §4.5): s = ASCII(PIN[i]) << 1 into bytes i, i+8. */
export function mobilePinMask(pin: string): Uint8Array {
  const mask = new Uint8Array(16);
  const n = Math.min(pin.length, 8);
  for (let i = 0; i < n; i++) {
    const s = (pin.charCodeAt(i) << 1) & 0xff;
    mask[i] = s;
    mask[i + 8] = s;
  }
  return mask;
}

/** The replenishment proof data (§3): BCD("0"‖API) ‖ firstATC ‖ lastATC ‖ Σ(ATC ‖ UN ‖ amount n12). */
export function replenishMacData(
  api: string,
  firstAtc: number,
  lastAtc: number,
  log: ReadonlyArray<{ atc: number; un: string; amount: number }>,
): Uint8Array {
  const parts = [encodeApiBcd(api), u16(firstAtc), u16(lastAtc)];
  for (const e of log) parts.push(u16(e.atc), hex(e.un), encodeN12(e.amount));
  return concat(...parts);
}

export function createCbpCore(platform: CbpPlatform): CbpCore {
  const p = platform;
  let chain: Promise<unknown> = Promise.resolve();
  /** Serialises every public operation (V-OS already does per TA; the software platform does not). */
  function locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  }

  let device: DeviceState | null | undefined;
  let encKey: KeyHandle | undefined;
  let sigKey: KeyHandle | undefined;
  let cdcvmAt: number | null = null;
  let housekept = false;

  async function loadDevice(): Promise<DeviceState | null> {
    if (device !== undefined) return device;
    const b = await p.read(DEVICE_ID);
    device = b === null ? null : decodeDevice(b);
    return device;
  }

  async function requireDevice(): Promise<DeviceState> {
    const d = await loadDevice();
    if (!d) throw new CbpError(CbpErrorCode.NOT_ENROLLED, 'ENROLL first');
    return d;
  }

  async function ownKey(which: 'enc' | 'sig'): Promise<KeyHandle> {
    if (which === 'enc') {
      encKey ??= await p.loadKey(ENC_KEY_ID);
      return encKey;
    }
    sigKey ??= await p.loadKey(SIG_KEY_ID);
    return sigKey;
  }

  async function cardIds(): Promise<string[]> {
    return (await p.list())
      .filter((id) => id.startsWith(CARD_PREFIX))
      .map((id) => id.slice(CARD_PREFIX.length))
      .sort();
  }

  async function loadCard(cardId: string): Promise<CardState | null> {
    const b = await p.read(cardObjectId(cardId));
    return b === null ? null : decodeCard(b);
  }

  const writeCard = (c: CardState): StorageOp => ({
    op: 'write',
    id: cardObjectId(c.card.cardId),
    data: jsonBytes(c),
  });
  const writeDevice = (d: DeviceState): StorageOp => ({ op: 'write', id: DEVICE_ID, data: jsonBytes(d) });

  async function deleteKeys(ids: string[]): Promise<void> {
    for (const id of ids) {
      try {
        await p.deletePersistentKey(id);
      } catch {
        // best effort: housekeeping removes what is left
      }
    }
  }

  /** Once per core: persistent credential keys no card references (a crash between persisting
   * keys and committing the card state, or between commit and deletion) are deleted. */
  async function housekeeping(): Promise<void> {
    if (housekept) return;
    housekept = true;
    const referenced = new Set<string>([ENC_KEY_ID, SIG_KEY_ID]);
    for (const id of await cardIds()) {
      const c = await loadCard(id);
      if (c) for (const k of cardKeyIds(c)) referenced.add(k);
    }
    const stale = (await p.listPersistentKeys()).filter((k) => k.startsWith('c.') && !referenced.has(k));
    await deleteKeys(stale);
  }

  async function withKey<T>(h: KeyHandle, fn: (h: KeyHandle) => Promise<T>): Promise<T> {
    try {
      return await fn(h);
    } finally {
      await p.destroyKey(h).catch(() => undefined);
    }
  }

  /** A MAC under a persistent key, the key released afterwards. */
  async function macWith(keyId: string, data: Uint8Array): Promise<Uint8Array> {
    return withKey(await p.loadKey(keyId), (h) => p.retailMac(h, data));
  }

  async function macRandom(data: Uint8Array): Promise<Uint8Array> {
    return withKey(await p.randomDes3Key(), (h) => p.retailMac(h, data));
  }

  function cdcvmValid(card: CardProfile): boolean {
    if (cdcvmAt === null) return false;
    const age = p.monotonic() - cdcvmAt;
    return age >= 0 && age <= card.cdcvmResetTimeoutSec * 1000;
  }

  function credentialsLeft(c: CardState): number {
    if (c.card.profile === 'M') return c.suks.length;
    const l = c.luk;
    if (!l) return 0;
    if (p.now() >= l.notAfter * 1000) return 0;
    return Math.max(0, l.maxTransactions - l.used);
  }

  function replenishDue(c: CardState): boolean {
    return credentialsLeft(c) < Math.max(1, c.card.replenishBelow);
  }

  function thresholdsLeft(c: CardState) {
    const l = c.luk;
    if (c.card.profile !== 'V' || !l) return null;
    return {
      transactions: Math.max(0, l.maxTransactions - l.used),
      seconds: Math.max(0, l.notAfter - Math.floor(p.now() / 1000)),
      amount: Math.max(0, l.maxAmount - l.usedAmount),
    };
  }

  async function sign(payload: Record<string, unknown>): Promise<string> {
    const d = await requireDevice();
    return p.signJws(await ownKey('sig'), jsonBytes(payload), {
      alg: 'ES256',
      typ: TA_STATEMENT_TYP,
      kid: d.sigKid,
    });
  }

  /** The reaction policy applied to the platform's current threat flags. */
  async function verdict(d: DeviceState): Promise<{ block: boolean; wipe: boolean }> {
    const pol = d.policy ?? null;
    const active = pol?.rules.some((r) => r.reaction !== 'report') === true;
    const flags = active && p.threatFlags ? await p.threatFlags() : [];
    return policyVerdict(pol, flags);
  }

  /** `wipe_keys`: every LUK and SUK destroyed; the cards stay (profiles, ATCs). */
  async function wipeAllCredentials(): Promise<void> {
    const ops: StorageOp[] = [];
    const keys: string[] = [];
    for (const id of await cardIds()) {
      const c = await loadCard(id);
      if (!c) continue;
      const ids = cardKeyIds(c);
      if (ids.length === 0) continue;
      keys.push(...ids);
      const history = [...c.history, ...c.suks.map((x) => ({ atc: x.atc, status: 'DISCARDED' as const }))];
      if (history.length > HISTORY_MAX) history.splice(0, history.length - HISTORY_MAX);
      ops.push(writeCard({ ...c, luk: null, suks: [], history }));
    }
    if (ops.length > 0) await p.transaction(ops);
    await deleteKeys(keys);
  }

  // ── ENROLL ───────────────────────────────────────────────────────────────────────────────────
  async function enroll(req: EnrollRequest): Promise<string> {
    if (typeof req !== 'object' || req === null) throw bad('enroll request must be an object');
    const nonce = req.nonce;
    const nb = typeof nonce === 'string' ? fromB64url(nonce) : undefined;
    if (!nb || nb.length < 8 || nb.length > 64) throw bad('nonce must be base64url of 8..64 bytes');
    const serverJwk = publicEcJwk(req.serverSigningJwk);
    const serverKid = await p.thumbprint(serverJwk);
    const prev = await loadDevice();
    let reuse = false;
    if (prev) {
      if (prev.serverKid === serverKid) reuse = true;
      else if ((await cardIds()).length > 0)
        throw new CbpError(CbpErrorCode.ENROLLED_ELSEWHERE, 'cards are provisioned under another server key');
    }
    if (reuse) {
      try {
        await ownKey('enc');
        await ownKey('sig');
      } catch {
        reuse = false;
      }
    }
    if (!reuse) {
      for (const h of [encKey, sigKey]) if (h !== undefined) await p.destroyKey(h).catch(() => undefined);
      encKey = undefined;
      sigKey = undefined;
      const enc = await p.generateEcKey('enc');
      const sig = await p.generateEcKey('sig');
      await p.persistKey(enc, ENC_KEY_ID);
      await p.persistKey(sig, SIG_KEY_ID);
      encKey = enc;
      sigKey = sig;
    }
    const enc = await ownKey('enc');
    const sig = await ownKey('sig');
    const attestation = await p.attest(nonce, [enc, sig]);
    const parts = attestation.split('.');
    const payloadBytes = parts.length === 3 ? fromB64url(parts[1]!) : undefined;
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
    await p.transaction([writeDevice(next)]);
    device = next;
    return attestation;
  }

  // ── PROCESS_MESSAGE ──────────────────────────────────────────────────────────────────────────
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

  async function openMessage(d: DeviceState, jwe: string): Promise<MessageClaims> {
    let plaintext: Uint8Array;
    let jweHeader: Record<string, unknown>;
    try {
      const r = await p.decryptJwe(await ownKey('enc'), jwe);
      plaintext = r.plaintext;
      jweHeader = r.protectedHeader;
    } catch {
      throw new CbpError(CbpErrorCode.MESSAGE_INVALID, 'JWE does not decrypt');
    }
    if (jweHeader.cty !== 'JWT' || (jweHeader.kid !== undefined && jweHeader.kid !== d.encKid))
      throw new CbpError(CbpErrorCode.MESSAGE_INVALID, 'JWE header');
    const jws = fromUtf8(plaintext);
    wipe(plaintext);
    if (jws === undefined) throw new CbpError(CbpErrorCode.MESSAGE_INVALID, 'JWE plaintext');
    let payload: Uint8Array;
    let header: Record<string, unknown>;
    try {
      const v = await p.verifyJws(jws, d.serverJwk);
      payload = v.payload;
      header = v.protectedHeader;
    } catch {
      throw new CbpError(CbpErrorCode.MESSAGE_INVALID, 'JWS does not verify with the pinned server key');
    }
    if (header.alg !== 'ES256' || header.typ !== SERVER_MESSAGE_TYP || header.kid !== d.serverKid)
      throw new CbpError(CbpErrorCode.MESSAGE_INVALID, 'JWS header');
    const claims = parseJsonBytes(payload);
    wipe(payload);
    return checkClaims(claims, d.deviceId, d.lastSeq, p.now());
  }

  async function applyProvision(d: DeviceState, m: MessageClaims): Promise<ProcessedMessage> {
    const card = parseCardProfile(m.body.card);
    const prev = await loadCard(card.cardId);
    if (prev && prev.card.profile !== card.profile)
      throw new CbpError(CbpErrorCode.MESSAGE_REJECTED, 'a card cannot change profile');
    const next: CardState = prev
      ? { ...prev, card }
      : { v: STATE_VERSION, card, state: 'ACTIVE', atc: 0, luk: null, suks: [], history: [] };
    const dev = { ...d, lastSeq: m.seq };
    await p.transaction([writeCard(next), writeDevice(dev)]);
    device = dev;
    return { typ: m.typ, cardId: card.cardId, seq: m.seq };
  }

  /** Imports, persists and releases one credential key; returns its persistent id. */
  async function storeCredential(
    bytes: Uint8Array,
    usage: 'mac' | 'derive',
    made: string[],
  ): Promise<string> {
    const id = newKeyId(p.randomBytes(8));
    const h = await p.importDes3Key(bytes, usage);
    bytes.fill(0);
    await withKey(h, async (k) => {
      await p.persistKey(k, id);
      made.push(id);
    });
    return id;
  }

  async function applyCredentials(d: DeviceState, m: MessageClaims): Promise<ProcessedMessage> {
    const cardId = cardIdOf(m.body);
    const c = await loadCard(cardId);
    if (!c)
      throw new CbpError(CbpErrorCode.MESSAGE_REJECTED, 'credentials for a card that is not provisioned');
    let luk: LukInput | undefined;
    let suks: SukInput[] | undefined;
    const made: string[] = [];
    try {
      if (c.card.profile === 'V') {
        if (m.body.suks !== undefined)
          throw new CbpError(CbpErrorCode.MESSAGE_REJECTED, 'suks for profile V');
        luk = parseLuk(m.body.luk);
      } else {
        if (m.body.luk !== undefined) throw new CbpError(CbpErrorCode.MESSAGE_REJECTED, 'luk for profile M');
        suks = parseSuks(m.body.suks);
        const held = new Set(c.suks.map((s) => s.atc));
        const fresh = new Set<number>();
        for (const s of suks) {
          if (s.atc <= c.atc || held.has(s.atc) || fresh.has(s.atc) || c.history.some((h) => h.atc === s.atc))
            throw new CbpError(CbpErrorCode.MESSAGE_REJECTED, 'SUK for an ATC already held or used');
          fresh.add(s.atc);
        }
        if (c.suks.length + suks.length > 100)
          throw new CbpError(CbpErrorCode.MESSAGE_REJECTED, 'too many unused SUKs');
      }
      const next: CardState = { ...c, suks: [...c.suks], history: [...c.history] };
      const retired: string[] = [];
      if (luk) {
        const keyId = await storeCredential(luk.key, 'mac', made);
        if (c.luk) retired.push(c.luk.keyId);
        const l: LukState = {
          api: luk.api,
          dki: luk.dki,
          keyId,
          maxTransactions: luk.maxTransactions,
          notAfter: luk.notAfter,
          maxAmount: luk.maxAmount,
          used: 0,
          usedAmount: 0,
          firstAtc: null,
          log: [],
        };
        next.luk = l;
      }
      if (suks) {
        for (const s of suks) {
          const umdKeyId = await storeCredential(s.sukUmd, c.card.mobilePin ? 'derive' : 'mac', made);
          const mdKeyId = await storeCredential(s.skMd, 'mac', made);
          next.suks.push({ atc: s.atc, umdKeyId, mdKeyId, idn: toHex(s.idn) });
        }
        next.suks.sort((a, b) => a.atc - b.atc);
      }
      const dev = { ...d, lastSeq: m.seq };
      await p.transaction([writeCard(next), writeDevice(dev)]);
      device = dev;
      made.length = 0;
      await deleteKeys(retired);
      return { typ: m.typ, cardId, seq: m.seq };
    } finally {
      wipeInputs(luk, suks);
      if (made.length > 0) await deleteKeys(made);
    }
  }

  async function applyLifecycle(d: DeviceState, m: MessageClaims): Promise<ProcessedMessage> {
    const { cardId, action } = parseLifecycle(m.body);
    const ids = cardId === '*' ? await cardIds() : [cardId];
    const ops: StorageOp[] = [];
    const dropKeys: string[] = [];
    for (const id of ids) {
      const c = await loadCard(id);
      if (!c) continue; // already gone here: the message still advances lastSeq
      if (action === 'delete') {
        ops.push({ op: 'delete', id: cardObjectId(id) });
        dropKeys.push(...cardKeyIds(c));
      } else {
        ops.push(writeCard({ ...c, state: action === 'suspend' ? 'SUSPENDED' : 'ACTIVE' }));
      }
    }
    const dev = { ...d, lastSeq: m.seq };
    ops.push(writeDevice(dev));
    await p.transaction(ops);
    device = dev;
    await deleteKeys(dropKeys);
    return cardId === '*' ? { typ: m.typ, seq: m.seq } : { typ: m.typ, cardId, seq: m.seq };
  }

  async function applyPolicy(d: DeviceState, m: MessageClaims): Promise<ProcessedMessage> {
    const policy = parsePolicy(m.body);
    const dev = { ...d, lastSeq: m.seq, policy };
    await p.transaction([writeDevice(dev)]);
    device = dev;
    if ((await verdict(dev)).wipe) await wipeAllCredentials();
    return { typ: m.typ, seq: m.seq };
  }

  async function processMessage(jweIn: string): Promise<ProcessedMessage> {
    const jwe = checkCompactJwe(jweIn);
    const d = await requireDevice();
    await housekeeping();
    const m = await openMessage(d, jwe);
    switch (m.typ) {
      case 'provision':
        return applyProvision(d, m);
      case 'credentials':
        return applyCredentials(d, m);
      case 'lifecycle':
        return applyLifecycle(d, m);
      case 'policy':
        return applyPolicy(d, m);
    }
  }

  // ── GPO_V ────────────────────────────────────────────────────────────────────────────────────
  function checkCardId(cardId: unknown): string {
    if (typeof cardId !== 'string' || !CARD_ID.test(cardId)) throw bad('cardId');
    return cardId;
  }

  function checkBytes(v: unknown, what: string): Uint8Array {
    if (!(v instanceof Uint8Array)) throw bad(`${what} must be bytes`);
    return v;
  }

  async function gpoV(cardIdIn: string, pdolIn: Uint8Array): Promise<CryptogramResult> {
    const cardId = checkCardId(cardIdIn);
    const pdol = checkBytes(pdolIn, 'pdolData');
    if (pdol.length !== PDOL_V_LENGTH) throw bad(`pdolData must be ${PDOL_V_LENGTH} bytes`);
    const amount = decodeBcdNumber(pdol.subarray(4, 10));
    if (amount === undefined || decodeBcdNumber(pdol.subarray(10, 16)) === undefined)
      throw bad('amounts must be BCD');
    const d = await loadDevice();
    let c = await loadCard(cardId);
    if (!d || !c || c.card.profile !== 'V')
      return { reason: ReasonCode.UNKNOWN_CARD, atc: 0, elements: new Uint8Array(0) };
    await housekeeping();
    const policy = await verdict(d);
    if (policy.wipe) {
      await wipeAllCredentials();
      c = (await loadCard(cardId))!;
    }
    const card = c.card;
    const luk = c.luk;
    const cdcvmDone = cdcvmValid(card);
    const overLimit = amount > card.cvmLimit;
    const now = p.now();
    let reason: number = ReasonCode.OK;
    if (policy.block) reason = ReasonCode.PAYMENTS_BLOCKED;
    else if (c.state === 'SUSPENDED') reason = ReasonCode.CARD_SUSPENDED;
    else if (!luk) reason = ReasonCode.NO_CREDENTIALS;
    else if (luk.used >= luk.maxTransactions) reason = ReasonCode.LUK_MAX_TRANSACTIONS;
    else if (now >= luk.notAfter * 1000) reason = ReasonCode.LUK_EXPIRED;
    else if (luk.usedAmount + amount > luk.maxAmount) reason = ReasonCode.LUK_MAX_AMOUNT;
    else if (overLimit && !cdcvmDone) reason = ReasonCode.CDCVM_REQUIRED;
    if (reason === ReasonCode.CDCVM_REQUIRED) return { reason, atc: c.atc, elements: new Uint8Array(0) };
    if (c.atc >= 0xffff) throw new CbpError(CbpErrorCode.ATC_EXHAUSTED, 'ATC exhausted');
    const atc = c.atc + 1;
    const threshold =
      reason === ReasonCode.LUK_MAX_TRANSACTIONS ||
      reason === ReasonCode.LUK_EXPIRED ||
      reason === ReasonCode.LUK_MAX_AMOUNT;
    const cvr = Uint8Array.of(
      (cdcvmDone ? 0x80 : 0) |
        (overLimit && !cdcvmDone ? 0x40 : 0) |
        (threshold ? 0x20 : 0) |
        (reason === ReasonCode.CARD_SUSPENDED ? 0x10 : 0) |
        (reason === ReasonCode.PAYMENTS_BLOCKED ? 0x08 : 0),
      reason,
      0,
      0,
    );
    const iad = new Uint8Array(V_IAD_LENGTH);
    iad[0] = 0x1f;
    iad[1] = 0x43;
    iad.set(hex(luk?.dki ?? '00'), 2);
    iad.set(cvr, 3);
    iad.set(encodeApiBcd(luk?.api ?? '0000000'), 7);
    const aip = hex(card.aip);
    const acData = concat(pdol.subarray(4), aip, u16(atc), iad);
    const approved = reason === ReasonCode.OK;
    const ac = approved && luk ? await macWith(luk.keyId, acData) : await macRandom(acData);
    const next: CardState = { ...c, atc };
    if (approved && luk) {
      next.luk = {
        ...luk,
        used: luk.used + 1,
        usedAmount: luk.usedAmount + amount,
        firstAtc: luk.firstAtc ?? atc,
        log: [...luk.log, { atc, un: toHex(pdol.subarray(29, 33)), amount }],
      };
    }
    // The ATC (and the LUK's use) is committed before the cryptogram leaves: never reused.
    await p.transaction([writeCard(next)]);
    const elements = tlvList([
      ['57', track2(card.pan, card.expiry)],
      ['82', aip],
      ['5F34', hex(card.psn)],
      ['9F10', iad],
      ['9F26', ac],
      ['9F27', Uint8Array.of(approved ? 0x80 : 0x00)],
      ['9F36', u16(atc)],
      ['9F6C', Uint8Array.of(0x00, cdcvmDone ? 0x80 : 0x00)],
      ['9F6E', FORM_FACTOR],
    ]);
    return { reason, atc, elements };
  }

  // ── GENAC_M ──────────────────────────────────────────────────────────────────────────────────
  async function generateAcM(
    cardIdIn: string,
    p1: number,
    cdol1In: Uint8Array,
    mobilePin?: string,
  ): Promise<CryptogramResult> {
    const cardId = checkCardId(cardIdIn);
    if (!isInt(p1, 0, 255) || (p1 & 0xc0) === 0xc0) throw bad('p1 must be a GENERATE AC reference control');
    const cdol1 = checkBytes(cdol1In, 'cdol1Data');
    if (mobilePin !== undefined && (typeof mobilePin !== 'string' || !/^[\x20-\x7e]{1,16}$/.test(mobilePin)))
      throw bad('mobilePin must be 1..16 printable ASCII characters');
    if (cdol1.length < 29 || cdol1.length > 252) throw bad('cdol1Data length');
    const amount = decodeBcdNumber(cdol1.subarray(0, 6));
    if (amount === undefined) throw bad('amount must be BCD');
    const d = await loadDevice();
    let c = await loadCard(cardId);
    if (!d || !c || c.card.profile !== 'M')
      return { reason: ReasonCode.UNKNOWN_CARD, atc: 0, elements: new Uint8Array(0) };
    if (cdol1.length !== dolLength(c.card.cdol1 ?? '')) throw bad('cdol1Data does not match the card CDOL1');
    await housekeeping();
    const policy = await verdict(d);
    if (policy.wipe) {
      await wipeAllCredentials();
      c = (await loadCard(cardId))!;
    }
    const card = c.card;
    const pinGiven = card.mobilePin && mobilePin !== undefined;
    const cdcvmDone = card.mobilePin ? pinGiven : cdcvmValid(card);
    const suk: SukState | undefined = c.suks[0];
    let reason: number = ReasonCode.OK;
    if (policy.block) reason = ReasonCode.PAYMENTS_BLOCKED;
    else if (c.state === 'SUSPENDED') reason = ReasonCode.CARD_SUSPENDED;
    else if (!suk) reason = ReasonCode.NO_CREDENTIALS;
    else if (card.mobilePin && !pinGiven) reason = ReasonCode.CDCVM_REQUIRED;
    else if (amount > card.cvmLimit && !cdcvmDone) reason = ReasonCode.CDCVM_REQUIRED;
    if (reason === ReasonCode.CDCVM_REQUIRED) return { reason, atc: c.atc, elements: new Uint8Array(0) };
    const atc = suk ? suk.atc : c.atc;
    const approved = reason === ReasonCode.OK;
    const arqc = approved && (p1 & 0xc0) !== 0x00;
    const cvr = Uint8Array.of(arqc ? 0xa0 : 0x80, 0, 0, cdcvmDone ? 0x01 : 0, reason, 0);
    const acData = concat(cdol1.subarray(0, 29), hex(card.aip), u16(atc), cvr);
    let ac: Uint8Array;
    let md: Uint8Array;
    if (approved && suk) {
      md = await macWith(suk.mdKeyId, acData);
      if (card.mobilePin) {
        const mask = mobilePinMask(mobilePin!);
        const base = await p.loadKey(suk.umdKeyId);
        const mixed = await withKey(base, (h) => p.xorDeriveDes3Key(h, mask));
        mask.fill(0);
        ac = await withKey(mixed, (h) => p.retailMac(h, acData));
      } else ac = await macWith(suk.umdKeyId, acData);
    } else {
      ac = await macRandom(acData);
      md = await macRandom(acData);
    }
    const left = Math.min(255, c.suks.length - (suk ? 1 : 0));
    const idn = suk ? hex(suk.idn).subarray(0, 2) : new Uint8Array(2);
    const iad = concat(
      hex(card.kdi),
      Uint8Array.of(0x14),
      cvr,
      idn,
      Uint8Array.of(left),
      md.subarray(0, 5),
      new Uint8Array(2),
    );
    const next: CardState = { ...c, atc, suks: c.suks.slice(suk ? 1 : 0), history: [...c.history] };
    if (suk) {
      next.history.push({ atc: suk.atc, status: 'USED' });
      if (next.history.length > HISTORY_MAX) next.history.splice(0, next.history.length - HISTORY_MAX);
    }
    // The SUK is consumed (also on decline) and committed before the cryptogram leaves.
    await p.transaction([writeCard(next)]);
    if (suk) await deleteKeys([suk.umdKeyId, suk.mdKeyId]);
    const elements = tlvList([
      ['9F27', Uint8Array.of(arqc ? 0x80 : 0x00)],
      ['9F36', u16(atc)],
      ['9F26', ac],
      ['9F10', iad],
    ]);
    return { reason, atc, elements };
  }

  // ── STATUS / REPLENISH_REQUEST ───────────────────────────────────────────────────────────────
  async function status(nonce: string): Promise<string> {
    if (
      typeof nonce !== 'string' ||
      nonce.length === 0 ||
      nonce.length > 512 ||
      !/^[\x21-\x7e]+$/.test(nonce)
    )
      throw bad('nonce must be 1..512 printable characters');
    const d = await requireDevice();
    const cards = [];
    for (const id of await cardIds()) {
      const c = await loadCard(id);
      if (!c) continue;
      cards.push({
        cardId: c.card.cardId,
        profile: c.card.profile,
        state: c.state,
        atc: c.atc,
        credentialsLeft: credentialsLeft(c),
        thresholdsLeft: thresholdsLeft(c),
        replenishDue: replenishDue(c),
      });
    }
    return sign({
      typ: 'status',
      deviceId: d.deviceId,
      nonce,
      iat: Math.floor(p.now() / 1000),
      stateCounter: p.stateCounter().toString(),
      lastSeq: d.lastSeq,
      cards,
    });
  }

  async function replenishRequest(cardIdIn: string): Promise<string> {
    const cardId = checkCardId(cardIdIn);
    const d = await requireDevice();
    const c = await loadCard(cardId);
    if (!c) throw new CbpError(CbpErrorCode.UNKNOWN_CARD, 'no such card');
    const base = {
      typ: 'replenish',
      deviceId: d.deviceId,
      cardId,
      iat: Math.floor(p.now() / 1000),
      stateCounter: p.stateCounter().toString(),
    };
    if (c.card.profile === 'M') {
      const credentials = [
        ...c.history.map((h) => ({ atc: h.atc, status: h.status })),
        ...c.suks.map((s) => ({ atc: s.atc, status: 'UNUSED' })),
      ].slice(-1000);
      return sign({ ...base, credentials });
    }
    const l = c.luk;
    if (!l) throw new CbpError(CbpErrorCode.NO_CREDENTIALS, 'the card has no LUK');
    // No cryptogram under this LUK yet: an empty range at the current ATC.
    const firstAtc = l.firstAtc ?? c.atc;
    const lastAtc = c.atc;
    const mac = await macWith(l.keyId, replenishMacData(l.api, firstAtc, lastAtc, l.log));
    return sign({
      ...base,
      api: l.api,
      firstAtc,
      lastAtc,
      log: l.log.map((e) => ({ atc: e.atc, un: e.un, amount: e.amount })),
      mac: toHex(mac),
    });
  }

  // ── CARD_INFO / WIPE / CDCVM ─────────────────────────────────────────────────────────────────
  async function cardInfo(): Promise<PublicCard[]> {
    const out: PublicCard[] = [];
    for (const id of await cardIds()) {
      const c = await loadCard(id);
      if (!c) continue;
      out.push({
        ...c.card,
        state: c.state,
        atc: c.atc,
        credentialsLeft: credentialsLeft(c),
        replenishDue: replenishDue(c),
      });
    }
    return out.sort((a, b) => a.priority - b.priority || (a.cardId < b.cardId ? -1 : 1));
  }

  async function wipeCards(target: string): Promise<void> {
    if (typeof target !== 'string' || !(target === '*' || CARD_ID.test(target))) throw bad("cardId or '*'");
    const ids = target === '*' ? await cardIds() : [target];
    const ops: StorageOp[] = [];
    const keys: string[] = [];
    for (const id of ids) {
      const b = await p.read(cardObjectId(id));
      if (b === null) continue;
      ops.push({ op: 'delete', id: cardObjectId(id) });
      try {
        keys.push(...cardKeyIds(decodeCard(b)));
      } catch {
        // a corrupt card object is deleted all the same; housekeeping drops its keys
        housekept = false;
      }
    }
    if (ops.length > 0) await p.transaction(ops);
    await deleteKeys(keys);
  }

  async function cdcvm(verified: boolean): Promise<void> {
    if (typeof verified !== 'boolean') throw bad('verified must be a boolean');
    cdcvmAt = verified ? p.monotonic() : null;
  }

  return {
    enroll: (req) => locked(() => enroll(req)),
    processMessage: (jwe) => locked(() => processMessage(jwe)),
    gpoV: (cardId, pdol) => locked(() => gpoV(cardId, pdol)),
    generateAcM: (cardId, p1, cdol1, pin) => locked(() => generateAcM(cardId, p1, cdol1, pin)),
    status: (nonce) => locked(() => status(nonce)),
    replenishRequest: (cardId) => locked(() => replenishRequest(cardId)),
    cardInfo: () => locked(() => cardInfo()),
    wipe: (cardId) => locked(() => wipeCards(cardId)),
    cdcvm: (verified) => locked(() => cdcvm(verified)),
  };
}
