/**
 * Status words (ISO/IEC 7816-4 §5.6 tables 5-6; EMV Book 3 §6.3.5 and Annex C lists the ones
 * EMV commands use). `SW.BYTES_REMAINING`, `SW.WRONG_LE` and `SW.COUNTER_WARNING` name a family
 * whose low bits vary ('61xx', '6Cxx', '63Cx').
 */

/**
 * Status words by name, as 16-bit numbers SW1 × 256 + SW2 (`SW.SUCCESS` is 0x9000). A family entry
 * holds its value with the varying bits zero: compare `sw & 0xFF00` with `SW.BYTES_REMAINING` or
 * `SW.WRONG_LE`, and `sw & 0xFFF0` with `SW.COUNTER_WARNING`.
 */
export const SW = {
  SUCCESS: 0x9000,
  /** '61xx': SW2 more response bytes available (GET RESPONSE with Le = SW2). */
  BYTES_REMAINING: 0x6100,
  WARNING_NO_INFO: 0x6200,
  /** Data returned may be corrupted. */
  DATA_CORRUPTED: 0x6281,
  /** EMV: the application (or PSE) is blocked. */
  SELECTED_FILE_INVALIDATED: 0x6283,
  /** Authentication failed / verification failed, no information. */
  VERIFICATION_FAILED: 0x6300,
  /** '63Cx': verification failed, x tries left. */
  COUNTER_WARNING: 0x63c0,
  MEMORY_FAILURE: 0x6581,
  WRONG_LENGTH: 0x6700,
  LOGICAL_CHANNEL_NOT_SUPPORTED: 0x6881,
  SECURE_MESSAGING_NOT_SUPPORTED: 0x6882,
  COMMAND_INCOMPATIBLE: 0x6981,
  SECURITY_STATUS_NOT_SATISFIED: 0x6982,
  AUTH_METHOD_BLOCKED: 0x6983,
  REFERENCE_DATA_NOT_USABLE: 0x6984,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  COMMAND_NOT_ALLOWED: 0x6986,
  WRONG_DATA: 0x6a80,
  /** Also: card blocked (EMV). */
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  RECORD_NOT_FOUND: 0x6a83,
  NOT_ENOUGH_MEMORY: 0x6a84,
  INCORRECT_P1P2: 0x6a86,
  LC_INCONSISTENT_WITH_P1P2: 0x6a87,
  REFERENCED_DATA_NOT_FOUND: 0x6a88,
  WRONG_P1P2: 0x6b00,
  /** '6Cxx': wrong Le, SW2 gives the exact length. */
  WRONG_LE: 0x6c00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  UNKNOWN_ERROR: 0x6f00,
} as const;

/** The name of an entry of {@link SW}, e.g. 'FILE_NOT_FOUND'. */
export type SwName = keyof typeof SW;

const TEXT: ReadonlyMap<number, string> = new Map([
  [SW.SUCCESS, 'success'],
  [SW.WARNING_NO_INFO, 'warning: state unchanged, no information'],
  [SW.DATA_CORRUPTED, 'warning: part of the returned data may be corrupted'],
  [SW.SELECTED_FILE_INVALIDATED, 'warning: selected file invalidated (application blocked)'],
  [SW.VERIFICATION_FAILED, 'verification failed'],
  [SW.MEMORY_FAILURE, 'memory failure'],
  [SW.WRONG_LENGTH, 'wrong length'],
  [SW.LOGICAL_CHANNEL_NOT_SUPPORTED, 'logical channel not supported'],
  [SW.SECURE_MESSAGING_NOT_SUPPORTED, 'secure messaging not supported'],
  [SW.COMMAND_INCOMPATIBLE, 'command incompatible with file structure'],
  [SW.SECURITY_STATUS_NOT_SATISFIED, 'security status not satisfied'],
  [SW.AUTH_METHOD_BLOCKED, 'authentication method blocked'],
  [SW.REFERENCE_DATA_NOT_USABLE, 'reference data not usable'],
  [SW.CONDITIONS_NOT_SATISFIED, 'conditions of use not satisfied'],
  [SW.COMMAND_NOT_ALLOWED, 'command not allowed (no current EF)'],
  [SW.WRONG_DATA, 'incorrect parameters in the data field'],
  [SW.FUNCTION_NOT_SUPPORTED, 'function not supported (card blocked)'],
  [SW.FILE_NOT_FOUND, 'file or application not found'],
  [SW.RECORD_NOT_FOUND, 'record not found'],
  [SW.NOT_ENOUGH_MEMORY, 'not enough memory space in the file'],
  [SW.INCORRECT_P1P2, 'incorrect parameters P1-P2'],
  [SW.LC_INCONSISTENT_WITH_P1P2, 'Lc inconsistent with P1-P2'],
  [SW.REFERENCED_DATA_NOT_FOUND, 'referenced data not found'],
  [SW.WRONG_P1P2, 'wrong parameters P1-P2'],
  [SW.INS_NOT_SUPPORTED, 'instruction code not supported or invalid'],
  [SW.CLA_NOT_SUPPORTED, 'class not supported'],
  [SW.UNKNOWN_ERROR, 'no precise diagnosis'],
]);

function hex4(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

/** '9000 success', '6110 16 more bytes available', '63C2 verification failed, 2 tries left', … */
export function describeSw(sw: number): string {
  if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff) return `invalid status word ${String(sw)}`;
  const sw1 = sw >> 8;
  const sw2 = sw & 0xff;
  const known = TEXT.get(sw);
  let text: string;
  if (known) text = known;
  else if (sw1 === 0x61) text = `${sw2 === 0 ? 256 : sw2} more response bytes available`;
  else if (sw1 === 0x6c) text = `wrong Le, exact length is ${sw2 === 0 ? 256 : sw2}`;
  else if ((sw & 0xfff0) === SW.COUNTER_WARNING) text = `verification failed, ${sw2 & 0x0f} tries left`;
  else if (sw1 === 0x62 || sw1 === 0x63) text = 'warning';
  else if (sw1 >= 0x64 && sw1 <= 0x6f) text = 'error';
  else if (sw1 === 0x90 || (sw1 & 0xf0) === 0x90) text = 'proprietary or application-specific status';
  else text = 'unknown status word';
  return `${hex4(sw)} ${text}`;
}

/** True for '9000' (and '61xx', which is success with more data to fetch). */
export function isSwSuccess(sw: number): boolean {
  return sw === SW.SUCCESS || sw >> 8 === 0x61;
}
