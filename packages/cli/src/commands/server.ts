/**
 * `openvse server`: runs the CBP server (packages/server; docs/server-api.md) over HTTP with
 * structured JSON logs (pino via fastify) on stdout.
 *
 *   openvse server [--port 7070] [--host 127.0.0.1] [--data-dir <dir>] [--db <url>]
 *                  [--pg-schema <name>] [--pg-pool <n>] [--kek-file <path>] [--test-issuer]
 *                  [--token-bin V:489537] [--allow-ta <sha256>] [--min-level L1]
 *                  [--luk-max-transactions n] [--luk-max-amount n] [--luk-ttl s] [--suk-batch n]
 *                  [--no-fraud | --fraud-config <file.json>] [--log-level info]
 *                  [--open | --auth-jwks <file> --auth-issuer <iss> --auth-audience <aud>]
 *                  [--nats nats://127.0.0.1:4222]
 *
 * Defaults: port 7070 (not 8443: the server speaks plain HTTP, TLS belongs to the reverse proxy
 * or gateway in front of it), host 127.0.0.1, database `sqlite:<data dir>/openvse.db` where the
 * data directory is `--data-dir`, else $OPENVSE_DATA_DIR, else $XDG_DATA_HOME/openvse, else
 * ~/.local/share/openvse (created 0700). `--db postgres://…` uses PostgreSQL
 * (docs/server-postgres.md). The KEK comes from `--kek-file` or the environment (OPENVSE_KEK), else
 * from `<data dir>/kek`, created on first start (server-credentials.ts). Callers authenticate
 * (docs/server-api.md "Callers"): against the bank's authorization server with `--auth-jwks`,
 * `--auth-issuer`, `--auth-audience`; by default against a local development one whose tokens are
 * written to `<data dir>/credentials/tokens/` at every start; `--open` runs without (loopback only);
 * issuer keys are never taken from the command line (they would show in `ps`): `--test-issuer`
 * imports the documented test IMKs (tests and demos only), otherwise they are generated on first
 * start. Port 0 binds an ephemeral port; the log line `listening on http://host:port` carries the
 * bound address (also as `address` in the JSON), printed at any log level but `silent` (with
 * `--log-level warn` the per-request lines are off, which the benchmark uses). SIGTERM / SIGINT
 * close the server (in-flight requests finish, the database is closed) and exit 0.
 * `--nats <url>` (or $OPENVSE_NATS_URL; comma-separated for a cluster) streams threat reports and
 * server events through NATS JetStream (docs/scaling.md "Threat intelligence as a stream");
 * without it everything stays in the process.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PROTECTION_LEVELS, type ProtectionLevel } from '@openvse/protocol';
import { type AuthConfig, commandConfig, type ServerConfig, startServer } from '@openvse/server';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ensureKekFile, ensureLocalCredentials } from './server-credentials.js';

export const DEFAULT_SERVER_PORT = 7070;
/** How long a signal-triggered close may take before the process gives up (exit 1). */
const CLOSE_TIMEOUT_MS = 10_000;

export interface ServerCliOptions {
  port: number;
  host: string;
  dataDir?: string;
  db?: string;
  pgSchema?: string;
  pgPool?: number;
  kekFile?: string;
  testIssuer?: boolean;
  tokenBin: string[];
  allowTa: string[];
  minLevel: ProtectionLevel;
  lukMaxTransactions?: number;
  lukMaxAmount?: number;
  lukTtl?: number;
  sukBatch?: number;
  /** false with --no-fraud. */
  fraud: boolean;
  fraudConfig?: string;
  logLevel: string;
  /** Open development mode: no caller authentication (the server then listens on loopback only). */
  open?: boolean;
  authJwks?: string;
  authIssuer?: string;
  authAudience?: string;
  /** NATS server(s) for the threat-report stream and events (else $OPENVSE_NATS_URL; else none). */
  nats?: string;
}

