/**
 * Server → TA messages (docs/cbp-protocol.md §2): the claim checks (iss, aud, typ, seq, iat, exp,
 * jti) and the strict parsing of each message body. Decryption and signature verification are
 * the platform's (JOSE on key handles); this file only judges what they return. Every check
 * happens before anything is stored: a message that fails any of them changes nothing.
 */
import { fromB64url } from './bytes.js';
import { CbpError, CbpErrorCode } from './errors.js';
import { CARD_ID } from './profile.js';

export const SERVER_ISSUER = 'openvse-cbp-server';
export const SERVER_MESSAGE_TYP = 'openvse-cbp+jwt';
export const TA_STATEMENT_TYP = 'openvse-ta+jwt';
export const MESSAGE_TYPES = ['provision', 'credentials', 'lifecycle', 'policy'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
/** `exp > now − 60 s` (§2). */
export const EXPIRY_LEEWAY_MS = 60_000;
export const MAX_SUKS_PER_CARD = 100;
export const MAX_LUK_TRANSACTIONS = 1000;

export interface MessageClaims {
  typ: MessageType;
  seq: number;
  iat: number;
  exp: number;
  jti: string;
  body: Record<string, unknown>;
}

const invalid = (m: string) => new CbpError(CbpErrorCode.MESSAGE_INVALID, m);
const rejected = (m: string) => new CbpError(CbpErrorCode.MESSAGE_REJECTED, m);

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Checks the claims of a verified server message against this device, `lastSeq` and `nowMs`. */
export function checkClaims(
  payload: unknown,
  deviceId: string,
  lastSeq: number,
  nowMs: number,
): MessageClaims {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw invalid('payload is not a JSON object');
  const p = payload as Record<string, unknown>;
  if (p.iss !== SERVER_ISSUER) throw invalid('iss');
  if (!MESSAGE_TYPES.includes(p.typ as MessageType)) throw invalid('typ');
  if (!isInt(p.seq, 1, Number.MAX_SAFE_INTEGER)) throw invalid('seq');
  if (!isInt(p.iat, 0, 1e11) || !isInt(p.exp, 0, 1e11)) throw invalid('iat/exp');
  if (typeof p.jti !== 'string' || p.jti.length === 0 || p.jti.length > 128) throw invalid('jti');
  const aud = p.aud;
  const audOk = aud === deviceId || (Array.isArray(aud) && aud.length === 1 && aud[0] === deviceId);
  if (!audOk) throw new CbpError(CbpErrorCode.AUDIENCE, 'aud is not this device');
  if (!(p.exp * 1000 > nowMs - EXPIRY_LEEWAY_MS)) throw new CbpError(CbpErrorCode.EXPIRED, 'message expired');
  if (p.seq <= lastSeq) throw new CbpError(CbpErrorCode.REPLAY, 'seq is not above lastSeq');
  const { iss: _i, aud: _a, typ, seq, iat, exp, jti, ...body } = p;
  return { typ: typ as MessageType, seq: seq as number, iat: iat as number, exp: exp as number, jti, body };
}

export function cardIdOf(body: Record<string, unknown>, allowStar = false): string {
  const id = body.cardId;
  if (typeof id !== 'string' || !(CARD_ID.test(id) || (allowStar && id === '*'))) throw rejected('cardId');
  return id;
}

/** A 16-byte key given as base64url; the caller wipes it. */
function key16(v: unknown, what: string): Uint8Array {
  const b = typeof v === 'string' ? fromB64url(v) : undefined;
  if (b?.length !== 16) {
    b?.fill(0);
    throw rejected(`${what} must be 16 bytes base64url`);
  }
  return b;
}

export interface LukInput {
  api: string;
  dki: string;
  key: Uint8Array;
  maxTransactions: number;
  notAfter: number;
  maxAmount: number;
}

export interface SukInput {
  atc: number;
  sukUmd: Uint8Array;
  skMd: Uint8Array;
  idn: Uint8Array;
}

export function wipeInputs(luk?: LukInput, suks?: SukInput[]): void {
  luk?.key.fill(0);
  for (const s of suks ?? []) {
    s.sukUmd.fill(0);
    s.skMd.fill(0);
  }
}

/** Profile V `luk` member. */
export function parseLuk(v: unknown): LukInput {
  if (typeof v !== 'object' || v === null) throw rejected('luk');
  const o = v as Record<string, unknown>;
  if (typeof o.api !== 'string' || !/^[0-9]{7}$/.test(o.api)) throw rejected('luk.api');
  if (typeof o.dki !== 'string' || !/^[0-9A-Fa-f]{2}$/.test(o.dki)) throw rejected('luk.dki');
  if (!isInt(o.maxTransactions, 1, MAX_LUK_TRANSACTIONS)) throw rejected('luk.maxTransactions');
  if (!isInt(o.notAfter, 0, 1e11)) throw rejected('luk.notAfter');
  if (!isInt(o.maxAmount, 0, 999_999_999_999)) throw rejected('luk.maxAmount');
  return {
    api: o.api,
    dki: o.dki.toUpperCase(),
    maxTransactions: o.maxTransactions,
    notAfter: o.notAfter,
    maxAmount: o.maxAmount,
    key: key16(o.key, 'luk.key'),
  };
}

/** Profile M `suks` member. */
export function parseSuks(v: unknown): SukInput[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_SUKS_PER_CARD) throw rejected('suks');
  const out: SukInput[] = [];
  try {
    for (const s of v) {
      if (typeof s !== 'object' || s === null) throw rejected('suk');
      const o = s as Record<string, unknown>;
      if (!isInt(o.atc, 1, 0xffff)) throw rejected('suk.atc');
      const idn = typeof o.idn === 'string' ? fromB64url(o.idn) : undefined;
      if (idn?.length !== 8) throw rejected('suk.idn must be 8 bytes base64url');
      const sukUmd = key16(o.sukUmd, 'suk.sukUmd');
      let skMd: Uint8Array;
      try {
        skMd = key16(o.skMd, 'suk.skMd');
      } catch (e) {
        sukUmd.fill(0);
        throw e;
      }
      out.push({ atc: o.atc, sukUmd, skMd, idn });
    }
    return out;
  } catch (e) {
    wipeInputs(undefined, out);
    throw e;
  }
}

