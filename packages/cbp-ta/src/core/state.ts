/**
 * The CBP TA's sealed state (docs/cbp-protocol.md §2, §4): one device object and one object per
 * card, JSON in sealed storage. Key bytes are never in here: credentials are persistent key
 * objects named by random ids (`c.<16 hex>`), referenced from the card object. A card object is
 * written whole in one storage transaction together with the device object when a server message
 * changes both, so `lastSeq` and the change it belongs to are committed together. A cryptogram's
 * ATC / LUK use / SUK is covered by a reservation sealed before it (`resv`, reservation.ts),
 * and its own effect is written behind the answer (card-store.ts).
 */
import { bytesToHex } from '@openvse/emv/codec';
import {
  type CardProfile,
  CbpError,
  CbpErrorCode,
  type PolicyWire,
  type PublicEcJwk,
} from '@openvse/protocol';
import { jsonBytes, parseJsonBytes } from './codec.js';
import type { StorageOp } from './platform.js';

export const DEVICE_ID = 'cbp.device';
export const CARD_PREFIX = 'cbp.card.';
/** Persistent ids of the TA's own keys (also their names in the attestation's taPublicKeys). */
export const ENC_KEY_ID = 'enc';
export const SIG_KEY_ID = 'sig';
export const STATE_VERSION = 1;
/** How many used / discarded SUK ATCs a card remembers for replenishment statements. */
export const HISTORY_MAX = 256;

export interface DeviceState {
  v: number;
  deviceId: string;
  serverJwk: PublicEcJwk;
  serverKid: string;
  encKid: string;
  sigKid: string;
  lastSeq: number;
  /** The last `policy` message (null before any). */
  policy: PolicyWire | null;
}

export interface LogEntry {
  atc: number;
  /** 9F37, 8 hex digits, upper case. */
  un: string;
  amount: number;
}

export interface LukState {
  api: string;
  dki: string;
  keyId: string;
  /**
   * A card with a mobile PIN: the same LUK as a second key object of usage 'derive' (V-OS lets no
   * key both MAC and derive), the base of the PIN MAC (docs/emv-cryptography.md §4.6).
   */
  pinKeyId?: string;
  maxTransactions: number;
  /** Epoch seconds. */
  notAfter: number;
  maxAmount: number;
  used: number;
  usedAmount: number;
  /** ATC of the first cryptogram under this LUK (null before any). */
  firstAtc: number | null;
  log: LogEntry[];
  /**
   * ATC ranges [from, to] reserved under this LUK and lost in a crash (reservation.ts): their
   * cryptograms, if any left the TA, have no log entry. Absent when none.
   */
  lost?: Array<[number, number]>;
}

/**
 * The ceilings of a tap reservation, sealed with the card (reservation.ts): a crash consumes
 * everything up to them. Absent in a card closed cleanly.
 */
export interface Reservation {
  /** Highest ATC that may have been used (profile M: the last reserved SUK's ATC). */
  atc: number;
  /** Profile V with a LUK: the LUK (its API) the two ceilings below belong to. */
  api?: string;
  /** Profile V: LUK use count ceiling. */
  uses?: number;
  /** Profile V: cumulative amount ceiling (minor units). */
  amount?: number;
}

export interface SukState {
  atc: number;
  umdKeyId: string;
  mdKeyId: string;
  /** 8 bytes, hex. */
  idn: string;
}

export interface CardState {
  v: number;
  card: CardProfile;
  state: 'ACTIVE' | 'SUSPENDED';
  /** Last ATC used (0 before any). */
  atc: number;
  luk: LukState | null;
  /** Unused SUKs, ascending ATC. */
  suks: SukState[];
  history: Array<{ atc: number; status: 'USED' | 'DISCARDED' }>;
  /** Sealed copies only: the tap reservation a crash consumes (never set in memory). */
  resv?: Reservation;
}

export const cardObjectId = (cardId: string): string => CARD_PREFIX + cardId;

/** The storage step that writes a card object whole, with the reservation `resv` when given. */
export function writeCardOp(c: CardState, resv?: Reservation): StorageOp {
  return { op: 'write', id: cardObjectId(c.card.cardId), data: jsonBytes(resv ? { ...c, resv } : c) };
}

/** The storage step that writes the device object whole. */
export function writeDeviceOp(d: DeviceState): StorageOp {
  return { op: 'write', id: DEVICE_ID, data: jsonBytes(d) };
}

export function newKeyId(random: Uint8Array): string {
  return `c.${bytesToHex(random).toLowerCase()}`;
}

function corrupt(what: string): CbpError {
  return new CbpError(CbpErrorCode.CORRUPT_STATE, `sealed ${what} does not parse`);
}

export function decodeDevice(b: Uint8Array): DeviceState {
  const v = parseJsonBytes(b) as DeviceState | undefined;
  if (
    !v ||
    typeof v !== 'object' ||
    v.v !== STATE_VERSION ||
    typeof v.deviceId !== 'string' ||
    typeof v.serverKid !== 'string' ||
    typeof v.lastSeq !== 'number' ||
    typeof v.serverJwk !== 'object'
  )
    throw corrupt('device state');
  return v;
}

export function decodeCard(b: Uint8Array): CardState {
  const v = parseJsonBytes(b) as CardState | undefined;
  if (
    !v ||
    typeof v !== 'object' ||
    v.v !== STATE_VERSION ||
    typeof v.card !== 'object' ||
    typeof v.atc !== 'number' ||
    !Array.isArray(v.suks) ||
    !Array.isArray(v.history) ||
    (v.resv !== undefined && !isReservation(v.resv)) ||
    (v.luk?.lost !== undefined && !Array.isArray(v.luk.lost)) ||
    (v.luk?.pinKeyId !== undefined && typeof v.luk.pinKeyId !== 'string')
  )
    throw corrupt('card state');
  return v;
}

const isCount = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function isReservation(r: unknown): boolean {
  if (typeof r !== 'object' || r === null) return false;
  const x = r as Record<string, unknown>;
  return (
    isCount(x.atc) &&
    (x.api === undefined || typeof x.api === 'string') &&
    (x.uses === undefined || isCount(x.uses)) &&
    (x.amount === undefined || isCount(x.amount))
  );
}

/** Every persistent key id a card references. */
export function cardKeyIds(c: CardState): string[] {
  const ids: string[] = [];
  if (c.luk) ids.push(c.luk.keyId);
  if (c.luk?.pinKeyId) ids.push(c.luk.pinKeyId);
  for (const s of c.suks) ids.push(s.umdKeyId, s.mdKeyId);
  return ids;
}
