/**
 * The CBP TA's sealed state (docs/cbp-protocol.md §2, §4): one device object and one object per
 * card, JSON in sealed storage. Key bytes are never in here: credentials are persistent key
 * objects named by random ids (`c.<16 hex>`), referenced from the card object. A card object is
 * written whole in one storage transaction together with the device object when a server message
 * changes both, so `lastSeq` and the change it belongs to are committed together, and the ATC /
 * SUK consumption of a cryptogram is committed before the cryptogram is returned.
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
  maxTransactions: number;
  /** Epoch seconds. */
  notAfter: number;
  maxAmount: number;
  used: number;
  usedAmount: number;
  /** ATC of the first cryptogram under this LUK (null before any). */
  firstAtc: number | null;
  log: LogEntry[];
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
}

export const cardObjectId = (cardId: string): string => CARD_PREFIX + cardId;

/** The storage step that writes a card object whole. */
export function writeCardOp(c: CardState): StorageOp {
  return { op: 'write', id: cardObjectId(c.card.cardId), data: jsonBytes(c) };
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
    !Array.isArray(v.history)
  )
    throw corrupt('card state');
  return v;
}

/** Every persistent key id a card references. */
export function cardKeyIds(c: CardState): string[] {
  const ids: string[] = [];
  if (c.luk) ids.push(c.luk.keyId);
  for (const s of c.suks) ids.push(s.umdKeyId, s.mdKeyId);
  return ids;
}
