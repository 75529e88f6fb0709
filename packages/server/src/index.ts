/**
 * @openvse/server — the CBP server: token service, device enrollment and provisioning, issuer
 * authorization, fraud engine, threat intelligence and dashboard (docs/server-api.md;
 * docs/design.md "Tokenization and authorization", "Storage and scale", "Server ↔ TA messages";
 * docs/fraud-engine.md). The public surface is what embeds or starts a server: createServer and
 * its configuration, the command-line entry, the injectable clock and risk engine, and the
 * documented test issuer keys. The wire types (requests, answers, error codes, messages) are
 * @openvse/protocol's; the storage port and the services are internal.
 */

// Kept for callers that name the level in a ServerConfig; the type is @openvse/protocol's.
export type { ProtectionLevel } from '@openvse/protocol';
export { type CreateServerOptions, createServer, SERVER_VERSION } from './app.js';
export type { AccessTokenConfig } from './auth/access-token.js';
export type { AuthConfig, OperatorAccount, OperatorAuthConfig, OperatorRole } from './auth/auth-config.js';
export { Caller } from './auth/callers.js';

export { hashOperatorPassword } from './auth/passwords.js';
export type { RiskAssessment, RiskContext, RiskEngine } from './authorization/risk-engine.js';
export { type Clock, ManualClock, systemClock } from './clock.js';
export type { AttestationPolicy, CardDefaults, LukPolicy, ServerConfig } from './config.js';
export type { FraudConfigInput } from './fraud/config.js';
export { type IssuerKeySetup, TEST_ISSUER_KEYS } from './keys/key-store.js';
export { commandConfig, runServerCommand, type ServerCommandOptions, startServer } from './start.js';
export type { TokenBinRange } from './tokens/token-pan.js';
