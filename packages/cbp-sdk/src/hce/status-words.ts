/**
 * Status words the emulated card answers (ISO/IEC 7816-4 §5.1.3; EMV Book 3 §6.3.5;
 * EMV Contactless Book C-3 §5.2 for 6986 "see phone").
 */
/** The status words the emulated card answers. */
export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  /** Kernel 3: command not allowed, cardholder verification on the device needed ("see phone"). */
  SEE_PHONE: 0x6986,
  WRONG_DATA: 0x6a80,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  WRONG_P1P2: 0x6a86,
  REFERENCED_DATA_NOT_FOUND: 0x6a88,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  NO_PRECISE_DIAGNOSIS: 0x6f00,
} as const;

/** A status word as its two bytes SW1 SW2. */
export function sw(code: number): Uint8Array {
  return Uint8Array.of((code >> 8) & 0xff, code & 0xff);
}

/** An R-APDU: `data` followed by SW1 SW2 (9000 by default). */
export function withSw(data: Uint8Array, code: number = SW.OK): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data, 0);
  out[data.length] = (code >> 8) & 0xff;
  out[data.length + 1] = code & 0xff;
  return out;
}
