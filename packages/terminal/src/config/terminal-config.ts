/**
 * Terminal configuration: what the merchant's reader is and what it accepts. Values follow
 * EMV Book 3 Annex A (terminal data elements), Book 4 §A (terminal type, capabilities),
 * EMV Contactless Book A §5 / Book B §3.1 (reader limits: contactless transaction limit, CVM
 * required limit, floor limit), Book C-3 (TTQ) and Book C-2 (terminal action codes).
 *
 * Amounts and limits are integers in minor units of the transaction currency (cents for EUR).
 * The clock and the unpredictable number source are injectable for tests; by default the UN
 * comes from node:crypto (Book 4 §6.5.6 asks for an unpredictable value).
 */
import { randomBytes } from 'node:crypto';
import { TerminalError, TerminalErrorCode } from '../errors.js';
import { normalizeAmount } from './bcd.js';

/** Book B §3.3.2: which kernel a terminal AID is processed with (Kernel ID '02' / '03'). */
export type KernelId = 2 | 3;

/** A terminal AID and the kernel it is processed with. */
export interface SupportedAid {
  /** Terminal AID (hex); matches a card ADF name that starts with it (Book B §3.3.2.5). */
  aid: string;
  kernel: KernelId;
}

/** Kernel 2 settings: action codes, on-device CVM, 9F1D and 9F09. */
export interface Kernel2Config {
  /** Terminal Action Codes (Book 3 §10.7), 5 bytes hex each. */
  tacDenial: string;
  tacOnline: string;
  tacDefault: string;
  /** The reader can rely on the phone's own cardholder verification (C-2 "on device CVM"). */
  onDeviceCvmSupported: boolean;
  /** 9F1D Terminal Risk Management Data (8 bytes), passed to the card in CDOL1 when asked. */
  terminalRiskManagementData: string;
  /** 9F09 Application Version Number (terminal). */
  applicationVersion: string;
}

/** The resolved terminal configuration every kernel reads (see {@link resolveTerminalConfig}). */
export interface TerminalConfig {
  /** 5F2A, n3 as 2 bytes hex: '0978' EUR. */
  currencyCode: string;
  /** 5F36 Transaction Currency Exponent. */
  currencyExponent: number;
  /** 9F1A, n3 as 2 bytes hex: '0250' France. */
  countryCode: string;
  /** 9F35 Terminal Type (Book 4 Annex A1): '22' attended, merchant, offline with online capability. */
  terminalType: number;
  /** 9F33 Terminal Capabilities (3 bytes hex). */
  terminalCapabilities: string;
  /** 9F40 Additional Terminal Capabilities (5 bytes hex). */
  additionalTerminalCapabilities: string;
  /** 9F66 TTQ base value (4 bytes hex); the kernel adds "online cryptogram required" / "CVM required" per transaction. */
  ttq: string;
  /** 9F15 Merchant Category Code (n4). */
  merchantCategoryCode: string;
  /** 9F1C Terminal Identification (an8). */
  terminalId: string;
  /** 9F16 Merchant Identifier (ans15). */
  merchantId: string;
  /** 9F4E Merchant Name and Location. */
  merchantName: string;
  /** Reader limits (minor units). Over the contactless limit the transaction cannot be done contactless. */
  contactlessTransactionLimit: bigint;
  /** Over this amount a cardholder verification is required. */
  cvmRequiredLimit: bigint;
  /** Over this amount the transaction must go online (Book 3 §10.6.1). */
  floorLimit: bigint;
  supportedAids: readonly SupportedAid[];
  kernel2: Kernel2Config;
  /** Clock for 9A / 9F21 and expiry checks. */
  clock: () => Date;
  /** 4 unpredictable bytes for 9F37. */
  unpredictableNumber: () => Uint8Array;
}

/** What a caller may override; nested kernel 2 settings merge field by field. */
export type TerminalConfigInput = Partial<
  Omit<TerminalConfig, 'kernel2' | 'contactlessTransactionLimit' | 'cvmRequiredLimit' | 'floorLimit'>
> & {
  kernel2?: Partial<Kernel2Config>;
  contactlessTransactionLimit?: number | bigint;
  cvmRequiredLimit?: number | bigint;
  floorLimit?: number | bigint;
};

/** Visa credit/debit AID (Kernel 3). */
export const VISA_AID = 'A0000000031010';
/** Mastercard credit/debit AID (Kernel 2). */
export const MASTERCARD_AID = 'A0000000041010';

/** The defaults: a contactless-only EUR reader in France, online capable, Visa (K3) and Mastercard (K2). */
export const DEFAULT_TERMINAL_CONFIG: Readonly<TerminalConfig> = Object.freeze({
  currencyCode: '0978',
  currencyExponent: 2,
  countryCode: '0250',
  terminalType: 0x22,
  // Contactless-only reader: no contact/magstripe interfaces declared, "No CVM" only (CDCVM is
  // not a 9F33 method), no offline data authentication.
  terminalCapabilities: '000800',
  additionalTerminalCapabilities: '6000000000',
  // qVSDC supported (byte 1 b6), consumer device CVM supported (byte 3 b7).
  ttq: '20004000',
  merchantCategoryCode: '5999',
  terminalId: 'OVSE0001',
  merchantId: 'OPENVSE-TEST-01',
  merchantName: 'OPENVSE TEST SHOP PARIS FR',
  contactlessTransactionLimit: 1_000_000n,
  cvmRequiredLimit: 5_000n,
  floorLimit: 0n,
  supportedAids: Object.freeze([
    Object.freeze({ aid: VISA_AID, kernel: 3 as const }),
    Object.freeze({ aid: MASTERCARD_AID, kernel: 2 as const }),
  ]),
  kernel2: Object.freeze({
    tacDenial: '0000000000',
    tacOnline: 'F45084800C',
    tacDefault: 'F45084800C',
    onDeviceCvmSupported: true,
    terminalRiskManagementData: '0000000000000000',
    applicationVersion: '0002',
  }),
  clock: () => new Date(),
  unpredictableNumber: () => new Uint8Array(randomBytes(4)),
});

