/**
 * @openvse/server — the CBP server: token service, device enrollment and provisioning,
 * issuer authorization (docs/design.md "Tokenization and authorization", "Storage and scale",
 * "Server ↔ TA messages"; docs/server-api.md).
 */
export { type CreateServerOptions, createServer, SERVER_VERSION } from './app.js';
export {
  type AuthorizationRequest,
  type AuthorizationResponse,
  authorize,
  DeclineReason,
} from './authorization/authorize.js';
export {
  approveAllRiskEngine,
  type RiskAssessment,
  type RiskContext,
  type RiskEngine,
} from './authorization/risk-engine.js';
export { type Clock, ManualClock, systemClock } from './clock.js';
export {
  type AttestationPolicy,
  CBP_TA_UUID,
  DEFAULTS,
  type ProtectionLevel,
  type ResolvedConfig,
  resolveConfig,
  type ServerConfig,
} from './config.js';
export { replenishMacData } from './devices/replenish.js';
export { TA_STATEMENT_TYP } from './devices/ta-statement.js';
export { type ErrorBody, ServerError, ServerErrorCode } from './errors.js';
export { loadKek } from './keys/kek.js';
export {
  type IssuerKeySetup,
  KEY_NAMES,
  type KeyInventory,
  KeyStore,
  TEST_ISSUER_KEYS,
} from './keys/key-store.js';
export { SERVER_ISSUER, SERVER_MESSAGE_TYP, type ServerMessageType } from './messages/server-message.js';
export type { Services } from './services.js';
export { commandConfig, runServerCommand, type ServerCommandOptions, startServer } from './start.js';
export { DEFAULT_DB_URL, openStore } from './storage/open-store.js';
export { PostgresStore } from './storage/postgres-store.js';
export { SqliteStore } from './storage/sqlite-store.js';
export * from './storage/store.js';
export { isLuhnValid, luhnCheckDigit } from './tokens/luhn.js';
