/**
 * Dictionary of the EMV data elements a contactless card and reader exchange: name, format,
 * length and origin. Sources: EMV Book 3 Annex A (data elements), EMV Contactless Book A/B
 * (Entry Point: TTQ, Kernel Identifier), Book C-2 Annex A (Kernel 2, Mastercard) and Book C-3
 * Annex A (Kernel 3, Visa qVSDC).
 *
 * Formats follow Book 3 §4.3: 'n' BCD numeric (right-justified, leading zeros), 'cn' compressed
 * numeric (left-justified, trailing 'F's), 'an'/'ans' text, 'b' binary, 'var' a template or
 * other variable structure. Lengths are in bytes: a number when fixed, { min, max } otherwise.
 *
 * A few tags mean different things in Kernel 2 and Kernel 3 (9F5D, 9F66, 9F69, 9F6B, 9F6C, 9F6D,
 * 9F6E, 9F7C). `tagInfo(tag)` answers with the Entry Point / Kernel 3 meaning, which is the one
 * PDOLs use (TTQ in 9F66); `tagInfo(tag, { kernel: 2 })` with Kernel 2's.
 */
import { isConstructedTag, normalizeTag } from './tag.js';

/**
 * Data element format (EMV Book 3 §4.3): 'n' numeric BCD, 'cn' compressed numeric, 'an'
 * alphanumeric, 'ans' alphanumeric special, 'b' binary; 'var' marks a template or another variable
 * structure.
 */
export type TagFormat = 'n' | 'an' | 'ans' | 'b' | 'cn' | 'var';
/** Who supplies the value: the card (ICC), the terminal/kernel, or the issuer (via the terminal). */
export type TagSource = 'card' | 'terminal' | 'issuer';
/** A data element's length in bytes: a number when fixed, an inclusive `{ min, max }` range otherwise. */
export type TagLength = number | { readonly min: number; readonly max: number };

/**
 * One frozen entry of the tag dictionary (EMV Book 3 Annex A; EMV Contactless Books A, B, C-2 and
 * C-3).
 */
export type TagInfo = {
  /** Upper-case hex, e.g. '9F26'. */
  readonly tag: string;
  /** The specification's name of the data element. */
  readonly name: string;
  readonly format: TagFormat;
  readonly length: TagLength;
  readonly source: TagSource;
  /** b6 of the first tag byte: the value is a template of data objects. */
  readonly constructed: boolean;
  /** Set on entries whose meaning is specific to one contactless kernel. */
  readonly kernel?: 2 | 3;
};

type Row = readonly [tag: string, name: string, format: TagFormat, length: TagLength, source: TagSource];

const r = (min: number, max: number) => ({ min, max }) as const;

