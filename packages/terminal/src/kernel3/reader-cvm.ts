/**
 * Kernel 3 reader CVM processing (EMV Contactless Book C-3 §5.7, "Cardholder Verification"):
 * the CTQ, when present, names the CVM: online PIN if the card wants it and the reader can;
 * consumer device CVM if the phone did it (and the reader accepts CDCVM); signature if the card
 * wants it and the reader can. Without a CTQ and with "CVM required" in the TTQ: signature, else
 * online PIN. When the TTQ did not require a CVM and the CTQ names none, no CVM. When a CVM is
 * required and none is left, a consumer device (9F6E present) that the reader accepts CDCVM
 * from must verify the cardholder first: "See Phone" (two-tap). Otherwise the CVM failed.
 */
import type { CvmPerformed } from '../outcome/outcome.js';
import { CTQ, TTQ } from './qualifiers.js';

/** The reader's CVM decision: a CVM, "See Phone" (two-tap), or failed. */
export type ReaderCvmDecision = { cvm: CvmPerformed } | { seePhone: true } | { failed: true };

/** Kernel 3 reader CVM processing (Book C-3 §5.7) from the TTQ, the CTQ and the device type. */
export function readerCvm(
  ttq: Uint8Array,
  ctq: Uint8Array | undefined,
  consumerDevice: boolean,
): ReaderCvmDecision {
  const required = (ttq[1]! & TTQ.B2_CVM_REQUIRED) !== 0;
  const onlinePin = (ttq[0]! & TTQ.B1_ONLINE_PIN) !== 0;
  const signature = (ttq[0]! & TTQ.B1_SIGNATURE) !== 0;
  const cdcvmAccepted = (ttq[2]! & TTQ.B3_CDCVM_SUPPORTED) !== 0;
  if (ctq !== undefined) {
    if ((ctq[0]! & CTQ.B1_ONLINE_PIN_REQUIRED) !== 0 && onlinePin) return { cvm: 'ONLINE_PIN' };
    if ((ctq[1]! & CTQ.B2_CDCVM_PERFORMED) !== 0 && cdcvmAccepted) return { cvm: 'CDCVM' };
    if ((ctq[0]! & CTQ.B1_SIGNATURE_REQUIRED) !== 0 && signature) return { cvm: 'SIGNATURE' };
  } else if (required) {
    if (signature) return { cvm: 'SIGNATURE' };
    if (onlinePin) return { cvm: 'ONLINE_PIN' };
  }
  if (!required) return { cvm: 'NO_CVM' };
  if (cdcvmAccepted && consumerDevice) return { seePhone: true };
  return { failed: true };
}
