/**
 * Server configuration (docs/design.md "Tokenization and authorization", "Storage and scale";
 * docs/threat-model.md "Protection levels"; docs/server-api.md lists every field). Defaults are
 * resolved here once so that the rest of the server reads one complete object.
 */
import type { Writable } from 'node:stream';
import {
  ApiErrorCode,
  type CardProfileKind,
  CBP_TA_UUID,
  isProtectionLevel,
  type ProtectionLevel,
} from '@openvse/protocol';
import type { AuthConfig } from './auth/auth-config.js';
import type { RiskEngine } from './authorization/risk-engine.js';
import { type Clock, systemClock } from './clock.js';
import { ServerError } from './errors.js';
import type { FraudConfigInput } from './fraud/config.js';
import type { LogFormat } from './http/logging.js';
import type { RateLimitConfig } from './http/rate-limit.js';
import type { IssuerKeySetup } from './keys/key-store.js';
import { type ResolvedStreamConfig, resolveStreamConfig, type StreamConfig } from './stream/config.js';
import { checkTokenBin, type TokenBinRange } from './tokens/token-pan.js';

/** Which attested TAs may enroll (docs/attestation.md "Verification"). */
export interface AttestationPolicy {
  /** SHA-256 (lowercase hex) of the TA code builds that may enroll. Empty = nobody. */
  allowedCodeHashes: string[];
  /** Lowest protection level accepted at enrollment. */
  minimumLevel: ProtectionLevel;
  /** TA UUID that must be attested (default the CBP TA). */
  taUuid?: string;
  /** How old (or how far in the future) an attestation's iat may be, seconds. Default 300. */
  maxAgeSeconds?: number;
}

/** The thresholds of every profile V LUK the server issues. */
export interface LukPolicy {
  maxTransactions: number;
  ttlSeconds: number;
  /** Minor units. */
  maxAmount: number;
}

/** The card profile values the server provisions to every card (docs/cbp-protocol.md §2). */
export interface CardDefaults {
  cvmLimit: number;
  currency: string;
  country: string;
  cdcvmResetTimeoutSec: number;
  replenishBelow: number;
  kdi: string;
  /**
   * Wrong mobile PINs in a row after which the server suspends the token (the issuer's resume
   * gives the tries back; docs/cdcvm.md). Server-side only: not part of the card profile.
   */
  mobilePinTries: number;
}

/** The server's configuration; every field has a default (docs/server-api.md lists them). */
export interface ServerConfig {
  port?: number;
  host?: string;
  /** `sqlite:<path>` (default `sqlite:openvse-server.db`) or `postgres://…`. */
  db?: string;
  /** PostgreSQL: schema to use (created if absent). */
  pgSchema?: string;
  /** PostgreSQL: pool size per instance (default 10). */
  pgPoolSize?: number;
  /** KEK bytes or 64 hex digits; else `kekFile`; else env OPENVSE_KEK. */
  kek?: Uint8Array | string;
  kekFile?: string;
  /** How to create missing issuer keys on first start (default: generate). */
  issuerKeys?: IssuerKeySetup;
  /** Token BIN range per profile. */
  tokenBins?: Partial<Record<CardProfileKind, TokenBinRange>>;
  attestation?: AttestationPolicy;
  /** ATC acceptance window around the highest accepted ATC. */
  atcWindow?: { behind: number; ahead: number };
  luk?: Partial<LukPolicy>;
  /** Profile M: SUKs per credentials message. */
  sukBatch?: number;
  cardDefaults?: Partial<CardDefaults>;
  messageTtlSeconds?: number;
  nonceTtlSeconds?: number;
  /** How long an activation code from digitization stays good (default 900 s; tokens/activation.ts). */
  activationCodeTtlSeconds?: number;
  /** Maximum request body, bytes (default 64 KiB). */
  bodyLimit?: number;
  clock?: Clock;
  riskEngine?: RiskEngine;
  /** Fraud engine settings (docs/fraud-engine.md); false = no fraud engine (approve-all risk). */
  fraud?: FraudConfigInput | false;
  /**
   * false = no logs; an object sets the level, a destination stream (tests capture it) and the
   * format: `json` (default: one pino JSON record per line) or `pretty` (one human-readable line
   * per record, http/pretty-log.ts; docs/server-api.md "Logs").
   */
  logger?: boolean | { level?: string; stream?: Writable; format?: LogFormat };
  env?: NodeJS.ProcessEnv;
  /**
   * How callers authenticate (docs/server-api.md "Callers"). Absent: open development mode —
   * every route answers every caller and `startServer` listens on loopback addresses only.
   */
  auth?: AuthConfig;
  /**
   * Listen on loopback addresses only, even with `auth` (`openvse server --dev`: public test
   * issuer keys must not be reachable from the network). `startServer` refuses any other host
   * with ERR_CONFIG.
   */
  loopbackOnly?: boolean;
  /**
   * Per-caller abuse limits kept in Redis, shared by every instance (docs/server-api.md
   * "Rate limits"). Absent or false: no limits.
   */
  rateLimit?: RateLimitConfig | false;
  /**
   * Serve HTTPS directly (PEM key and certificate chain; TLS 1.2 at least). Usually TLS ends at
   * the gateway in front; this is for deployments without one and for the tests that show the
   * callers' credentials over a real TLS stack.
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Threat intelligence as a stream (docs/scaling.md "Threat intelligence as a stream"): with
   * `{ nats: { servers } }` threat reports go through a NATS JetStream stream whose durable
   * consumers store them, and server events through NATS subjects. Absent or false: everything
   * stays in the process (the default).
   */
  stream?: StreamConfig | false;
}

