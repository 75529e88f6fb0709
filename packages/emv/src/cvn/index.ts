/**
 * cvn/: cryptogram version profiles (Visa CVN 10/18/'22', Mastercard CVN 16/17/20/21, OpenVSE
 * profiles V and M): which keys, data, padding, IAD layout and ARPC method each uses (EMV Book 2
 * §8, docs/emv-cryptography.md §3.2–§3.3 and §4), with issuer-side verification and card-side
 * generation.
 */
// The node:crypto backend is this entry point's default (crypto/backend.ts); `@openvse/emv/pure`
// does not import it.
import '../crypto/node-default.js';

export { type CardCryptogram, type CardCryptogramInput, cardGenerateCryptogram } from './card.js';
export { type IssuerVerifyInput, type IssuerVerifyResult, issuerVerifyCryptogram } from './issuer.js';
export {
  mastercardCvn16,
  mastercardCvn17,
  mastercardCvn20,
  mastercardCvn21,
  parseMchipIad,
} from './mastercard.js';
export { OPENVSE_M_CVN, OPENVSE_M_IAD_LENGTH, openvseProfileM } from './openvse-m.js';
export {
  OPENVSE_V_CVN,
  OPENVSE_V_IAD_LENGTH,
  OPENVSE_V_PIN_MAC_LENGTH,
  OPENVSE_V_PIN_MAC_OFFSET,
  openvseProfileV,
  openvseVCdcvmClaimed,
  openvseVPinMac,
} from './openvse-v.js';
export { cvnProfiles, findCvnProfile, getCvnProfile, getCvnProfileByCvn } from './registry.js';
export {
  type AcKeyContext,
  deriveProfileAcKey,
  type IssuerKeyInput,
  issuerDeriveAcKey,
  issuerDeriveMdKey,
} from './session-keys.js';
export { acTransactionDataFromTags, minimumDataSet, terminalData } from './transaction-data.js';
export type {
  AcSessionKeyMethod,
  AcTransactionData,
  ArpcSpec,
  CvnProfile,
  CvnProfileId,
  CvnScheme,
  IadFields,
  ParsedIad,
} from './types.js';
export { visaCvn10, visaCvn18, visaCvn22 } from './visa.js';