function hexField(v: unknown, bytes: number, what: string): string {
  if (typeof v !== 'string' || v.length !== bytes * 2 || !/^[0-9A-Fa-f]+$/.test(v))
    throw new TerminalError(TerminalErrorCode.CONFIG_INVALID, `${what}: expected ${bytes} bytes of hex`);
  return v.toUpperCase();
}

/** Defaults + overrides, validated (ERR_TERMINAL_CONFIG_INVALID on a bad field). */
export function resolveTerminalConfig(input: TerminalConfigInput = {}): TerminalConfig {
  const d = DEFAULT_TERMINAL_CONFIG;
  const k2 = { ...d.kernel2, ...(input.kernel2 ?? {}) };
  const limit = (v: number | bigint | undefined, def: bigint, what: string): bigint => {
    try {
      return v === undefined ? def : normalizeAmount(v, what);
    } catch (e) {
      throw new TerminalError(TerminalErrorCode.CONFIG_INVALID, (e as Error).message);
    }
  };
  const c: TerminalConfig = {
    ...d,
    ...input,
    currencyCode: hexField(input.currencyCode ?? d.currencyCode, 2, 'currencyCode'),
    countryCode: hexField(input.countryCode ?? d.countryCode, 2, 'countryCode'),
    terminalCapabilities: hexField(
      input.terminalCapabilities ?? d.terminalCapabilities,
      3,
      'terminalCapabilities',
    ),
    additionalTerminalCapabilities: hexField(
      input.additionalTerminalCapabilities ?? d.additionalTerminalCapabilities,
      5,
      'additionalTerminalCapabilities',
    ),
    ttq: hexField(input.ttq ?? d.ttq, 4, 'ttq'),
    contactlessTransactionLimit: limit(
      input.contactlessTransactionLimit,
      d.contactlessTransactionLimit,
      'contactlessTransactionLimit',
    ),
    cvmRequiredLimit: limit(input.cvmRequiredLimit, d.cvmRequiredLimit, 'cvmRequiredLimit'),
    floorLimit: limit(input.floorLimit, d.floorLimit, 'floorLimit'),
    kernel2: {
      ...k2,
      tacDenial: hexField(k2.tacDenial, 5, 'kernel2.tacDenial'),
      tacOnline: hexField(k2.tacOnline, 5, 'kernel2.tacOnline'),
      tacDefault: hexField(k2.tacDefault, 5, 'kernel2.tacDefault'),
      terminalRiskManagementData: hexField(
        k2.terminalRiskManagementData,
        8,
        'kernel2.terminalRiskManagementData',
      ),
      applicationVersion: hexField(k2.applicationVersion, 2, 'kernel2.applicationVersion'),
    },
  };
  if (!Number.isInteger(c.terminalType) || c.terminalType < 0 || c.terminalType > 0xff)
    throw new TerminalError(TerminalErrorCode.CONFIG_INVALID, 'terminalType: expected one byte');
  if (!/^[0-9]{4}$/.test(c.merchantCategoryCode))
    throw new TerminalError(TerminalErrorCode.CONFIG_INVALID, 'merchantCategoryCode: expected 4 digits');
  if (!Array.isArray(c.supportedAids) || c.supportedAids.length === 0)
    throw new TerminalError(TerminalErrorCode.CONFIG_INVALID, 'supportedAids: at least one AID');
  for (const a of c.supportedAids) {
    hexField(a.aid, a.aid?.length / 2, 'supportedAids[].aid');
    if (a.aid.length < 10 || a.aid.length > 32 || (a.kernel !== 2 && a.kernel !== 3))
      throw new TerminalError(
        TerminalErrorCode.CONFIG_INVALID,
        'supportedAids: AID of 5..16 bytes and kernel 2 or 3',
      );
  }
  if (typeof c.clock !== 'function' || typeof c.unpredictableNumber !== 'function')
    throw new TerminalError(
      TerminalErrorCode.CONFIG_INVALID,
      'clock and unpredictableNumber must be functions',
    );
  return c;
}

/**
 * The terminal can go online: terminal type (9F35, EMV Book 4 Annex A1) low digit 1 online only
 * or 2 offline with online capability (4 and 5 for unattended terminals); 3 and 6 are offline only.
 */
export function isOnlineCapable(c: TerminalConfig): boolean {
  return (c.terminalType & 0x0f) % 3 !== 0;
}

/** The terminal may approve offline: terminal type low digit 2, 3, 5 or 6 (not online only). */
export function isOfflineCapable(c: TerminalConfig): boolean {
  return (c.terminalType & 0x0f) % 3 !== 1;
}