/** The data directory: --data-dir, $OPENVSE_DATA_DIR, $XDG_DATA_HOME/openvse, ~/.local/share/openvse. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OPENVSE_DATA_DIR) return env.OPENVSE_DATA_DIR;
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, 'openvse');
  return join(homedir(), '.local', 'share', 'openvse');
}

function integer(what: string, min: number, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${what}: expected an integer`);
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`${what}: expected ${min}..${max}`);
    return n;
  };
}

const collect = (v: string, prev: string[]): string[] => [...prev, ...v.split(',').filter(Boolean)];

/** Options → ServerConfig (exported for the tests). Creates the data directory for a default db. */
export function serverConfigFromOptions(
  o: ServerCliOptions,
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const dataDir = o.dataDir ?? defaultDataDir(env);
  let db = o.db;
  if (!db) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    db = `sqlite:${join(dataDir, 'openvse.db')}`;
  }
  // No KEK given: the data directory's own, created on first start.
  const kekFile = o.kekFile ?? (env.OPENVSE_KEK ? undefined : ensureKekFile(dataDir).file);
  const bins: { tokenBinV?: string; tokenBinM?: string } = {};
  for (const tb of o.tokenBin) {
    const m = /^([VM])[:=](\d{6,8})$/.exec(tb);
    if (!m) throw new InvalidArgumentError('--token-bin: expected V:<6-8 digit BIN> or M:<BIN>');
    if (m[1] === 'V') bins.tokenBinV = m[2];
    else bins.tokenBinM = m[2];
  }
  const cfg = commandConfig({
    port: o.port,
    host: o.host,
    db,
    kekFile,
    testIssuer: o.testIssuer === true,
    allowTa: o.allowTa,
    minLevel: o.minLevel,
    logLevel: o.logLevel,
    ...bins,
  });
  if (o.pgSchema) cfg.pgSchema = o.pgSchema;
  if (o.pgPool !== undefined) cfg.pgPoolSize = o.pgPool;
  const luk = {
    ...(o.lukMaxTransactions !== undefined ? { maxTransactions: o.lukMaxTransactions } : {}),
    ...(o.lukMaxAmount !== undefined ? { maxAmount: o.lukMaxAmount } : {}),
    ...(o.lukTtl !== undefined ? { ttlSeconds: o.lukTtl } : {}),
  };
  if (Object.keys(luk).length > 0) cfg.luk = luk;
  if (o.sukBatch !== undefined) cfg.sukBatch = o.sukBatch;
  if (!o.fraud) cfg.fraud = false;
  else if (o.fraudConfig) {
    let text: string;
    try {
      text = readFileSync(o.fraudConfig, 'utf8');
    } catch (e) {
      throw new InvalidArgumentError(
        `--fraud-config: cannot read the file (${(e as NodeJS.ErrnoException).code})`,
      );
    }
    try {
      cfg.fraud = JSON.parse(text) as Exclude<ServerConfig['fraud'], false | undefined>;
    } catch {
      throw new InvalidArgumentError('--fraud-config: not valid JSON');
    }
  }
  const nats = o.nats ?? env.OPENVSE_NATS_URL;
  if (nats) {
    const servers = nats
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (servers.length === 0) throw new InvalidArgumentError('--nats: expected nats://host:port');
    cfg.stream = { nats: { servers } };
  }
  cfg.env = env;
  if (o.open && o.authJwks) throw new InvalidArgumentError('--open and --auth-jwks exclude each other');
  if (o.authJwks) {
    if (!o.authIssuer || !o.authAudience)
      throw new InvalidArgumentError('--auth-jwks needs --auth-issuer and --auth-audience');
    let jwks: unknown;
    try {
      jwks = JSON.parse(readFileSync(o.authJwks, 'utf8'));
    } catch (e) {
      throw new InvalidArgumentError(
        `--auth-jwks: cannot read a JSON JWKS (${(e as NodeJS.ErrnoException).code ?? 'not JSON'})`,
      );
    }
    if (!Array.isArray((jwks as { keys?: unknown })?.keys))
      throw new InvalidArgumentError('--auth-jwks: expected a JWKS ({ "keys": [...] })');
    cfg.auth = {
      accessTokens: {
        issuer: o.authIssuer,
        audience: o.authAudience,
        jwks: jwks as AuthConfig['accessTokens']['jwks'],
      },
    };
  }
  return cfg;
}

/**
 * The configuration of `openvse server`: {@link serverConfigFromOptions}, then, unless `--open` or
 * `--auth-jwks`, the local development credentials of the data directory (created on first
 * start, tokens renewed). Returns where the tokens are, when local.
 */
export async function serverConfigWithCredentials(
  o: ServerCliOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ cfg: ServerConfig; credentials?: string }> {
  const cfg = serverConfigFromOptions(o, env);
  if (cfg.auth || o.open) return { cfg };
  const local = await ensureLocalCredentials(o.dataDir ?? defaultDataDir(env));
  cfg.auth = local.auth;
  return { cfg, credentials: local.dir };
}

function failure(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return (typeof code === 'string' && code.startsWith('ERR_') ? `${code}: ${msg}` : msg).split('\n')[0]!;
}

