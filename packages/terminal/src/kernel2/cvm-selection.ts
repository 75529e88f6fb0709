/**
 * Kernel 2 CVM selection, contactless subset (EMV Contactless Book C-2 §7.5): at or below the
 * CVM required limit no CVM is needed; above it, when the card (AIP byte 1 b2 "on device
 * cardholder verification supported") and the reader both support it, the phone's own
 * verification (CDCVM) is the CVM, and the card tells in its answer whether it was done
 * (POSCII, see poscii.ts). Otherwise this reader, which has no PIN pad and no signature
 * capture, has no CVM left: "Cardholder verification was not successful" in the TVR, and the
 * issuer decides. (CVM List (8E) processing for contact-style methods is not implemented.)
 */
import type { CvmPerformed } from '../outcome/outcome.js';
import { TVR, type Tvr } from '../tvr/tvr.js';

/** AIP byte 1 b2: on-device cardholder verification supported. */
export const AIP_ON_DEVICE_CVM = 0x02;

/** Kernel 2 CVM: none up to the CVM limit, CDCVM above it when both sides support it, else failed (TVR). */
export function selectKernel2Cvm(
  aip: Uint8Array,
  amount: bigint,
  cvmRequiredLimit: bigint,
  readerSupportsOnDeviceCvm: boolean,
  tvr: Tvr,
): CvmPerformed {
  if (amount <= cvmRequiredLimit) return 'NO_CVM';
  if (readerSupportsOnDeviceCvm && (aip[0]! & AIP_ON_DEVICE_CVM) !== 0) return 'CDCVM';
  tvr.set(TVR.CVM_NOT_SUCCESSFUL);
  return 'FAILED';
}
