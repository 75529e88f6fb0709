/**
 * pcsc-lite return codes → names (PC/SC Workgroup part 5 §3.1.1 / pcsc-lite `pcsclite.h`,
 * values identical to Microsoft WinSCard). Lets errors say `SCARD_E_NO_SMARTCARD (0x8010000C)`
 * instead of a bare number. On Linux x86_64 the codes come back as positive 64-bit `long`s.
 */
import { TerminalError, TerminalErrorCode } from '../../errors.js';

export const SCARD_S_SUCCESS = 0;

const NAMES: Readonly<Record<number, string>> = {
  2148532225: 'SCARD_F_INTERNAL_ERROR',
  2148532226: 'SCARD_E_CANCELLED',
  2148532227: 'SCARD_E_INVALID_HANDLE',
  2148532228: 'SCARD_E_INVALID_PARAMETER',
  2148532229: 'SCARD_E_INVALID_TARGET',
  2148532230: 'SCARD_E_NO_MEMORY',
  2148532231: 'SCARD_F_WAITED_TOO_LONG',
  2148532232: 'SCARD_E_INSUFFICIENT_BUFFER',
  2148532233: 'SCARD_E_UNKNOWN_READER',
  2148532234: 'SCARD_E_TIMEOUT',
  2148532235: 'SCARD_E_SHARING_VIOLATION',
  2148532236: 'SCARD_E_NO_SMARTCARD',
  2148532237: 'SCARD_E_UNKNOWN_CARD',
  2148532238: 'SCARD_E_CANT_DISPOSE',
  2148532239: 'SCARD_E_PROTO_MISMATCH',
  2148532240: 'SCARD_E_NOT_READY',
  2148532241: 'SCARD_E_INVALID_VALUE',
  2148532242: 'SCARD_E_SYSTEM_CANCELLED',
  2148532243: 'SCARD_F_COMM_ERROR',
  2148532244: 'SCARD_F_UNKNOWN_ERROR',
  2148532245: 'SCARD_E_INVALID_ATR',
  2148532246: 'SCARD_E_NOT_TRANSACTED',
  2148532247: 'SCARD_E_READER_UNAVAILABLE',
  2148532248: 'SCARD_P_SHUTDOWN',
  2148532249: 'SCARD_E_PCI_TOO_SMALL',
  2148532250: 'SCARD_E_READER_UNSUPPORTED',
  2148532251: 'SCARD_E_DUPLICATE_READER',
  2148532252: 'SCARD_E_CARD_UNSUPPORTED',
  2148532253: 'SCARD_E_NO_SERVICE',
  2148532254: 'SCARD_E_SERVICE_STOPPED',
  // pcsc-lite gives SCARD_E_UNEXPECTED and SCARD_E_UNSUPPORTED_FEATURE the same value.
  2148532255: 'SCARD_E_UNEXPECTED',
  2148532256: 'SCARD_E_ICC_INSTALLATION',
  2148532257: 'SCARD_E_ICC_CREATEORDER',
  2148532259: 'SCARD_E_DIR_NOT_FOUND',
  2148532260: 'SCARD_E_FILE_NOT_FOUND',
  2148532261: 'SCARD_E_NO_DIR',
  2148532262: 'SCARD_E_NO_FILE',
  2148532263: 'SCARD_E_NO_ACCESS',
  2148532264: 'SCARD_E_WRITE_TOO_MANY',
  2148532265: 'SCARD_E_BAD_SEEK',
  2148532266: 'SCARD_E_INVALID_CHV',
  2148532267: 'SCARD_E_UNKNOWN_RES_MNG',
  2148532268: 'SCARD_E_NO_SUCH_CERTIFICATE',
  2148532269: 'SCARD_E_CERTIFICATE_UNAVAILABLE',
  2148532270: 'SCARD_E_NO_READERS_AVAILABLE',
  2148532271: 'SCARD_E_COMM_DATA_LOST',
  2148532272: 'SCARD_E_NO_KEY_CONTAINER',
  2148532273: 'SCARD_E_SERVER_TOO_BUSY',
  2148532325: 'SCARD_W_UNSUPPORTED_CARD',
  2148532326: 'SCARD_W_UNRESPONSIVE_CARD',
  2148532327: 'SCARD_W_UNPOWERED_CARD',
  2148532328: 'SCARD_W_RESET_CARD',
  2148532329: 'SCARD_W_REMOVED_CARD',
  2148532330: 'SCARD_W_SECURITY_VIOLATION',
  2148532331: 'SCARD_W_WRONG_CHV',
  2148532332: 'SCARD_W_CHV_BLOCKED',
  2148532333: 'SCARD_W_EOF',
  2148532334: 'SCARD_W_CANCELLED_BY_USER',
  2148532335: 'SCARD_W_CARD_NOT_AUTHENTICATED',
};

/** Normalises a LONG result (number or bigint, possibly sign-extended) to the 32-bit code. */
export function pcscCode(rv: number | bigint): number {
  return Number(BigInt.asUintN(32, BigInt(rv)));
}

/** `SCARD_E_NO_SMARTCARD`, or `SCARD_UNKNOWN_0x…` for a code not in the table. */
export function pcscErrorName(rv: number | bigint): string {
  const c = pcscCode(rv);
  if (c === SCARD_S_SUCCESS) return 'SCARD_S_SUCCESS';
  return NAMES[c] ?? `SCARD_UNKNOWN_0x${c.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** The TerminalError for a failed pcsc-lite call; `details.pcsc` is the name, `details.rv` the code. */
export function pcscError(fn: string, rv: number | bigint, context = ''): TerminalError {
  const c = pcscCode(rv);
  const name = pcscErrorName(c);
  const hex = `0x${c.toString(16).toUpperCase().padStart(8, '0')}`;
  const code =
    name === 'SCARD_E_NO_READERS_AVAILABLE'
      ? TerminalErrorCode.PCSC_NO_READERS
      : name === 'SCARD_E_UNKNOWN_READER'
        ? TerminalErrorCode.PCSC_READER_NOT_FOUND
        : name === 'SCARD_E_NO_SERVICE'
          ? TerminalErrorCode.PCSC_UNAVAILABLE
          : TerminalErrorCode.PCSC_ERROR;
  return new TerminalError(code, `${fn}${context ? ` (${context})` : ''}: ${name} (${hex})`, {
    pcsc: name,
    rv: c,
    fn,
  });
}
