/**
 * CVM Results (tag 9F34, 3 bytes: CVM code ‖ condition ‖ result), EMV Book 3 Annex C4.
 * Contactless readers fill it from their own CVM decision (Book C-2 §7.5; Book C-3 keeps it
 * reader-internal, we still report it in the chip data). Codes used here:
 * - no CVM: '1F 00 02' (No CVM required, always, successful);
 * - CDCVM: '01 00 02' [U: C-2 reports consumer device CVM with the code of "plaintext PIN
 *   verified by ICC" and result successful, since the device verified the cardholder];
 * - signature: '1E 00 00' (result unknown until the receipt is signed);
 * - online PIN: '02 00 00';
 * - failed: '3F 00 01' (no CVM performed, failed).
 */
import type { CvmPerformed } from '../outcome/outcome.js';

const CODES: Readonly<Record<CvmPerformed, readonly [number, number, number]>> = {
  NO_CVM: [0x1f, 0x00, 0x02],
  CDCVM: [0x01, 0x00, 0x02],
  SIGNATURE: [0x1e, 0x00, 0x00],
  ONLINE_PIN: [0x02, 0x00, 0x00],
  FAILED: [0x3f, 0x00, 0x01],
};

/** CVM Results (9F34) for the reader's CVM decision. */
export function cvmResults(cvm: CvmPerformed): Uint8Array {
  return Uint8Array.from(CODES[cvm]);
}
