/**
 * Types shared by the cryptogram version (CVN) profiles: what a profile says about keys,
 * padding, the data MACed into the application cryptogram and the Issuer Application Data
 * (tag 9F10) layout. EMV Book 2 §8.1 leaves these to the payment system; each profile file cites
 * where its choices come from (pyemv, docs/emv-cryptography.md §3.2–§3.3; docs/design.md "Cards,
 * keys and cryptograms" for the OpenVSE profiles).
 */
import type { PaddingMethod } from '../crypto/padding.js';
import type { MkDerivationOption } from '../keys/icc-master-key.js';

export type Bytes = Uint8Array | string;

/**
 * The payment scheme whose CVN a profile implements; 'openvse' marks this project's cloud-card
 * profiles V and M (docs/design.md "Cards, keys and cryptograms").
 */
export type CvnScheme = 'visa' | 'mastercard' | 'openvse';

/**
 * Id of each profile in `cvnProfiles`: scheme and CVN ('visa-22' is CVN '22', byte 0x22;
 * 'mc-16' is byte 0x10), or the OpenVSE profile letter.
 */
export type CvnProfileId =
  | 'visa-10'
  | 'visa-18'
  | 'visa-22'
  | 'mc-16'
  | 'mc-17'
  | 'mc-20'
  | 'mc-21'
  | 'openvse-v'
  | 'openvse-m';

/**
 * How the AC key comes from the ICC master key MK_AC:
 * - 'none': MK_AC itself (Visa CVN 10);
 * - 'emv-csk': EMV common session key, R = ATC ‖ 00×6 (Book 2 A1.3.1);
 * - 'mastercard-skd': R = ATC ‖ 0000 ‖ UN;
 * - 'openvse-luk': R = 00000000 ‖ BCD("0" ‖ API) (OpenVSE profile V).
 */
export type AcSessionKeyMethod = 'none' | 'emv-csk' | 'mastercard-skd' | 'openvse-luk';

/** ARPC method (Book 2 §8.2) and the key it uses: the ICC MK or the AC session key. */
export interface ArpcSpec {
  readonly method: 1 | 2;
  readonly key: 'icc-mk' | 'session-key';
}

/**
 * Transaction data an application cryptogram can cover. The eight terminal fields are the
 * CDOL1/PDOL data 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 (29 bytes); `aip` is tag 82, `atc` 9F36.
 * `cvr`, `iad` and `counters` are taken by the profiles that need them (a CVR or counters missing
 * here are read from `iad` when it is given).
 */
export interface AcTransactionData {
  /** 9F02 Amount, Authorised (6 bytes, n12). */
  amountAuthorized: Bytes;
  /** 9F03 Amount, Other (6 bytes). */
  amountOther: Bytes;
  /** 9F1A Terminal Country Code (2 bytes). */
  terminalCountryCode: Bytes;
  /** 95 Terminal Verification Results (5 bytes). */
  tvr: Bytes;
  /** 5F2A Transaction Currency Code (2 bytes). */
  transactionCurrencyCode: Bytes;
  /** 9A Transaction Date YYMMDD (3 bytes). */
  transactionDate: Bytes;
  /** 9C Transaction Type (1 byte). */
  transactionType: Bytes;
  /** 9F37 Unpredictable Number (4 bytes). */
  unpredictableNumber: Bytes;
  /** 82 Application Interchange Profile (2 bytes). */
  aip: Bytes;
  /** 9F36 Application Transaction Counter (2 bytes or 0–65535). */
  atc: Bytes | number;
  /** Card Verification Results as the profile MACs them (4, 5 or 6 bytes). */
  cvr?: Bytes;
  /** 9F10 Issuer Application Data, whole. */
  iad?: Bytes;
  /** Mastercard CVN 17/21 counters (8 or 16 bytes, as carried in the IAD after the DAC/IDN). */
  counters?: Bytes;
}

/** Fields a profile writes into its IAD. */
export interface IadFields {
  /** Derivation key index (Visa DKI / Mastercard KDI), one byte; default 0x01. */
  dki?: number;
  /** Card Verification Results in the profile's length. */
  cvr: Bytes;
  /** Mastercard DAC / IDN (2 bytes), default 0000. */
  dacIdn?: Bytes;
  /** Mastercard counters (8 or 16 bytes; profile M: 1 byte). */
  counters?: Bytes;
  /** Profile V: account parameters index (7 digits). */
  api?: string;
  /** Profile M: MD cryptogram (5 bytes, or 8 of which the leftmost 5 are used). */
  mdCryptogram?: Bytes;
  /** Profile V: the mobile-PIN MAC of a CDCVM claim (4 bytes). */
  mobilePinMac?: Bytes;
  /** Visa: issuer discretionary data. */
  issuerDiscretionaryData?: Bytes;
}

/** What a profile reads back out of an IAD. */
export interface ParsedIad {
  cvn: number;
  dki: number;
  cvr: Uint8Array;
  dacIdn?: Uint8Array;
  counters?: Uint8Array;
  api?: string;
  mdCryptogram?: Uint8Array;
  /** Profile V: the mobile-PIN MAC (zeros when the tap claims no CDCVM). */
  mobilePinMac?: Uint8Array;
  issuerDiscretionaryData?: Uint8Array;
}

/**
 * A cryptogram version profile (docs/emv-cryptography.md §3.2): how the AC key comes from the ICC
 * master key, which data the application cryptogram (tag 9F26) covers and with which padding, the
 * IAD (tag 9F10) layout and the ARPC method; EMV Book 2 §8.1–§8.2 leaves these to the scheme.
 * Profiles are frozen objects; look one up with `getCvnProfile`.
 */
export interface CvnProfile {
  readonly id: CvnProfileId;
  /** Human-readable name, e.g. 'Visa CVN 18 (0x12)'. */
  readonly name: string;
  readonly scheme: CvnScheme;
  /** CVN byte as carried in 9F10. */
  readonly cvn: number;
  /** ICC MK derivation from the IMK ('B' = Option B for PANs over 16 digits, else Option A). */
  readonly mkDerivation: MkDerivationOption;
  /** How the AC key is derived from MK_AC. */
  readonly sessionKey: AcSessionKeyMethod;
  /** ISO/IEC 9797-1 padding method for the AC (MAC algorithm 3). */
  readonly paddingMethod: PaddingMethod;
  /** ARPC method and the key it uses. */
  readonly arpc: ArpcSpec;
  /** Length of the CVR this profile MACs / carries. */
  readonly cvrLength: number;
  /** True when the AC data contains the whole IAD (so the IAD must be known first). */
  readonly acCoversIad: boolean;
  /** True for profile M: an MD cryptogram under a second key goes into the IAD. */
  readonly mdCryptogram: boolean;
  /**
   * Profile V: where the IAD carries the mobile-PIN MAC of a CDCVM claim (a MAC under the AC key
   * with the PIN mixed in, over the AC data with this field zero). Absent elsewhere.
   */
  readonly mobilePinMac?: Readonly<{ iadOffset: number; length: number }>;
  /** Human-readable list of what the AC data is, in order. */
  readonly acDataLayout: readonly string[];
  /** Concatenates the AC input data (unpadded). */
  buildAcData(tx: AcTransactionData): Uint8Array;
  /** Builds the 9F10 value. */
  buildIad(fields: IadFields): Uint8Array;
  /** Parses a 9F10 value written in this profile's layout (ERR_IAD_INVALID otherwise). */
  parseIad(iad: Bytes): ParsedIad;
}
