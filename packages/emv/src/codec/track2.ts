/**
 * Track 2 Equivalent Data (tag 57, EMV Book 3 Annex A; the ISO/IEC 7813 track 2 layout) and the
 * PAN in format cn (tag 5A): PAN (12..19 digits) ‖ 'D' ‖ expiry YYMM ‖ service code (3 digits) ‖
 * discretionary data, padded with 'F' to whole bytes.
 */
import { EmvError, EmvErrorCode } from '../errors.js';
import { bytesToHex, hexToBytes } from './hex.js';

/** The fields of track 2. */
export interface Track2 {
  pan: string;
  /** YYMM */
  expiry: string;
  serviceCode: string;
  discretionary: string;
}

/**
 * Encodes track 2. Defaults: service code 201 (international, IC, normal authorization) and ten
 * zero digits of discretionary data, as the cloud card profiles use.
 */
export function encodeTrack2(t: {
  pan: string;
  expiry: string;
  serviceCode?: string;
  discretionary?: string;
}): Uint8Array {
  const serviceCode = t.serviceCode ?? '201';
  const discretionary = t.discretionary ?? '0000000000';
  if (
    !/^[0-9]{12,19}$/.test(t.pan) ||
    !/^[0-9]{4}$/.test(t.expiry) ||
    !/^[0-9]{3}$/.test(serviceCode) ||
    !/^[0-9]*$/.test(discretionary)
  )
    throw new EmvError(
      EmvErrorCode.BAD_ARGUMENT,
      'track 2: expected digits for PAN, expiry, service code, data',
    );
  let s = `${t.pan}D${t.expiry}${serviceCode}${discretionary}`;
  if (s.length % 2 === 1) s += 'F';
  return hexToBytes(s);
}

/** Parses tag 57; undefined when it does not have the track 2 shape. */
export function parseTrack2(value: Uint8Array): Track2 | undefined {
  let s = bytesToHex(value);
  if (s.endsWith('F')) s = s.slice(0, -1);
  const m = /^([0-9]{12,19})D([0-9]{4})([0-9]{3})([0-9]*)$/.exec(s);
  if (!m) return undefined;
  return { pan: m[1]!, expiry: m[2]!, serviceCode: m[3]!, discretionary: m[4]! };
}

/** The PAN digits of tag 5A (format cn: trailing 'F' padding), or undefined if not 8..19 digits. */
export function parsePanCn(value: Uint8Array): string | undefined {
  const s = bytesToHex(value).replace(/F+$/, '');
  return /^[0-9]{8,19}$/.test(s) ? s : undefined;
}