/** Runs until SIGTERM / SIGINT; resolves after a clean close. */
export async function runServer(o: ServerCliOptions): Promise<void> {
  let app: Awaited<ReturnType<typeof startServer>>;
  let credentials: string | undefined;
  try {
    const made = await serverConfigWithCredentials(o);
    credentials = made.credentials;
    app = await startServer(made.cfg);
  } catch (e) {
    console.error(`openvse server: ${failure(e)}`);
    process.exitCode = 1;
    return;
  }
  const a = app.server.address() as AddressInfo | string | null;
  const address =
    a && typeof a === 'object'
      ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
      : String(a);
  // The bound address is always printed (as a JSON log line at info) unless the logs are
  // silenced, so that `--port 0` works with `--log-level warn` too.
  if (credentials && o.logLevel !== 'silent')
    app.log.warn(
      { credentials },
      `callers authenticate: access tokens for each caller class in ${credentials}/tokens (valid 24 h, renewed at each start)`,
    );
  if (['trace', 'debug', 'info'].includes(o.logLevel)) app.log.info({ address }, `listening on ${address}`);
  else if (o.logLevel !== 'silent')
    process.stdout.write(
      `${JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, address, msg: `listening on ${address}` })}\n`,
    );
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      app.log.info({ signal }, 'closing');
      const timer = setTimeout(() => {
        console.error(`openvse server: close did not finish within ${CLOSE_TIMEOUT_MS} ms`);
        process.exit(1);
      }, CLOSE_TIMEOUT_MS);
      timer.unref();
      app.close().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (e: unknown) => {
          clearTimeout(timer);
          console.error(`openvse server: close failed: ${failure(e)}`);
          process.exitCode = 1;
          resolve();
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('run the CBP server (token service, device provisioning, authorization) over HTTP')
    .addOption(
      new Option('--port <port>', 'TCP port (0 = ephemeral)')
        .default(DEFAULT_SERVER_PORT)
        .argParser(integer('--port', 0, 65535)),
    )
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--data-dir <dir>', 'data directory for the default SQLite database')
    .option('--db <url>', 'sqlite:<path> or postgres://… (default sqlite:<data dir>/openvse.db)')
    .option('--pg-schema <name>', 'PostgreSQL schema (created if absent)')
    .addOption(new Option('--pg-pool <n>', 'PostgreSQL pool size').argParser(integer('--pg-pool', 1, 1000)))
    .option('--kek-file <path>', 'key-encryption key file (64 hex digits or 32 bytes); else env OPENVSE_KEK')
    .option('--test-issuer', 'import the documented TEST issuer keys (tests and demos only)')
    .option('--token-bin <profile:bin>', 'token BIN per profile, e.g. V:489537 (repeatable)', collect, [])
    .option('--allow-ta <sha256>', 'allowed CBP TA code hash (repeatable or comma separated)', collect, [])
    .addOption(
      new Option('--min-level <level>', 'minimum protection level at enrollment')
        .choices([...PROTECTION_LEVELS])
        .default('L1'),
    )
    .addOption(
      new Option('--luk-max-transactions <n>', 'profile V: transactions per LUK').argParser(
        integer('--luk-max-transactions', 1, 65535),
      ),
    )
    .addOption(
      new Option('--luk-max-amount <n>', 'profile V: cumulative amount per LUK (minor units)').argParser(
        integer('--luk-max-amount', 0, 999_999_999_999),
      ),
    )
    .addOption(
      new Option('--luk-ttl <seconds>', 'profile V: LUK time to live').argParser(
        integer('--luk-ttl', 1, 10 * 365 * 86400),
      ),
    )
    .addOption(
      new Option('--suk-batch <n>', 'profile M: SUKs per credentials message').argParser(
        integer('--suk-batch', 1, 100),
      ),
    )
    .option('--open', 'open development mode: no caller authentication (loopback addresses only)')
    .option('--auth-jwks <file>', "the bank's authorization server's JWKS (access tokens, RFC 9068)")
    .option('--auth-issuer <iss>', "the access tokens' issuer (with --auth-jwks)")
    .option('--auth-audience <aud>', "this server's identifier in the access tokens (with --auth-jwks)")
    .option(
      '--nats <url>',
      'NATS server(s) with JetStream, comma separated: stream threat reports and events through it ' +
        '(docs/scaling.md; default $OPENVSE_NATS_URL, else in-process)',
    )
    .option('--no-fraud', 'run without the fraud engine (every authorization risk-approved)')
    .option('--fraud-config <file>', 'fraud engine settings, JSON (docs/fraud-engine.md)')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
    )
    .action((opts: ServerCliOptions) => runServer(opts));
}