/** Tags with one meaning for every kernel. */
const COMMON: readonly Row[] = [
  ['4F', 'Application Identifier (ADF Name)', 'b', r(5, 16), 'card'],
  ['50', 'Application Label', 'ans', r(1, 16), 'card'],
  ['56', 'Track 1 Data', 'ans', r(0, 76), 'card'],
  ['57', 'Track 2 Equivalent Data', 'b', r(0, 19), 'card'],
  ['5A', 'Application Primary Account Number (PAN)', 'cn', r(0, 10), 'card'],
  ['5F20', 'Cardholder Name', 'ans', r(2, 26), 'card'],
  ['5F24', 'Application Expiration Date', 'n', 3, 'card'],
  ['5F25', 'Application Effective Date', 'n', 3, 'card'],
  ['5F28', 'Issuer Country Code', 'n', 2, 'card'],
  ['5F2A', 'Transaction Currency Code', 'n', 2, 'terminal'],
  ['5F2D', 'Language Preference', 'an', r(2, 8), 'card'],
  ['5F30', 'Service Code', 'n', 2, 'card'],
  ['5F34', 'Application PAN Sequence Number', 'n', 1, 'card'],
  ['61', 'Application Template', 'var', r(0, 252), 'card'],
  ['6F', 'File Control Information (FCI) Template', 'var', r(0, 252), 'card'],
  ['70', 'READ RECORD Response Message Template', 'var', r(0, 252), 'card'],
  ['77', 'Response Message Template Format 2', 'var', r(0, 252), 'card'],
  ['80', 'Response Message Template Format 1', 'var', r(0, 252), 'card'],
  ['82', 'Application Interchange Profile', 'b', 2, 'card'],
  ['84', 'Dedicated File (DF) Name', 'b', r(5, 16), 'card'],
  ['87', 'Application Priority Indicator', 'b', 1, 'card'],
  ['88', 'Short File Identifier (SFI)', 'b', 1, 'card'],
  ['8C', 'Card Risk Management Data Object List 1 (CDOL1)', 'b', r(0, 252), 'card'],
  ['8D', 'Card Risk Management Data Object List 2 (CDOL2)', 'b', r(0, 252), 'card'],
  ['8E', 'Cardholder Verification Method (CVM) List', 'b', r(10, 252), 'card'],
  ['8F', 'Certification Authority Public Key Index', 'b', 1, 'card'],
  ['90', 'Issuer Public Key Certificate', 'b', r(0, 248), 'card'],
  ['91', 'Issuer Authentication Data', 'b', r(8, 16), 'issuer'],
  ['92', 'Issuer Public Key Remainder', 'b', r(0, 248), 'card'],
  ['93', 'Signed Static Application Data', 'b', r(0, 248), 'card'],
  ['94', 'Application File Locator (AFL)', 'var', r(0, 252), 'card'],
  ['95', 'Terminal Verification Results', 'b', 5, 'terminal'],
  ['9A', 'Transaction Date', 'n', 3, 'terminal'],
  ['9B', 'Transaction Status Information', 'b', 2, 'terminal'],
  ['9C', 'Transaction Type', 'n', 1, 'terminal'],
  ['9F01', 'Acquirer Identifier', 'n', 6, 'terminal'],
  ['9F02', 'Amount, Authorised (Numeric)', 'n', 6, 'terminal'],
  ['9F03', 'Amount, Other (Numeric)', 'n', 6, 'terminal'],
  ['9F06', 'Application Identifier (AID) - terminal', 'b', r(5, 16), 'terminal'],
  ['9F07', 'Application Usage Control', 'b', 2, 'card'],
  ['9F08', 'Application Version Number (card)', 'b', 2, 'card'],
  ['9F09', 'Application Version Number (terminal)', 'b', 2, 'terminal'],
  ['9F0D', 'Issuer Action Code - Default', 'b', 5, 'card'],
  ['9F0E', 'Issuer Action Code - Denial', 'b', 5, 'card'],
  ['9F0F', 'Issuer Action Code - Online', 'b', 5, 'card'],
  ['9F10', 'Issuer Application Data', 'b', r(0, 32), 'card'],
  ['9F12', 'Application Preferred Name', 'ans', r(1, 16), 'card'],
  ['9F13', 'Last Online ATC Register', 'b', 2, 'card'],
  ['9F15', 'Merchant Category Code', 'n', 2, 'terminal'],
  ['9F16', 'Merchant Identifier', 'ans', 15, 'terminal'],
  ['9F17', 'PIN Try Counter', 'b', 1, 'card'],
  ['9F19', 'Token Requestor ID', 'n', 6, 'card'],
  ['9F1A', 'Terminal Country Code', 'n', 2, 'terminal'],
  ['9F1C', 'Terminal Identification', 'an', 8, 'terminal'],
  ['9F1D', 'Terminal Risk Management Data', 'b', r(1, 8), 'terminal'],
  ['9F1E', 'Interface Device (IFD) Serial Number', 'an', 8, 'terminal'],
  ['9F21', 'Transaction Time', 'n', 3, 'terminal'],
  ['9F24', 'Payment Account Reference (PAR)', 'an', 29, 'card'],
  ['9F25', 'Last 4 Digits of PAN', 'n', 2, 'card'],
  ['9F26', 'Application Cryptogram', 'b', 8, 'card'],
  ['9F27', 'Cryptogram Information Data', 'b', 1, 'card'],
  ['9F2A', 'Kernel Identifier', 'b', r(1, 8), 'card'],
  ['9F32', 'Issuer Public Key Exponent', 'b', r(1, 3), 'card'],
  ['9F33', 'Terminal Capabilities', 'b', 3, 'terminal'],
  ['9F34', 'Cardholder Verification Method (CVM) Results', 'b', 3, 'terminal'],
  ['9F35', 'Terminal Type', 'n', 1, 'terminal'],
  ['9F36', 'Application Transaction Counter (ATC)', 'b', 2, 'card'],
  ['9F37', 'Unpredictable Number', 'b', 4, 'terminal'],
  ['9F38', 'Processing Options Data Object List (PDOL)', 'b', r(0, 252), 'card'],
  ['9F39', 'Point-of-Service (POS) Entry Mode', 'n', 1, 'terminal'],
  ['9F40', 'Additional Terminal Capabilities', 'b', 5, 'terminal'],
  ['9F42', 'Application Currency Code', 'n', 2, 'card'],
  ['9F45', 'Data Authentication Code', 'b', 2, 'card'],
  ['9F46', 'ICC Public Key Certificate', 'b', r(0, 248), 'card'],
  ['9F47', 'ICC Public Key Exponent', 'b', r(1, 3), 'card'],
  ['9F48', 'ICC Public Key Remainder', 'b', r(0, 248), 'card'],
  ['9F4A', 'Static Data Authentication Tag List', 'b', r(0, 252), 'card'],
  ['9F4B', 'Signed Dynamic Application Data', 'b', r(0, 248), 'card'],
  ['9F4C', 'ICC Dynamic Number', 'b', r(2, 8), 'card'],
  ['9F4E', 'Merchant Name and Location', 'ans', r(0, 255), 'terminal'],
  ['9F53', 'Transaction Category Code', 'an', 1, 'terminal'],
  ['9F60', 'CVC3 (Track1)', 'b', 2, 'card'],
  ['9F61', 'CVC3 (Track2)', 'b', 2, 'card'],
  ['9F62', 'PCVC3 (Track1)', 'b', 6, 'card'],
  ['9F63', 'PUNATC (Track1)', 'b', 6, 'card'],
  ['9F64', 'NATC (Track1)', 'b', 1, 'card'],
  ['9F65', 'PCVC3 (Track2)', 'b', 2, 'card'],
  ['9F67', 'NATC (Track2)', 'b', 1, 'card'],
  ['9F6A', 'Unpredictable Number (Numeric)', 'n', 4, 'terminal'],
  ['9F7E', 'Mobile Support Indicator', 'b', 1, 'terminal'],
  ['A5', 'FCI Proprietary Template', 'var', r(0, 252), 'card'],
  ['BF0C', 'FCI Issuer Discretionary Data', 'var', r(0, 222), 'card'],
  ['DF4B', 'POS Cardholder Interaction Information', 'b', 3, 'card'],
  // Kernel 2 (Book C-2 Annex A) reader configuration and kernel outputs.
  ['DF8117', 'Card Data Input Capability', 'b', 1, 'terminal'],
  ['DF8118', 'CVM Capability - CVM Required', 'b', 1, 'terminal'],
  ['DF8119', 'CVM Capability - No CVM Required', 'b', 1, 'terminal'],
  ['DF811A', 'Default UDOL', 'b', 3, 'terminal'],
  ['DF811B', 'Kernel Configuration', 'b', 1, 'terminal'],
  ['DF811C', 'Max Lifetime of Torn Transaction Log Record', 'b', 2, 'terminal'],
  ['DF811D', 'Max Number of Torn Transaction Log Records', 'b', 1, 'terminal'],
  ['DF811E', 'Mag-stripe CVM Capability - CVM Required', 'b', 1, 'terminal'],
  ['DF811F', 'Security Capability', 'b', 1, 'terminal'],
  ['DF8120', 'Terminal Action Code - Default', 'b', 5, 'terminal'],
  ['DF8121', 'Terminal Action Code - Denial', 'b', 5, 'terminal'],
  ['DF8122', 'Terminal Action Code - Online', 'b', 5, 'terminal'],
  ['DF8123', 'Reader Contactless Floor Limit', 'n', 6, 'terminal'],
  ['DF8124', 'Reader Contactless Transaction Limit (No On-device CVM)', 'n', 6, 'terminal'],
  ['DF8125', 'Reader Contactless Transaction Limit (On-device CVM)', 'n', 6, 'terminal'],
  ['DF8126', 'Reader CVM Required Limit', 'n', 6, 'terminal'],
  ['DF8127', 'Time Out Value', 'b', 2, 'terminal'],
  ['DF8128', 'IDS Status', 'b', 1, 'terminal'],
  ['DF8129', 'Outcome Parameter Set', 'b', 8, 'terminal'],
  ['DF812A', 'DD Card (Track1)', 'ans', r(0, 56), 'terminal'],
  ['DF812B', 'DD Card (Track2)', 'b', r(0, 8), 'terminal'],
  ['DF812C', 'Mag-stripe CVM Capability - No CVM Required', 'b', 1, 'terminal'],
  ['DF812D', 'Message Hold Time', 'n', 3, 'terminal'],
];

