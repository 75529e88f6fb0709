/**
 * The CBP TA core (docs/cbp-protocol.md §4–§5): business logic written once against
 * `CbpPlatform`, run by the V-OS TA (src/ta) and by the unprotected software platform.
 * No Buffer, no node: modules, no @openvse/emv: it is bundled into the V-OS TA.
 */
export * from './bytes.js';
export {
  type CbpCore,
  type CryptogramResult,
  createCbpCore,
  type EnrollRequest,
  mobilePinMask,
  PDOL_V_LENGTH,
  type ProcessedMessage,
  replenishMacData,
} from './core.js';
export * from './emv-lite.js';
export * from './errors.js';
export {
  MESSAGE_TYPES,
  type MessageType,
  SERVER_ISSUER,
  SERVER_MESSAGE_TYP,
  TA_STATEMENT_TYP,
} from './messages.js';
export type { CbpPlatform, KeyHandle, PublicEcJwk, StorageOp } from './platform.js';
export {
  CARD_ID,
  type CardProfile,
  type CardRecord,
  dolLength,
  type PublicCard,
  parseCardProfile,
} from './profile.js';
export { ENC_KEY_ID, SIG_KEY_ID } from './state.js';