export type LifecycleAction = 'suspend' | 'resume' | 'delete';

export function parseLifecycle(body: Record<string, unknown>): { cardId: string; action: LifecycleAction } {
  const cardId = cardIdOf(body, true);
  const action = body.action;
  if (action !== 'suspend' && action !== 'resume' && action !== 'delete') throw rejected('action');
  return { cardId, action };
}

export const REACTIONS = ['report', 'block_payments', 'wipe_keys', 'stop_app'] as const;
export type Reaction = (typeof REACTIONS)[number];
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface PolicyRule {
  /** A threat code, or '*' for any. */
  code: string;
  minSeverity?: Severity;
  reaction: Reaction;
}

export interface Policy {
  /** Explicit server decision: block every payment (reason 7) while true. */
  blockPayments: boolean;
  rules: PolicyRule[];
  version?: string | number;
  heartbeatSeconds?: number;
}

/**
 * `policy` (docs/cbp-protocol.md §6, V-Guard reaction policy): `{ policy: { version?,
 * heartbeatSeconds?, rules?: [{ code | '*', minSeverity?, reaction }], blockPayments? } }`.
 */
export function parsePolicy(body: Record<string, unknown>): Policy {
  const p = body.policy;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw rejected('policy');
  const o = p as Record<string, unknown>;
  const block = o.blockPayments ?? false;
  if (typeof block !== 'boolean') throw rejected('policy.blockPayments');
  const rulesIn = o.rules ?? [];
  if (!Array.isArray(rulesIn) || rulesIn.length > 256) throw rejected('policy.rules');
  const rules = rulesIn.map((r: unknown): PolicyRule => {
    if (typeof r !== 'object' || r === null) throw rejected('policy rule');
    const x = r as Record<string, unknown>;
    if (typeof x.code !== 'string' || !/^(\*|[A-Za-z0-9_.:-]{1,64})$/.test(x.code))
      throw rejected('rule.code');
    if (!REACTIONS.includes(x.reaction as Reaction)) throw rejected('rule.reaction');
    if (x.minSeverity !== undefined && !SEVERITIES.includes(x.minSeverity as Severity))
      throw rejected('rule.minSeverity');
    return {
      code: x.code,
      reaction: x.reaction as Reaction,
      ...(x.minSeverity === undefined ? {} : { minSeverity: x.minSeverity as Severity }),
    };
  });
  const out: Policy = { blockPayments: block, rules };
  if (typeof o.version === 'string' || typeof o.version === 'number') out.version = o.version;
  if (typeof o.heartbeatSeconds === 'number' && Number.isInteger(o.heartbeatSeconds))
    out.heartbeatSeconds = o.heartbeatSeconds;
  return out;
}

/**
 * What a policy makes of the threat flags V-OS holds (`CODE` or `CODE:severity`). For each flag
 * the FIRST matching rule decides, as on the server (packages/server/src/threats/policy.ts): so
 * `INSPECTOR_OPEN → block_payments` listed before `* critical → wipe_keys` blocks without wiping.
 * `block_payments` / `stop_app` block payments; `wipe_keys` wipes every credential (and blocks).
 * A rule with `minSeverity` applies to a flag without a severity (fail closed).
 */
export function policyVerdict(
  policy: Policy | null | undefined,
  flags: readonly string[],
): { block: boolean; wipe: boolean } {
  let block = policy?.blockPayments === true;
  let wipe = false;
  for (const flag of flags) {
    const [code, sev] = flag.split(':', 2) as [string, string | undefined];
    const rank = sev === undefined ? -1 : SEVERITIES.indexOf(sev as Severity);
    for (const r of policy?.rules ?? []) {
      if (r.code !== '*' && r.code !== code) continue;
      if (r.minSeverity !== undefined && rank >= 0 && rank < SEVERITIES.indexOf(r.minSeverity)) continue;
      if (r.reaction === 'block_payments' || r.reaction === 'stop_app') block = true;
      if (r.reaction === 'wipe_keys') {
        wipe = true;
        block = true;
      }
      break; // first match wins
    }
  }
  return { block, wipe };
}