/** Kernel 3 (Book C-3) meanings of the tags the kernels disagree on; also the default. */
const KERNEL3: readonly Row[] = [
  ['9F5D', 'Available Offline Spending Amount', 'n', 6, 'card'],
  ['9F66', 'Terminal Transaction Qualifiers (TTQ)', 'b', 4, 'terminal'],
  ['9F69', 'Card Authentication Related Data', 'b', r(5, 16), 'card'],
  ['9F6B', 'Card CVM Limit', 'n', 6, 'card'],
  ['9F6C', 'Card Transaction Qualifiers (CTQ)', 'b', 2, 'card'],
  ['9F6D', 'VLP Reset Threshold', 'n', 6, 'card'],
  ['9F6E', 'Form Factor Indicator', 'b', 4, 'card'],
  ['9F7C', 'Customer Exclusive Data', 'b', r(0, 32), 'card'],
];

/** Kernel 2 (Book C-2) meanings of the same tags. */
const KERNEL2: readonly Row[] = [
  ['9F5D', 'Application Capabilities Information', 'b', 3, 'card'],
  ['9F66', 'PUNATC (Track2)', 'b', 2, 'card'],
  ['9F69', 'UDOL', 'b', r(0, 252), 'card'],
  ['9F6B', 'Track 2 Data', 'b', r(0, 19), 'card'],
  ['9F6C', 'Mag-stripe Application Version Number (Card)', 'b', 2, 'card'],
  ['9F6D', 'Mag-stripe Application Version Number (Reader)', 'b', 2, 'terminal'],
  ['9F6E', 'Third Party Data', 'b', r(5, 32), 'card'],
  ['9F7C', 'Merchant Custom Data', 'b', 20, 'terminal'],
];

