/**
 * Command APDUs, short length fields only (ISO/IEC 7816-4 §5.1; EMV Book 1 §9 / Book 3 §6.3).
 *
 *   case 1: CLA INS P1 P2              case 3: CLA INS P1 P2 Lc data
 *   case 2: CLA INS P1 P2 Le           case 4: CLA INS P1 P2 Lc data Le
 * Lc is 1..255; Le is 1..256 with 256 written as '00'. Extended length fields ('00' then two
 * bytes) are recognised and refused (ERR_APDU_EXTENDED_UNSUPPORTED): contactless EMV never needs
 * them. CLA 'FF' and INS '6X'/'9X' are invalid (ISO/IEC 7816-4 §5.1) and refused with
 * ERR_APDU_BAD_FIELD, by the encoder and by the parser alike.
 */
import { EmvError, EmvErrorCode, EmvParseError } from '../errors.js';
import { inputBytes } from '../tlv/parse.js';

/**
 * A command APDU in short form (ISO/IEC 7816-4 §5.1): the header CLA INS P1 P2 (one byte each),
 * optional command data (Lc 1–255) and an optional expected response length Le (1–256).
 */
export type CommandApdu = {
  /** Class byte; 'FF' is invalid (ERR_APDU_BAD_FIELD). */
  cla: number;
  /** Instruction byte; '6X' and '9X' are invalid (ERR_APDU_BAD_FIELD). */
  ins: number;
  /** Parameter byte 1. */
  p1: number;
  /** Parameter byte 2. */
  p2: number;
  /** Command data, 1..255 bytes; absent (or empty) for cases 1 and 2. */
  data?: Uint8Array;
  /** Expected response length 1..256 (256 is encoded '00'); absent for cases 1 and 3. */
  le?: number;
};

/**
 * Command case of ISO/IEC 7816-4 §5.1: 1 = header only, 2 = header ‖ Le, 3 = header ‖ Lc ‖ data,
 * 4 = header ‖ Lc ‖ data ‖ Le.
 */
export type ApduCase = 1 | 2 | 3 | 4;

/**
 * A command APDU as {@link parseCommandApdu} decodes it: the fields present in the bytes (`data` is
 * a copy, `le` is 256 for '00') and the case its length fields give.
 */
export type ParsedCommandApdu = CommandApdu & { case: ApduCase };

/** True for INS values ISO/IEC 7816-4 declares invalid ('6X', '9X'). */
function invalidIns(ins: number): boolean {
  const hi = ins & 0xf0;
  return hi === 0x60 || hi === 0x90;
}

function badField(what: string): never {
  throw new EmvError(EmvErrorCode.APDU_BAD_FIELD, `command APDU: ${what}`);
}

function checkByte(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xff) badField(`${name} must be a byte`);
  return v;
}

/** Serialises a command APDU (short form), choosing the case from `data` and `le`. */
export function encodeCommandApdu(c: CommandApdu): Uint8Array {
  if (typeof c !== 'object' || c === null) badField('expected an object');
  const cla = checkByte(c.cla, 'CLA');
  const ins = checkByte(c.ins, 'INS');
  const p1 = checkByte(c.p1, 'P1');
  const p2 = checkByte(c.p2, 'P2');
  if (cla === 0xff) badField("CLA 'FF' is invalid");
  if (invalidIns(ins)) badField("INS '6X' and '9X' are invalid");
  const data = c.data;
  if (data !== undefined && !(data instanceof Uint8Array)) badField('data must be a Uint8Array');
  if (data !== undefined && data.length > 255) badField('data longer than 255 bytes needs extended length');
  const le = c.le;
  if (le !== undefined && (typeof le !== 'number' || !Number.isInteger(le) || le < 1 || le > 256))
    badField('Le must be an integer 1..256');
  const n = data?.length ?? 0;
  const out = new Uint8Array(4 + (n > 0 ? 1 + n : 0) + (le !== undefined ? 1 : 0));
  out[0] = cla;
  out[1] = ins;
  out[2] = p1;
  out[3] = p2;
  let pos = 4;
  if (data !== undefined && n > 0) {
    out[pos++] = n;
    out.set(data, pos);
    pos += n;
  }
  if (le !== undefined) out[pos] = le & 0xff;
  return out;
}

/** Parses a short-form command APDU and reports its case. */
export function parseCommandApdu(bytes: Uint8Array): ParsedCommandApdu {
  const b = inputBytes(bytes, 'parseCommandApdu');
  if (b.length < 4)
    throw new EmvParseError(EmvErrorCode.APDU_TOO_SHORT, `command APDU of ${b.length} bytes`, b.length);
  const [cla, ins, p1, p2] = [b[0]!, b[1]!, b[2]!, b[3]!];
  if (cla === 0xff) throw new EmvParseError(EmvErrorCode.APDU_BAD_FIELD, "CLA 'FF' is invalid", 0);
  if (invalidIns(ins)) throw new EmvParseError(EmvErrorCode.APDU_BAD_FIELD, "INS '6X'/'9X' is invalid", 1);
  const head = { cla, ins, p1, p2 };
  if (b.length === 4) return { ...head, case: 1 };
  const c5 = b[4]!;
  if (b.length === 5) return { ...head, le: c5 === 0 ? 256 : c5, case: 2 };
  if (c5 === 0) {
    if (b.length >= 7) {
      const lc = (b[5]! << 8) | b[6]!;
      if (b.length === 7 || (lc > 0 && (b.length === 7 + lc || b.length === 9 + lc)))
        throw new EmvParseError(EmvErrorCode.APDU_EXTENDED_UNSUPPORTED, 'extended length APDU', 4);
    }
    throw new EmvParseError(EmvErrorCode.APDU_BAD_LENGTH, 'Lc of 0 with data following', 4);
  }
  if (b.length === 5 + c5) return { ...head, data: b.slice(5), case: 3 };
  if (b.length === 6 + c5) {
    const le = b[5 + c5]!;
    return { ...head, data: b.slice(5, 5 + c5), le: le === 0 ? 256 : le, case: 4 };
  }
  throw new EmvParseError(
    EmvErrorCode.APDU_BAD_LENGTH,
    `Lc ${c5} does not match the ${b.length - 5} bytes after it`,
    4,
  );
}
