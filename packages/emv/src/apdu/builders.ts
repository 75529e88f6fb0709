/**
 * Builders for the EMV contactless commands (EMV Book 3 §6.5; Book C-2 §5 for COMPUTE
 * CRYPTOGRAPHIC CHECKSUM). Each returns a {@link CommandApdu}; serialise it with
 * `encodeCommandApdu`. Le is '00' (256, "whatever you have") wherever the command expects data.
 * Byte strings given as `string` are hex.
 */

import { latin1Bytes } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { EmvError, EmvErrorCode } from '../errors.js';
import { encodeTlv } from '../tlv/encode.js';
import { encodeTag } from '../tlv/tag.js';
import type { CommandApdu } from './command.js';

/** Proximity Payment System Environment name, selected first by every contactless reader. */
export const PPSE_NAME = '2PAY.SYS.DDF01';

/** Reference control parameter (P1) of GENERATE AC: cryptogram type, bits b8-b7. */
export const AcType = { AAC: 0x00, TC: 0x40, ARQC: 0x80 } as const;
/** P1 bit b5 of GENERATE AC: CDA signature requested. */
export const CDA_REQUESTED = 0x10;

function bad(what: string): never {
  throw new EmvError(EmvErrorCode.APDU_BAD_FIELD, what);
}

/**
 * SELECT by DF name (`00 A4 04 P2 Lc name 00`): P2 '00' first or only occurrence, '02' next
 * occurrence. `aidOrName` is bytes or hex (use {@link selectPpse} for the PPSE).
 */
export function selectByName(
  aidOrName: Uint8Array | string,
  opts: { first?: boolean; next?: boolean } = {},
): CommandApdu {
  const name = toBytes(aidOrName, 'selectByName: name');
  if (name.length < 1 || name.length > 16) bad('selectByName: a DF name is 1..16 bytes');
  if (opts.first && opts.next) bad('selectByName: first and next are exclusive');
  return { cla: 0x00, ins: 0xa4, p1: 0x04, p2: opts.next ? 0x02 : 0x00, data: name, le: 256 };
}

/** SELECT '2PAY.SYS.DDF01'. */
export function selectPpse(): CommandApdu {
  return selectByName(latin1Bytes(PPSE_NAME));
}

/** GET PROCESSING OPTIONS (`80 A8 00 00 Lc 83 L pdolData 00`); no PDOL data: `83 00`. */
export function getProcessingOptions(pdolData?: Uint8Array | string): CommandApdu {
  const d = pdolData === undefined ? new Uint8Array(0) : toBytes(pdolData, 'getProcessingOptions: data');
  const data = encodeTlv({ tag: '83', value: d });
  if (data.length > 255) bad('getProcessingOptions: PDOL data longer than 252 bytes');
  return { cla: 0x80, ins: 0xa8, p1: 0x00, p2: 0x00, data, le: 256 };
}

/** READ RECORD (`00 B2 record (SFI<<3)|4 00`), SFI 1..30, record 1..255. */
export function readRecord(sfi: number, record: number): CommandApdu {
  if (!Number.isInteger(sfi) || sfi < 1 || sfi > 30) bad('readRecord: SFI must be 1..30');
  if (!Number.isInteger(record) || record < 1 || record > 255) bad('readRecord: record must be 1..255');
  return { cla: 0x00, ins: 0xb2, p1: record, p2: (sfi << 3) | 0x04, le: 256 };
}

/**
 * GENERATE AC (`80 AE P1 00 Lc cdolData 00`). Named `generateAcCommand` because `generateAc` is the
 * cryptogram computation in cryptogram/. P1: {@link AcType} (0x80 ARQC, 0x40 TC,
 * 0x00 AAC), plus {@link CDA_REQUESTED} (0x10); the other bits are RFU and refused.
 */
export function generateAcCommand(referenceControl: number, cdolData: Uint8Array | string): CommandApdu {
  if (
    !Number.isInteger(referenceControl) ||
    referenceControl < 0 ||
    referenceControl > 0xff ||
    (referenceControl & 0xc0) === 0xc0 ||
    (referenceControl & ~0xd0) !== 0
  )
    bad('generateAcCommand: reference control must be AAC/TC/ARQC, optionally | CDA');
  const data = toBytes(cdolData, 'generateAcCommand: CDOL data');
  if (data.length < 1 || data.length > 255) bad('generateAcCommand: CDOL data must be 1..255 bytes');
  return { cla: 0x80, ins: 0xae, p1: referenceControl, p2: 0x00, data, le: 256 };
}

/** GET DATA (`80 CA P1 P2 00`) for a one- or two-byte tag, e.g. '9F36' (ATC) or '9F17'. */
export function getData(tag: string): CommandApdu {
  const t = encodeTag(tag);
  if (t.length > 2) bad('getData: P1-P2 holds at most a two-byte tag');
  return { cla: 0x80, ins: 0xca, p1: t.length === 2 ? t[0]! : 0x00, p2: t[t.length - 1]!, le: 256 };
}

/** GET RESPONSE (`00 C0 00 00 Le`), after a '61xx' status. */
export function getResponse(le: number): CommandApdu {
  if (!Number.isInteger(le) || le < 1 || le > 256) bad('getResponse: Le must be 1..256');
  return { cla: 0x00, ins: 0xc0, p1: 0x00, p2: 0x00, le };
}

/** COMPUTE CRYPTOGRAPHIC CHECKSUM (`80 2A 8E 80 Lc udolData 00`), Kernel 2 mag-stripe mode. */
export function computeCryptographicChecksum(udolData: Uint8Array | string): CommandApdu {
  const data = toBytes(udolData, 'computeCryptographicChecksum: UDOL data');
  if (data.length < 1 || data.length > 255)
    bad('computeCryptographicChecksum: UDOL data must be 1..255 bytes');
  return { cla: 0x80, ins: 0x2a, p1: 0x8e, p2: 0x80, data, le: 256 };
}
