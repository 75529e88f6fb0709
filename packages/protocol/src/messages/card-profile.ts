/**
 * The card profile of a `provision` message (docs/cbp-protocol.md §2 `provision`), what CARD_INFO
 * answers for a card, and the strict check the TA applies before storing one: the TA serves these
 * values as they are, so every field is checked for syntax first. Nothing in a profile is secret.
 * The two checks that need EMV codecs (the PAN's Luhn digit, the CDOL1's data length) are passed
 * in, so this module stays free of dependencies.
 */
import { CbpError, CbpErrorCode } from '../ta/cbp-errors.js';

/** The syntax of a card id (also the `cardId` of every message and command). */
export const CARD_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Profile V: qVSDC-style with limited-use keys; profile M: M/Chip-style with single-use keys. */
export type CardProfileKind = 'V' | 'M';

/** One record the card serves to READ RECORD (profile M). */
export interface CardRecord {
  sfi: number;
  record: number;
  /** hex, a template 70 */
  data: string;
}

/** The card profile the server provisions (`provision.card`). */
export interface CardProfile {
  cardId: string;
  profile: CardProfileKind;
  pan: string;
  psn: string;
  expiry: string;
  aid: string;
  label: string;
  priority: number;
  aip: string;
  cvmLimit: number;
  currency: string;
  country: string;
  cdcvmResetTimeoutSec: number;
  /**
   * The card has a mobile PIN, its CDCVM (docs/cdcvm.md). Profile M: SUK_UMD arrives with the PIN
   * mixed out, so every tap needs it. Profile V: a tap above the CVM limit needs it.
   */
  mobilePin: boolean;
  kdi: string;
  replenishBelow: number;
  /** Profile M only. */
  afl?: string;
  records?: CardRecord[];
  cdol1?: string;
}

/** What CARD_INFO returns for one card: the profile (no keys) and its credential state. */
export interface PublicCard extends CardProfile {
  state: 'ACTIVE' | 'SUSPENDED';
  /** Profile V: the last ATC used; profile M: the ATC of the last SUK used (0 before any). */
  atc: number;
  /** Profile V: transactions left on the LUK; profile M: unused SUKs. */
  credentialsLeft: number;
  replenishDue: boolean;
}

/** The EMV checks {@link parseCardProfile} needs (the TA passes @openvse/emv's). */
export interface CardProfileChecks {
  /** ISO/IEC 7812-1 Annex B check digit. */
  luhnValid(pan: string): boolean;
  /** Total data length of a DOL given as hex (EMV Book 3 §5.4); undefined when malformed. */
  dolLength(dolHex: string): number | undefined;
}

const reject = (m: string) => new CbpError(CbpErrorCode.MESSAGE_REJECTED, `card profile: ${m}`);

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function str(o: Record<string, unknown>, k: string, re: RegExp): string {
  const v = o[k];
  if (typeof v !== 'string' || !re.test(v)) throw reject(`${k} is invalid`);
  return v;
}

function int(o: Record<string, unknown>, k: string, min: number, max: number): number {
  const v = o[k];
  if (!isInt(v, min, max)) throw reject(`${k} must be an integer ${min}..${max}`);
  return v;
}

/**
 * Checks a provision message's `card`; returns a clean copy with only the known members.
 * Throws CbpError ERR_MESSAGE_REJECTED naming the first bad member.
 */
export function parseCardProfile(v: unknown, checks: CardProfileChecks): CardProfile {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw reject('not an object');
  const o = v as Record<string, unknown>;
  const profile = o.profile;
  if (profile !== 'V' && profile !== 'M') throw reject('profile must be V or M');
  const pan = str(o, 'pan', /^[0-9]{12,19}$/);
  if (!checks.luhnValid(pan)) throw reject('pan fails the Luhn check');
  const expiry = str(o, 'expiry', /^[0-9]{2}(0[1-9]|1[0-2])$/);
  const label = o.label;
  if (typeof label !== 'string' || label.length === 0 || label.length > 32 || !/^[\x20-\x7e]+$/.test(label))
    throw reject('label must be 1..32 printable ASCII characters');
  const mobilePin = o.mobilePin === undefined ? false : o.mobilePin;
  if (typeof mobilePin !== 'boolean') throw reject('mobilePin must be a boolean');
  const card: CardProfile = {
    cardId: str(o, 'cardId', CARD_ID),
    profile,
    pan,
    psn: str(o, 'psn', /^[0-9]{2}$/),
    expiry,
    aid: str(o, 'aid', /^([0-9A-Fa-f]{2}){5,16}$/).toUpperCase(),
    label,
    priority: int(o, 'priority', 0, 15),
    aip: str(o, 'aip', /^[0-9A-Fa-f]{4}$/).toUpperCase(),
    cvmLimit: int(o, 'cvmLimit', 0, 999_999_999_999),
    currency: str(o, 'currency', /^[0-9]{4}$/),
    country: str(o, 'country', /^[0-9]{4}$/),
    cdcvmResetTimeoutSec: int(o, 'cdcvmResetTimeoutSec', 0, 86_400),
    mobilePin,
    kdi: str(o, 'kdi', /^[0-9A-Fa-f]{2}$/).toUpperCase(),
    replenishBelow: int(o, 'replenishBelow', 0, 1000),
  };
  if (profile === 'M') {
    card.afl = str(o, 'afl', /^([0-9A-Fa-f]{8}){1,16}$/).toUpperCase();
    const cdol1 = str(o, 'cdol1', /^[0-9A-Fa-f]{2,252}$/).toUpperCase();
    const len = cdol1.length % 2 === 0 ? checks.dolLength(cdol1) : undefined;
    if (len === undefined || len < 29 || len > 252) throw reject('cdol1 is not a DOL of 29..252 bytes');
    card.cdol1 = cdol1;
    const recs = o.records;
    if (!Array.isArray(recs) || recs.length === 0 || recs.length > 16)
      throw reject('records must be 1..16 records');
    card.records = recs.map((r: unknown) => {
      if (typeof r !== 'object' || r === null) throw reject('record is not an object');
      const x = r as Record<string, unknown>;
      const data = str(x, 'data', /^([0-9A-Fa-f]{2}){2,254}$/).toUpperCase();
      if (!data.startsWith('70')) throw reject('record data must be a template 70');
      return { sfi: int(x, 'sfi', 1, 30), record: int(x, 'record', 1, 255), data };
    });
  }
  return card;
}