function toInfo(row: Row, kernel?: 2 | 3): TagInfo {
  const [tag, name, format, length, source] = row;
  const info: TagInfo = { tag, name, format, length, source, constructed: isConstructedTag(tag) };
  return Object.freeze(kernel === undefined ? info : { ...info, kernel });
}

function toMap(rows: readonly Row[], kernel?: 2 | 3): ReadonlyMap<string, TagInfo> {
  return new Map(rows.map((row) => [row[0], toInfo(row, kernel)]));
}

const COMMON_MAP = toMap(COMMON);
const K3_MAP = toMap(KERNEL3, 3);
const K2_MAP = toMap(KERNEL2, 2);

/** Every tag the dictionary knows with its default meaning (Kernel 3 where kernels disagree). */
export const EMV_TAGS: ReadonlyMap<string, TagInfo> = new Map([...COMMON_MAP, ...K3_MAP]);

/**
 * Options of {@link tagInfo}: `kernel: 2` asks for the Kernel 2 (EMV Contactless Book C-2) meaning
 * of the tags the kernels define differently; otherwise the Entry Point / Kernel 3 meaning is given.
 */
export type TagInfoOptions = { kernel?: 2 | 3 };

/** Dictionary entry for `tag` (any case), or undefined for tags it does not know. */
export function tagInfo(tag: string, opts?: TagInfoOptions): TagInfo | undefined {
  const t = normalizeTag(tag);
  if (opts?.kernel === 2) return K2_MAP.get(t) ?? COMMON_MAP.get(t);
  return EMV_TAGS.get(t);
}
