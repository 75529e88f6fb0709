/**
 * The bodies of the server → TA messages (docs/cbp-protocol.md §2), typed once for the server
 * that builds them and strictly parsed for the TA that applies them:
 *
 *   provision    { card: CardProfile }                                 (card-profile.ts)
 *   credentials  { cardId, luk: LukWire }            profile V
 *                { cardId, suks: SukWire[] }         profile M
 *   lifecycle    { cardId | '*', action: suspend | resume | delete }
 *   policy       { policy: PolicyWire }                                (policy/parse.ts)
 *
 * Keys travel as canonical base64url (RFC 4648 §5, no padding, zero unused bits): the parsers
 * check the spelling and length here; the TA decodes them right before importing them as key
 * objects and wipes the bytes.
 */
import { CbpError, CbpErrorCode } from '../ta/cbp-errors.js';
import { CARD_ID, type CardProfile } from './card-profile.js';

/** Most unused SUKs a card may hold. */
export const MAX_SUKS_PER_CARD = 100;
/** Largest transaction count a LUK may allow. */
export const MAX_LUK_TRANSACTIONS = 1000;

/** A profile V limited-use key with its thresholds. */
export interface LukWire {
  /** Account parameters index YHHHHCC (7 digits). */
  api: string;
  /** Derivation key index (2 hex digits). */
  dki: string;
  /** The 16-byte 3DES LUK, canonical base64url. */
  key: string;
  maxTransactions: number;
  /** Epoch seconds. */
  notAfter: number;
  /** Cumulative amount, minor units. */
  maxAmount: number;
}

/** A profile M single-use key pair for one server-assigned ATC. */
export interface SukWire {
  atc: number;
  /** SK_UMD (or SUK_UMD with the mobile PIN mixed out), 16 bytes, canonical base64url. */
  sukUmd: string;
  /** SK_MD, 16 bytes, canonical base64url. */
  skMd: string;
  /** IDN, 8 bytes, canonical base64url. */
  idn: string;
}

/** `provision` */
export interface ProvisionBody {
  card: CardProfile;
}

/** `credentials`, profile V */
export interface LukCredentialsBody {
  cardId: string;
  luk: LukWire;
}

/** `credentials`, profile M */
export interface SukCredentialsBody {
  cardId: string;
  suks: SukWire[];
}

/** `credentials` */
export type CredentialsBody = LukCredentialsBody | SukCredentialsBody;

/** What a `lifecycle` message does to a card. */
export type LifecycleAction = 'suspend' | 'resume' | 'delete';

/** `lifecycle` */
export interface LifecycleBody {
  /** A card id, or '*' for every card. */
  cardId: string;
  action: LifecycleAction;
}

const rejected = (m: string) => new CbpError(CbpErrorCode.MESSAGE_REJECTED, m);

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Canonical base64url of 16 bytes: 22 characters, the last with its 4 unused bits zero. */
const B64U_16 = /^[A-Za-z0-9_-]{21}[AQgw]$/;
/** Canonical base64url of 8 bytes: 11 characters, the last with its 2 unused bits zero. */
const B64U_8 = /^[A-Za-z0-9_-]{10}[AEIMQUYcgkosw048]$/;

/** The `cardId` member of a body (or '*' where the message allows every card). */
export function cardIdOf(body: Record<string, unknown>, allowStar = false): string {
  const id = body.cardId;
  if (typeof id !== 'string' || !(CARD_ID.test(id) || (allowStar && id === '*'))) throw rejected('cardId');
  return id;
}

function key16(v: unknown, what: string): string {
  if (typeof v !== 'string' || !B64U_16.test(v)) throw rejected(`${what} must be 16 bytes base64url`);
  return v;
}

/** Profile V `luk` member. Throws CbpError ERR_MESSAGE_REJECTED naming the bad member. */
export function parseLuk(v: unknown): LukWire {
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

/** Profile M `suks` member. Throws CbpError ERR_MESSAGE_REJECTED naming the bad member. */
export function parseSuks(v: unknown): SukWire[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_SUKS_PER_CARD) throw rejected('suks');
  return v.map((s: unknown): SukWire => {
    if (typeof s !== 'object' || s === null) throw rejected('suk');
    const o = s as Record<string, unknown>;
    if (!isInt(o.atc, 1, 0xffff)) throw rejected('suk.atc');
    if (typeof o.idn !== 'string' || !B64U_8.test(o.idn)) throw rejected('suk.idn must be 8 bytes base64url');
    return { atc: o.atc, sukUmd: key16(o.sukUmd, 'suk.sukUmd'), skMd: key16(o.skMd, 'suk.skMd'), idn: o.idn };
  });
}

/** A `lifecycle` body. Throws CbpError ERR_MESSAGE_REJECTED. */
export function parseLifecycle(body: Record<string, unknown>): LifecycleBody {
  const cardId = cardIdOf(body, true);
  const action = body.action;
  if (action !== 'suspend' && action !== 'resume' && action !== 'delete') throw rejected('action');
  return { cardId, action };
}
