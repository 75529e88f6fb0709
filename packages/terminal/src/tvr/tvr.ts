/**
 * Terminal Verification Results (tag 95, 5 bytes), EMV Book 3 Annex C5 / §10: one bit per
 * check the terminal made and what it found. Only the bits this terminal can set are named;
 * the byte/bit positions are Book 3's (byte 1..5, bit b8..b1).
 */

/** One TVR bit: byte 1..5, mask, name. */
export interface TvrBit {
  readonly byte: 1 | 2 | 3 | 4 | 5;
  readonly mask: number;
  readonly name: string;
}

const bit = (byte: TvrBit['byte'], b: number, name: string): TvrBit =>
  Object.freeze({ byte, mask: 1 << (b - 1), name });

/** The TVR bits this terminal sets. */
export const TVR = Object.freeze({
  /** Byte 1 b8 — this reader does no ODA/CDA, so it always sets this bit for Kernel 2. */
  ODA_NOT_PERFORMED: bit(1, 8, 'Offline data authentication was not performed'),
  ICC_DATA_MISSING: bit(1, 6, 'ICC data missing'),
  CDA_FAILED: bit(1, 3, 'CDA failed'),
  EXPIRED_APPLICATION: bit(2, 7, 'Expired application'),
  NOT_YET_EFFECTIVE: bit(2, 6, 'Application not yet effective'),
  SERVICE_NOT_ALLOWED: bit(2, 5, 'Requested service not allowed for card product'),
  CVM_NOT_SUCCESSFUL: bit(3, 8, 'Cardholder verification was not successful'),
  UNRECOGNISED_CVM: bit(3, 7, 'Unrecognised CVM'),
  EXCEEDS_FLOOR_LIMIT: bit(4, 8, 'Transaction exceeds floor limit'),
  RANDOM_ONLINE: bit(4, 5, 'Transaction selected randomly for online processing'),
  MERCHANT_FORCED_ONLINE: bit(4, 4, 'Merchant forced transaction online'),
});

/** Terminal Verification Results of one transaction (5 bytes). */
export class Tvr {
  readonly bytes = new Uint8Array(5);

  set(b: TvrBit): this {
    this.bytes[b.byte - 1]! |= b.mask;
    return this;
  }

  isSet(b: TvrBit): boolean {
    return (this.bytes[b.byte - 1]! & b.mask) !== 0;
  }

  /** Names of the bits set that this module knows. */
  describe(): string[] {
    return Object.values(TVR)
      .filter((b) => this.isSet(b))
      .map((b) => b.name);
  }

  /** True when TVR AND `actionCode` (5 bytes) is not all zero (Book 3 §10.7). */
  matches(actionCode: Uint8Array): boolean {
    for (let i = 0; i < 5; i++) if ((this.bytes[i]! & (actionCode[i] ?? 0)) !== 0) return true;
    return false;
  }
}
