/**
 * Kernel 3 qualifiers (EMV Contactless Book C-3 Annex A):
 * TTQ, Terminal Transaction Qualifiers (9F66, reader → card):
 *   byte 1 b8 MSD supported, b6 qVSDC supported, b5 EMV contact chip supported, b4 offline-only
 *   reader, b3 online PIN supported, b2 signature supported, b1 ODA for online authorisations;
 *   byte 2 b8 online cryptogram required, b7 CVM required, b6 (contact) offline PIN supported;
 *   byte 3 b8 issuer update processing supported, b7 consumer device CVM supported.
 * CTQ, Card Transaction Qualifiers (9F6C, card → reader):
 *   byte 1 b8 online PIN required, b7 signature required, b6 go online if ODA fails, …;
 *   byte 2 b8 consumer device CVM performed, b7 card supports issuer update processing.
 */
import { hexToBytes } from '@openvse/emv/codec';
import type { TerminalConfig } from '../config/terminal-config.js';
import { isOfflineCapable, isOnlineCapable } from '../config/terminal-config.js';
import type { ResolvedTransaction } from '../config/terminal-data.js';

/** TTQ (9F66) bits this reader sets or reads. */
export const TTQ = {
  B1_QVSDC: 0x20,
  B1_OFFLINE_ONLY: 0x08,
  B1_ONLINE_PIN: 0x04,
  B1_SIGNATURE: 0x02,
  B2_ONLINE_CRYPTOGRAM_REQUIRED: 0x80,
  B2_CVM_REQUIRED: 0x40,
  B3_CDCVM_SUPPORTED: 0x40,
} as const;

/** CTQ (9F6C) bits this reader reads. */
export const CTQ = {
  B1_ONLINE_PIN_REQUIRED: 0x80,
  B1_SIGNATURE_REQUIRED: 0x40,
  B2_CDCVM_PERFORMED: 0x80,
} as const;

/**
 * The TTQ for this transaction (C-3 §5.2 pre-processing): the configured base, plus "online
 * cryptogram required" when the amount is over the floor limit or the reader cannot approve
 * offline, plus "CVM required" over the CVM required limit.
 */
export function transactionTtq(config: TerminalConfig, tx: ResolvedTransaction): Uint8Array {
  const ttq = hexToBytes(config.ttq);
  if (!isOnlineCapable(config)) ttq[0]! |= TTQ.B1_OFFLINE_ONLY;
  if (tx.amount > config.floorLimit || !isOfflineCapable(config))
    ttq[1]! |= TTQ.B2_ONLINE_CRYPTOGRAM_REQUIRED;
  if (tx.amount > config.cvmRequiredLimit) ttq[1]! |= TTQ.B2_CVM_REQUIRED;
  return ttq;
}
