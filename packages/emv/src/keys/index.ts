/**
 * keys/: EMV Book 2 Annex A1.3–A1.4 key derivation: ICC master keys (Option A/B), session keys
 * (EMV common session key, Mastercard SKD, Visa secure messaging), the OpenVSE profile V LUK and
 * MCBP mobile PIN mixing.
 */
// The node:crypto backend is this entry point's default (crypto/backend.ts); `@openvse/emv/pure`
// does not import it.
import '../crypto/node-default.js';

export { normalizeAtc } from './atc.js';
export {
  deriveIccMk,
  deriveIccMkOptionA,
  deriveIccMkOptionB,
  type MkDerivationOption,
  optionAInput,
  optionBInput,
} from './icc-master-key.js';
export { decodeApiBcd, deriveLuk, encodeApiBcd, lukDiversifier, normalizeApi } from './luk.js';
export { mixMobilePin } from './mobile-pin.js';
export { normalizePan, normalizePsn } from './pan.js';
export {
  atcDiversifier,
  deriveEmvCommonSessionKey,
  type SessionKeyAlgorithm,
  type SessionKeyOptions,
} from './session-key-common.js';
export { deriveMastercardSkd } from './session-key-mastercard.js';
export { deriveVisaSmSessionKey } from './session-key-visa-sm.js';
