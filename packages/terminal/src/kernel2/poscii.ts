/**
 * POS Cardholder Interaction Information (DF4B, 3 bytes), EMV Contactless Book C-2 Annex A /
 * docs/emv-cryptography.md §5.2 step 5: a mobile M/Chip card declining with an AAC uses it to say
 * that the cardholder must act on the phone (verify, acknowledge) and tap again. The reader shows
 * "See Phone" when DF4B ∧ '00 03 0F' ≠ 0 [U: mask from our reading of C-2's outcome rules: byte 2
 * b2-b1 (ACK / CDCVM required), byte 3 b4-b1 (context bits)].
 */

export function posciiAsksSeePhone(poscii: Uint8Array | undefined): boolean {
  if (!poscii || poscii.length < 3) return false;
  return (poscii[1]! & 0x03) !== 0 || (poscii[2]! & 0x0f) !== 0;
}
