/**
 * Enrolled devices and their message outbox as the server records them (docs/design.md
 * "Attestation", "Server ↔ TA messages", "Rollback"; docs/cbp-protocol.md §1–§3). The TA's
 * monotonic state counter is kept zero-padded to 20 digits, so that comparing two stored
 * counters as text (in SQL too) compares them as numbers. Times are epoch milliseconds.
 */
import type { MessageType } from '@openvse/protocol';

/** An enrolled device: its pinned platform key, its TA keys and counters (table `devices`). */
export interface DeviceRow {
  deviceId: string;
  platformJwk: string;
  platformKid: string;
  taEncJwk: string;
  taEncKid: string;
  taSigJwk: string;
  taSigKid: string;
  taCodeSha256: string;
  protectionLevel: string;
  /** Decimal u64, zero-padded to 20 digits so that text order is numeric order. */
  lastStateCounter: string;
  lastSeq: number;
  enrolledAt: number;
}

/** A sealed server → TA message kept for the device to fetch (table `outbox`). */
export interface OutboxRow {
  deviceId: string;
  seq: number;
  typ: MessageType;
  cardId: string | null;
  message: string;
  createdAt: number;
  expiresAt: number;
}

/** Zero-pads a decimal u64 to 20 digits (text order = numeric order). */
export function padCounter(counter: string): string {
  return counter.padStart(20, '0');
}

/** Strips the padding of {@link padCounter}. */
export function unpadCounter(counter20: string): string {
  return counter20.replace(/^0+(?=\d)/, '');
}
