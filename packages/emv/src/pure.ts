/**
 * @openvse/emv/pure — the whole surface of `@openvse/emv` without `node:crypto` in its module
 * graph, for JavaScript engines that have no Node (Hermes on React Native, docs/mobile.md), plus
 * the pure-JavaScript crypto backend (crypto/pure-backend.ts: DES written here, AES and SHA-1 from
 * @noble/ciphers and @noble/hashes).
 *
 * It chooses no backend by itself: call `setCryptoBackend(pureJsCryptoBackend)` once before any
 * cryptography, or every cryptographic function throws ERR_CRYPTO_BACKEND_MISSING
 * (crypto/backend.ts). The Node entry points (`@openvse/emv` and its subpaths) keep node:crypto as
 * their default; the two entry points share one backend choice when both are loaded.
 */
export {
  AcType,
  type ApduCase,
  CDA_REQUESTED,
  type CommandApdu,
  computeCryptographicChecksum,
  describeCommand,
  describeSw,
  encodeCommandApdu,
  encodeResponseApdu,
  generateAcCommand,
  getData,
  getProcessingOptions,
  getResponse,
  isSwSuccess,
  type ParsedCommandApdu,
  PPSE_NAME,
  parseCommandApdu,
  parseResponseApdu,
  type ResponseApdu,
  readRecord,
  SW,
  type SwName,
  selectByName,
  selectPpse,
} from './apdu/index.js';
export {
  amountToN12,
  base64urlToBytes,
  bcdToDigits,
  bcdToNumber,
  bytesToBase64url,
  bytesToHex,
  concatBytes,
  digitsToBcd,
  encodeTrack2,
  equalBytes,
  hexToBytes,
  isHex,
  isLuhnValid,
  latin1Bytes,
  luhnCheckDigit,
  numberToBcd,
  parsePanCn,
  parseTrack2,
  readU16,
  type Track2,
  toBytes,
  u16Bytes,
  utf8Decode,
  utf8Encode,
  zeroize,
} from './codec/index.js';
export { vectorCategories } from './conformance/categories.js';
export {
  type ConformanceReport,
  describeFailure,
  type FieldMismatch,
  knownCategories,
  runConformance,
  runVector,
  type VectorResult,
} from './conformance/runner.js';
export {
  parseVectorFile,
  type TestVector,
  VECTOR_SCHEMA,
  type VectorFile,
} from './conformance/vector-file.js';
export {
  AES_BLOCK_SIZE,
  aesCbcDecrypt,
  aesCbcEncrypt,
  aesEcbDecrypt,
  aesEcbEncrypt,
} from './crypto/aes.js';
export {
  type BlockCipherAlgorithm,
  type BlockCipherMode,
  type BlockCipherRequest,
  type EmvCryptoBackend,
  getCryptoBackend,
  setCryptoBackend,
  withCryptoBackend,
} from './crypto/backend.js';
export { aesCmac } from './crypto/cmac.js';
export {
  DES_BLOCK_SIZE,
  desCbcDecrypt,
  desCbcEncrypt,
  desEcbDecrypt,
  desEcbEncrypt,
  tdesCbcDecrypt,
  tdesCbcEncrypt,
  tdesEcbDecrypt,
  tdesEcbEncrypt,
} from './crypto/des.js';
export {
  type KeyCheckValueOptions,
  keyCheckValue,
} from './crypto/kcv.js';
export {
  macIso9797Alg1,
  macIso9797Alg3,
} from './crypto/mac-iso9797.js';
export {
  assertPaddingMethod,
  type PaddingMethod,
  padIso9797,
  padIso9797M1,
  padIso9797M2,
  unpadIso9797M2,
} from './crypto/padding.js';
export {
  adjustOddParity,
  hasOddParity,
} from './crypto/parity.js';
export { pureJsCryptoBackend } from './crypto/pure-backend.js';
export {
  type GenerateAcInput,
  generateAc,
  type VerifyAcInput,
  verifyAc,
} from './cryptogram/application-cryptogram.js';
export {
  generateArpcMethod1,
  generateArpcMethod2,
  verifyArpcMethod1,
  verifyArpcMethod2,
} from './cryptogram/arpc.js';
export {
  type CardCryptogram,
  type CardCryptogramInput,
  cardGenerateCryptogram,
} from './cvn/card.js';
export {
  type IssuerVerifyInput,
  type IssuerVerifyResult,
  issuerVerifyCryptogram,
} from './cvn/issuer.js';
export {
  mastercardCvn16,
  mastercardCvn17,
  mastercardCvn20,
  mastercardCvn21,
  parseMchipIad,
} from './cvn/mastercard.js';
export {
  OPENVSE_M_CVN,
  OPENVSE_M_IAD_LENGTH,
  openvseProfileM,
} from './cvn/openvse-m.js';
export {
  OPENVSE_V_CVN,
  OPENVSE_V_IAD_LENGTH,
  openvseProfileV,
} from './cvn/openvse-v.js';
export {
  cvnProfiles,
  findCvnProfile,
  getCvnProfile,
  getCvnProfileByCvn,
} from './cvn/registry.js';
export {
  type AcKeyContext,
  deriveProfileAcKey,
  type IssuerKeyInput,
  issuerDeriveAcKey,
  issuerDeriveMdKey,
} from './cvn/session-keys.js';
export {
  acTransactionDataFromTags,
  minimumDataSet,
  terminalData,
} from './cvn/transaction-data.js';
export type {
  AcSessionKeyMethod,
  AcTransactionData,
  ArpcSpec,
  CvnProfile,
  CvnProfileId,
  CvnScheme,
  IadFields,
  ParsedIad,
} from './cvn/types.js';
export {
  visaCvn10,
  visaCvn18,
  visaCvn22,
} from './cvn/visa.js';
export {
  type BuildDolOptions,
  buildDolData,
  type DolEntry,
  type DolSource,
  dolLength,
  encodeDol,
  fitDolValue,
  MAX_DOL_ENTRY_LENGTH,
  parseDol,
  splitDolData,
} from './dol/index.js';
export {
  EmvError,
  EmvErrorCode,
  EmvParseError,
  isEmvError,
} from './errors.js';
export { normalizeAtc } from './keys/atc.js';
export {
  deriveIccMk,
  deriveIccMkOptionA,
  deriveIccMkOptionB,
  type MkDerivationOption,
  optionAInput,
  optionBInput,
} from './keys/icc-master-key.js';
export {
  decodeApiBcd,
  deriveLuk,
  encodeApiBcd,
  lukDiversifier,
  normalizeApi,
} from './keys/luk.js';
export { mixMobilePin } from './keys/mobile-pin.js';
export {
  normalizePan,
  normalizePsn,
} from './keys/pan.js';
export {
  atcDiversifier,
  deriveEmvCommonSessionKey,
  type SessionKeyAlgorithm,
  type SessionKeyOptions,
} from './keys/session-key-common.js';
export { deriveMastercardSkd } from './keys/session-key-mastercard.js';
export { deriveVisaSmSessionKey } from './keys/session-key-visa-sm.js';
export {
  DEFAULT_MAX_DEPTH,
  describeTlv,
  EMV_TAGS,
  encodeLength,
  encodeTag,
  encodeTlv,
  findAllTags,
  findTag,
  findTagPath,
  isConstructedTag,
  parseTlv,
  parseTlvSingle,
  type TagFormat,
  type TagInfo,
  type TagInfoOptions,
  type TagLength,
  type TagSource,
  type TlvInput,
  type TlvNode,
  type TlvParseOptions,
  tagInfo,
  tlv,
  tlvToMap,
} from './tlv/index.js';
