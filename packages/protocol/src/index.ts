/**
 * @openvse/protocol — the wire contract between the CBP TA, V-OS, the CBP SDK, V-Guard and the
 * CBP server, defined once (the role OP-TEE's shared `ta/include` headers play between a TA and
 * its client). No dependencies, no Node imports: it is bundled into the CBP TA.
 *
 *  - gp/        GP TEE result codes and origins, parameter types, VosError
 *  - ta/        TA identity; the CBP TA's UUID, commands, parameter layouts, errors, reasons
 *  - messages/  JOSE typ values; server → TA message claims and bodies with their strict
 *               parsers; TA → server statements; the replenishment proof's input
 *  - policy/    the reaction policy's vocabulary, its parser and its one first-match evaluator
 *  - threats/   threat codes, classes, severities, scan reports
 *  - api/       the CBP server's HTTP bodies and error codes
 *  - levels.ts  protection levels
 * Every export is documented where it is declared.
 */

export {
  type AuthorizationRequest,
  type AuthorizationResponse,
  type Decision,
  DeclineReason,
} from './api/authorization.js';
export type {
  ActivationCode,
  CardStatus,
  CardType,
  CardView,
  DigitizeRequest,
  ProvisionRequest,
} from './api/cards.js';
export type {
  Challenge,
  EnrollRequest,
  EnrollResult,
  MessagesResult,
  QueuedMessage,
  StatementRequest,
  SyncResult,
} from './api/devices.js';
export { ApiErrorCode, type ErrorBody } from './api/error-codes.js';
export type {
  ActiveThreat,
  DeviceReportRequest,
  DeviceRiskState,
  RiskView,
  ThreatReportResult,
} from './api/threats.js';
export { MAX_PARAMS, ParamType, packParamTypes, paramTypeAt } from './gp/param-types.js';
export { TeeOrigin, TeeResult, teeResultName } from './gp/result-codes.js';
export { VosError } from './gp/vos-error.js';
export type { PublicEcJwk } from './jwk.js';
export { isProtectionLevel, levelAtLeast, PROTECTION_LEVELS, type ProtectionLevel } from './levels.js';
export {
  type CredentialsBody,
  cardIdOf,
  type LifecycleAction,
  type LifecycleBody,
  type LukCredentialsBody,
  type LukWire,
  MAX_LUK_TRANSACTIONS,
  MAX_SUKS_PER_CARD,
  type ProvisionBody,
  parseLifecycle,
  parseLuk,
  parseSuks,
  type SukCredentialsBody,
  type SukWire,
} from './messages/bodies.js';
export {
  CARD_ID,
  type CardProfile,
  type CardProfileChecks,
  type CardProfileKind,
  type CardRecord,
  type PublicCard,
  parseCardProfile,
} from './messages/card-profile.js';
export {
  checkClaims,
  EXPIRY_LEEWAY_MS,
  MESSAGE_TYPES,
  type MessageClaims,
  type MessageType,
} from './messages/claims.js';
export { DEVICE_PROOF_HEADER, type DeviceRequestClaims } from './messages/device-request.js';
export { REPLENISH_PROOF_DOMAIN, replenishMacData } from './messages/replenish-proof.js';
export type {
  LukLogEntry,
  LukReplenishStatement,
  ReplenishStatement,
  StatementBase,
  StatusCard,
  StatusStatement,
  SukReplenishStatement,
  SukUse,
} from './messages/statements.js';
export {
  ATTESTATION_TYP,
  DEVICE_REPORT_TYP,
  DEVICE_REQUEST_TYP,
  SERVER_ISSUER,
  SERVER_MESSAGE_TYP,
  SIGNATURE_ALG,
  TA_STATEMENT_TYP,
} from './messages/typ.js';
export { type PolicyVerdict, policyVerdict, reactionFor } from './policy/evaluate.js';
export { MAX_POLICY_RULES, parsePolicy } from './policy/parse.js';
export {
  isBlockingReaction,
  isReaction,
  type PolicyBody,
  type PolicyWire,
  REACTIONS,
  type Reaction,
  type ReactionPolicy,
  type ReactionRule,
} from './policy/vocabulary.js';
export {
  CbpError,
  CbpErrorCode,
  CbpTeeResult,
  cbpErrorToTeeResult,
  isCbpError,
  teeResultToCbpErrorCode,
} from './ta/cbp-errors.js';
export {
  CBP_TA_CAPABILITIES,
  CBP_TA_NAME,
  CBP_TA_TIMEOUT_MS,
  CBP_TA_UUID,
  CBP_TA_VERSION,
  CbpCommand,
  CbpOutputSize,
  CbpParamTypes,
  type CbpTaManifest,
  cbpTaManifest,
} from './ta/cbp-ta.js';
export { isTaUuid, isTaVersion, parseTaVersion } from './ta/identity.js';
export { ReasonCode } from './ta/reason-codes.js';
export { THREAT_CODES, type ThreatCode } from './threats/codes.js';
export {
  type DeviceReportKind,
  type Evidence,
  isSeverity,
  type ScanReason,
  type ScanReport,
  SEVERITIES,
  SEVERITY_RANK,
  type Severity,
  THREAT_CLASSES,
  type Threat,
  type ThreatClass,
} from './threats/threat.js';