/** The configuration with every default applied, as the rest of the server reads it. */
export interface ResolvedConfig {
  port: number;
  host: string;
  db: string;
  pgSchema?: string;
  pgPoolSize?: number;
  issuerKeys: IssuerKeySetup;
  tokenBins: Record<CardProfileKind, TokenBinRange>;
  attestation: Required<AttestationPolicy>;
  atcWindow: { behind: number; ahead: number };
  luk: LukPolicy;
  sukBatch: number;
  cardDefaults: CardDefaults;
  messageTtlSeconds: number;
  nonceTtlSeconds: number;
  activationCodeTtlSeconds: number;
  bodyLimit: number;
  clock: Clock;
  /** The report stream and event bus on NATS; undefined = in-process (stream/config.ts). */
  stream?: ResolvedStreamConfig;
}

/** The defaults of {@link ServerConfig}. */
export const DEFAULTS = Object.freeze({
  port: 8443,
  host: '127.0.0.1',
  db: 'sqlite:openvse-server.db',
  tokenBins: { V: { bin: '489537', panLength: 16 }, M: { bin: '535580', panLength: 16 } },
  atcWindow: { behind: 50, ahead: 1000 },
  luk: { maxTransactions: 10, ttlSeconds: 86_400, maxAmount: 100_000 },
  sukBatch: 10,
  cardDefaults: {
    cvmLimit: 5000,
    currency: '0978',
    country: '0250',
    cdcvmResetTimeoutSec: 300,
    replenishBelow: 3,
    kdi: '01',
    mobilePinTries: 3,
  },
  messageTtlSeconds: 86_400,
  nonceTtlSeconds: 300,
  activationCodeTtlSeconds: 900,
  bodyLimit: 64 * 1024,
});

function positiveInt(v: number, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new ServerError(ApiErrorCode.CONFIG, `${what}: bad value`);
  return v;
}

/** Applies the defaults and checks every value; ServerError ERR_CONFIG names the bad one. */
export function resolveConfig(c: ServerConfig): ResolvedConfig {
  const tokenBins = { ...DEFAULTS.tokenBins, ...(c.tokenBins ?? {}) };
  checkTokenBin(tokenBins.V);
  checkTokenBin(tokenBins.M);
  const att = c.attestation ?? { allowedCodeHashes: [], minimumLevel: 'L1' as const };
  if (!isProtectionLevel(att.minimumLevel))
    throw new ServerError(ApiErrorCode.CONFIG, 'attestation.minimumLevel: expected L0, L1 or L2');
  for (const h of att.allowedCodeHashes)
    if (!/^[0-9a-fA-F]{64}$/.test(h))
      throw new ServerError(ApiErrorCode.CONFIG, 'attestation.allowedCodeHashes: expected SHA-256 hex');
  const format = typeof c.logger === 'object' ? c.logger.format : undefined;
  if (format !== undefined && format !== 'json' && format !== 'pretty')
    throw new ServerError(ApiErrorCode.CONFIG, "logger.format: expected 'json' or 'pretty'");
  const luk = { ...DEFAULTS.luk, ...(c.luk ?? {}) };
  const atcWindow = c.atcWindow ?? DEFAULTS.atcWindow;
  const cardDefaults = { ...DEFAULTS.cardDefaults, ...(c.cardDefaults ?? {}) };
  const stream = resolveStreamConfig(c.stream);
  if (positiveInt(cardDefaults.mobilePinTries, 'cardDefaults.mobilePinTries', 15) < 1)
    throw new ServerError(ApiErrorCode.CONFIG, 'cardDefaults.mobilePinTries: at least 1');
  return {
    port: positiveInt(c.port ?? DEFAULTS.port, 'port', 65535),
    host: c.host ?? DEFAULTS.host,
    db: c.db ?? DEFAULTS.db,
    pgSchema: c.pgSchema,
    pgPoolSize: c.pgPoolSize,
    issuerKeys: c.issuerKeys ?? { mode: 'generate' },
    tokenBins,
    attestation: {
      allowedCodeHashes: att.allowedCodeHashes.map((h) => h.toLowerCase()),
      minimumLevel: att.minimumLevel,
      taUuid: att.taUuid ?? CBP_TA_UUID,
      maxAgeSeconds: att.maxAgeSeconds ?? 300,
    },
    atcWindow: {
      behind: positiveInt(atcWindow.behind, 'atcWindow.behind', 65535),
      ahead: positiveInt(atcWindow.ahead, 'atcWindow.ahead', 65535),
    },
    luk: {
      maxTransactions: positiveInt(luk.maxTransactions, 'luk.maxTransactions', 65535),
      ttlSeconds: positiveInt(luk.ttlSeconds, 'luk.ttlSeconds'),
      maxAmount: positiveInt(luk.maxAmount, 'luk.maxAmount', 999_999_999_999),
    },
    sukBatch: positiveInt(c.sukBatch ?? DEFAULTS.sukBatch, 'sukBatch', 100),
    cardDefaults,
    messageTtlSeconds: positiveInt(c.messageTtlSeconds ?? DEFAULTS.messageTtlSeconds, 'messageTtlSeconds'),
    nonceTtlSeconds: positiveInt(c.nonceTtlSeconds ?? DEFAULTS.nonceTtlSeconds, 'nonceTtlSeconds'),
    activationCodeTtlSeconds: positiveInt(
      c.activationCodeTtlSeconds ?? DEFAULTS.activationCodeTtlSeconds,
      'activationCodeTtlSeconds',
      7 * 86_400,
    ),
    bodyLimit: positiveInt(c.bodyLimit ?? DEFAULTS.bodyLimit, 'bodyLimit', 16 * 1024 * 1024),
    clock: c.clock ?? systemClock,
    ...(stream ? { stream } : {}),
  };
}
