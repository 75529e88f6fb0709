/**
 * `openvse server`: runs the CBP server (packages/server; docs/server-api.md) over HTTP with
 * structured logs (pino via fastify) on stdout.
 *
 *   openvse server [--dev] [--port 7070] [--host 127.0.0.1] [--data-dir <dir>] [--db <url>]
 *                  [--pg-schema <name>] [--pg-pool <n>] [--kek-file <path>] [--test-issuer]
 *                  [--token-bin V:489537] [--allow-ta <sha256>] [--min-level L1]
 *                  [--luk-max-transactions n] [--luk-max-amount n] [--luk-ttl s] [--suk-batch n]
 *                  [--no-fraud | --fraud-config <file.json>] [--log-level info]
 *                  [--log-format pretty|json]
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
 * start.
 *
 * `--dev` (development mode, docs/server-api.md "Development mode") accepts a wallet built from
 * this checkout with no other flag: the test issuer keys, the in-tree CBP TA's code hash
 * allow-listed, minimum level L0 (embedded V-OS), the fraud engine on with {@link DEV_FRAUD_CONFIG},
 * loopback only, a dashboard operator account, data in `<default data dir>/dev` unless
 * `--data-dir`. Every explicit flag overrides its dev default.
 *
 * At start-up the server logs what it configured, one record per item (`startup` field):
 * database and KEK source, issuer key KCVs, allow-listed TA hashes, minimum level, fraud engine,
 * caller authentication and where the tokens are, dashboard URL and sign-in, NATS or in-process;
 * then `listening on http://host:port` (also as `address`). These are printed at any log level
 * but `silent`, so that `--port 0` works with `--log-level warn` too (the per-request lines are
 * then off, which the benchmark uses). Logs are one JSON record per line, or with
 * `--log-format pretty` (the default when stdout is a terminal) one human-readable line per
 * record. SIGTERM / SIGINT close the server (in-flight requests finish, the database is closed)
 * and exit 0. `--nats <url>` (or $OPENVSE_NATS_URL; comma-separated for a cluster) streams threat
 * reports and server events through NATS JetStream (docs/scaling.md "Threat intelligence as a
 * stream"); without it everything stays in the process.
 *
 * Exit codes (cli-error.ts): 0 after a clean close, 1 when the server fails to start or to close,
 * 2 for bad arguments or an unreadable input file (nothing started).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { cbpTaCodeSha256 } from '@openvse/cbp-ta';
import { PROTECTION_LEVELS, type ProtectionLevel } from '@openvse/protocol';
import {
  type AuthConfig,
  commandConfig,
  type FraudConfigInput,
  type ServerConfig,
  startServer,
} from '@openvse/server';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError, EXIT, reportFailure } from '../cli-error.js';
import { DEV_OPERATOR, ensureKekFile, ensureLocalCredentials } from './server-credentials.js';

/** The port `openvse server` listens on by default. */
export const DEFAULT_SERVER_PORT = 7070;
/** How long a signal-triggered close may take before the process gives up (exit 1). */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The fraud engine settings of `--dev` (docs/fraud-engine.md): the defaults, except
 * `minProtectionLevel` L0. A wallet built from this checkout runs V-OS embedded, which attests L0,
 * and PROTECTION_LEVEL_LOW (weight 45, at or above the step-up threshold 40) would otherwise
 * step up its first provisioning and decline its payments. Every other rule runs as in
 * production.
 */
export const DEV_FRAUD_CONFIG: Readonly<FraudConfigInput> = Object.freeze({ minProtectionLevel: 'L0' });

/** The options of `openvse server`, as commander parses them. */
export interface ServerCliOptions {
  port: number;
  host: string;
  /** Development mode: defaults that accept a wallet built from this checkout (see the file's doc). */
  dev?: boolean;
  dataDir?: string;
  db?: string;
  pgSchema?: string;
  pgPool?: number;
  kekFile?: string;
  testIssuer?: boolean;
  tokenBin: string[];
  allowTa: string[];
  /** Default L1, L0 with `--dev`. */
  minLevel?: ProtectionLevel;
  lukMaxTransactions?: number;
  lukMaxAmount?: number;
  lukTtl?: number;
  sukBatch?: number;
  /** false with --no-fraud. */
  fraud: boolean;
  fraudConfig?: string;
  logLevel: string;
  /** Default: pretty when stdout is a terminal, json otherwise. */
  logFormat?: 'pretty' | 'json';
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

/**
 * The data directory of `--dev` without `--data-dir`: `dev/` inside {@link defaultDataDir}, so
 * that a database holding the public test issuer keys is never the one of a plain
 * `openvse server` (whose issuer keys are generated, and which refuses to swap them).
 */
export function devDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultDataDir(env), 'dev');
}

/** The data directory these options use. */
function dataDirOf(o: ServerCliOptions, env: NodeJS.ProcessEnv): string {
  return o.dataDir ?? (o.dev ? devDataDir(env) : defaultDataDir(env));
}

/** A loopback host, as startServer judges it (127.0.0.0/8, ::1, IPv4-mapped, `localhost`). */
function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return isIP(h) === 6 && /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(h);
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

const usage = (message: string, hint?: string) =>
  new CliError('ERR_USAGE', message, { exitCode: EXIT.USAGE, ...(hint ? { hint } : {}) });

function readJsonFile(flag: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError('ERR_INPUT', `${flag}: cannot read the file (${(e as NodeJS.ErrnoException).code})`, {
      exitCode: EXIT.USAGE,
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError('ERR_INPUT', `${flag}: not valid JSON`, { exitCode: EXIT.USAGE });
  }
}

/**
 * Options → ServerConfig (exported for the tests), with the `--dev` defaults where no flag says
 * otherwise. Creates the data directory for a default db, and its KEK file when no KEK is given.
 * Throws {@link CliError} (exit 2) for bad arguments and unreadable input files.
 */
export function serverConfigFromOptions(
  o: ServerCliOptions,
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  if (o.dev && !isLoopback(o.host))
    throw usage(
      `--dev listens on loopback addresses only; --host ${o.host} is not one`,
      'development mode uses public test issuer keys: drop --host, or run without --dev',
    );
  if (o.open && o.authJwks) throw usage('--open and --auth-jwks exclude each other');
  if (o.authJwks && (!o.authIssuer || !o.authAudience))
    throw usage('--auth-jwks needs --auth-issuer and --auth-audience');
  const bins: { tokenBinV?: string; tokenBinM?: string } = {};
  for (const tb of o.tokenBin) {
    const m = /^([VM])[:=](\d{6,8})$/.exec(tb);
    if (!m) throw usage('--token-bin: expected V:<6-8 digit BIN> or M:<BIN>');
    if (m[1] === 'V') bins.tokenBinV = m[2];
    else bins.tokenBinM = m[2];
  }
  let fraud: ServerConfig['fraud'];
  if (!o.fraud) fraud = false;
  else if (o.fraudConfig)
    fraud = readJsonFile('--fraud-config', o.fraudConfig) as Exclude<
      ServerConfig['fraud'],
      false | undefined
    >;
  else if (o.dev) fraud = { ...DEV_FRAUD_CONFIG };
  let jwks: unknown;
  if (o.authJwks) {
    jwks = readJsonFile('--auth-jwks', o.authJwks);
    if (!Array.isArray((jwks as { keys?: unknown })?.keys))
      throw new CliError('ERR_INPUT', '--auth-jwks: expected a JWKS ({ "keys": [...] })', {
        exitCode: EXIT.USAGE,
      });
  }
  const nats = o.nats ?? env.OPENVSE_NATS_URL;
  const servers = nats
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (nats !== undefined && nats !== '' && servers?.length === 0)
    throw usage('--nats: expected nats://host:port');

  const dataDir = dataDirOf(o, env);
  let db = o.db;
  if (!db) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    db = `sqlite:${join(dataDir, 'openvse.db')}`;
  }
  // No KEK given: the data directory's own, created on first start.
  const kekFile = o.kekFile ?? (env.OPENVSE_KEK ? undefined : ensureKekFile(dataDir).file);
  const cfg = commandConfig({
    port: o.port,
    host: o.host,
    db,
    kekFile,
    testIssuer: o.testIssuer === true || o.dev === true,
    // The CBP TA built from this checkout: its code hash is reproducible (packages/cbp-ta bundle.ts).
    allowTa: o.allowTa.length > 0 || !o.dev ? o.allowTa : [cbpTaCodeSha256()],
    minLevel: o.minLevel ?? (o.dev ? 'L0' : 'L1'),
    logLevel: o.logLevel,
    logFormat: o.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    ...bins,
  });
  if (o.dev) cfg.loopbackOnly = true;
  if (o.pgSchema) cfg.pgSchema = o.pgSchema;
  if (o.pgPool !== undefined) cfg.pgPoolSize = o.pgPool;
  const luk = {
    ...(o.lukMaxTransactions !== undefined ? { maxTransactions: o.lukMaxTransactions } : {}),
    ...(o.lukMaxAmount !== undefined ? { maxAmount: o.lukMaxAmount } : {}),
    ...(o.lukTtl !== undefined ? { ttlSeconds: o.lukTtl } : {}),
  };
  if (Object.keys(luk).length > 0) cfg.luk = luk;
  if (o.sukBatch !== undefined) cfg.sukBatch = o.sukBatch;
  if (fraud !== undefined) cfg.fraud = fraud;
  if (servers && servers.length > 0) cfg.stream = { nats: { servers } };
  cfg.env = env;
  if (o.authJwks && o.authIssuer && o.authAudience)
    cfg.auth = {
      accessTokens: {
        issuer: o.authIssuer,
        audience: o.authAudience,
        jwks: jwks as AuthConfig['accessTokens']['jwks'],
      },
    };
  return cfg;
}

/** Where the local development credentials of a started server are. */
export interface LocalCredentials {
  /** `<data dir>/credentials`; the tokens are in its `tokens/`. */
  dir: string;
  /** With `--dev`: the file holding the dashboard operator's password. */
  operatorPasswordFile?: string;
}

/**
 * The configuration of `openvse server`: {@link serverConfigFromOptions}, then, unless `--open` or
 * `--auth-jwks`, the local development credentials of the data directory (created on first
 * start, tokens renewed; with `--dev` also the dashboard operator account). Returns where the
 * tokens are, when local.
 */
export async function serverConfigWithCredentials(
  o: ServerCliOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ cfg: ServerConfig; credentials?: LocalCredentials }> {
  const cfg = serverConfigFromOptions(o, env);
  if (cfg.auth || o.open) return { cfg };
  const local = await ensureLocalCredentials(dataDirOf(o, env), Date.now(), { operator: o.dev === true });
  cfg.auth = local.auth;
  return {
    cfg,
    credentials: {
      dir: local.dir,
      ...(local.operatorPasswordFile ? { operatorPasswordFile: local.operatorPasswordFile } : {}),
    },
  };
}

/**
 * A URL with its secrets masked, for the logs: the password of the user info, a NATS token (the
 * user info of `nats://<token>@host`), and `password` / `secret` / `token` parameters.
 */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    else if (u.username && /^(nats|tls|ws|wss):$/.test(u.protocol)) u.username = '***';
    for (const k of [...u.searchParams.keys()])
      if (/pass|secret|token/i.test(k)) u.searchParams.set(k, '***');
    return u.protocol === 'sqlite:' ? url : u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}

/** One line of the start-up summary: its key (the `startup` field of the record) and text. */
export interface StartupLine {
  key:
    | 'database'
    | 'issuer-keys'
    | 'allowed-tas'
    | 'minimum-level'
    | 'fraud'
    | 'auth'
    | 'dashboard'
    | 'stream';
  text: string;
}

/**
 * What the started server runs with, one line per item, for the start-up log: never a key, a
 * KEK, a token or a password (KCVs, hashes, file names and masked URLs only).
 */
export function startupSummary(
  app: Awaited<ReturnType<typeof startServer>>,
  o: ServerCliOptions,
  cfg: ServerConfig,
  address: string,
  credentials: LocalCredentials | undefined,
): StartupLine[] {
  const s = app.services;
  const kek = cfg.kekFile ? `KEK ${cfg.kekFile}` : 'KEK from $OPENVSE_KEK';
  const inv = s.keys.inventory();
  const kcvs = `IMK_AC KCV ${inv.imkAc.kcv.toUpperCase()}, IMK_MD KCV ${inv.imkMd.kcv.toUpperCase()}`;
  const keys =
    cfg.issuerKeys?.mode === 'test'
      ? `issuer keys: the documented TEST keys (public: development and tests only), ${kcvs}`
      : `issuer keys of this database (generated on first start), ${kcvs}`;
  const hashes = s.config.attestation.allowedCodeHashes;
  const inTree = o.dev && o.allowTa.length === 0;
  const allowed =
    hashes.length === 0
      ? 'allow-listed TA code hashes: none, every enrollment is refused (--allow-ta <sha256>, or --dev)'
      : `allow-listed TA code hashes: ${hashes.join(', ')}${inTree ? ' (the CBP TA built from this checkout)' : ''}`;
  const level = s.config.attestation.minimumLevel;
  const minimum = `minimum protection level at enrollment: ${level}${level === 'L0' ? ' (V-OS embedded in the app attests L0)' : ''}`;
  let fraud: string;
  if (!s.fraud) fraud = 'fraud engine off (--no-fraud): every authorization is risk-approved';
  else if (o.fraudConfig) fraud = `fraud engine on, settings from ${o.fraudConfig} (docs/fraud-engine.md)`;
  else if (cfg.fraud && typeof cfg.fraud === 'object' && Object.keys(cfg.fraud).length > 0)
    fraud = `fraud engine on, the defaults with ${JSON.stringify(cfg.fraud)}${o.dev ? ' (--dev)' : ''} (docs/fraud-engine.md)`;
  else fraud = 'fraud engine on, default settings (docs/fraud-engine.md)';
  let auth: string;
  let signIn: string;
  if (!cfg.auth) {
    auth = 'open development mode: no caller authentication (loopback only)';
    signIn = 'no sign-in (open mode)';
  } else if (credentials) {
    auth =
      `callers authenticate with access tokens in ${join(credentials.dir, 'tokens')}/<class>.jwt ` +
      '(issuer, token-requestor, acquirer, operator-*; valid 24 h, renewed at each start)';
    signIn = credentials.operatorPasswordFile
      ? `sign in as ${DEV_OPERATOR.username} (${DEV_OPERATOR.role}), password in ${credentials.operatorPasswordFile}`
      : 'no operator account: API calls use the operator-*.jwt tokens; --dev creates a sign-in';
  } else {
    auth = `callers authenticate with access tokens of ${o.authIssuer} (audience ${o.authAudience}, JWKS ${o.authJwks})`;
    signIn = 'operators use access tokens of that authorization server';
  }
  const servers = s.config.stream?.servers;
  const stream = servers
    ? `threat reports and events through NATS JetStream at ${servers.map(maskUrl).join(', ')}`
    : 'threat reports and events in-process (no NATS)';
  return [
    { key: 'database', text: `database ${maskUrl(s.config.db)} (${kek})` },
    { key: 'issuer-keys', text: keys },
    { key: 'allowed-tas', text: allowed },
    { key: 'minimum-level', text: minimum },
    { key: 'fraud', text: fraud },
    { key: 'auth', text: auth },
    { key: 'dashboard', text: `dashboard ${address}/dashboard (${signIn})` },
    { key: 'stream', text: stream },
  ];
}

/** Runs until SIGTERM / SIGINT; resolves after a clean close. */
export async function runServer(o: ServerCliOptions): Promise<void> {
  let app: Awaited<ReturnType<typeof startServer>>;
  let made: Awaited<ReturnType<typeof serverConfigWithCredentials>>;
  try {
    made = await serverConfigWithCredentials(o);
    app = await startServer(made.cfg);
  } catch (e) {
    reportFailure('server', e, EXIT.FAILED);
    return;
  }
  const a = app.server.address();
  const address =
    a && typeof a === 'object'
      ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
      : String(a);
  // The summary and the bound address are printed at any level but silent (a child logger at
  // info), in the chosen format, so that `--port 0` works with `--log-level warn` too.
  if (o.logLevel !== 'silent') {
    const log = app.log.child({}, { level: 'info' });
    for (const line of startupSummary(app, o, made.cfg, address, made.credentials))
      log.info({ startup: line.key }, line.text);
    log.info({ address }, `listening on ${address}`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      app.log.info({ signal }, 'closing');
      const timer = setTimeout(() => {
        reportFailure(
          'server',
          new CliError('ERR_CLOSE_TIMEOUT', `close did not finish within ${CLOSE_TIMEOUT_MS} ms`, {
            exitCode: EXIT.FAILED,
          }),
        );
        process.exit(EXIT.FAILED);
      }, CLOSE_TIMEOUT_MS);
      timer.unref();
      app.close().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (e: unknown) => {
          clearTimeout(timer);
          reportFailure('server', e, EXIT.FAILED);
          resolve();
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Registers `openvse server` on the program. */
export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('run the CBP server (token service, device provisioning, authorization) over HTTP')
    .option(
      '--dev',
      'development mode: test issuer keys, the in-tree CBP TA allow-listed, minimum level L0, ' +
        'dev fraud settings, loopback only, data in <data dir>/dev (explicit flags override)',
    )
    .addOption(
      new Option('--port <port>', 'TCP port (0 = ephemeral)')
        .default(DEFAULT_SERVER_PORT)
        .argParser(integer('--port', 0, 65535)),
    )
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--data-dir <dir>', 'data directory (default database, KEK, local credentials)')
    .option('--db <url>', 'sqlite:<path> or postgres://… (default sqlite:<data dir>/openvse.db)')
    .option('--pg-schema <name>', 'PostgreSQL schema (created if absent)')
    .addOption(new Option('--pg-pool <n>', 'PostgreSQL pool size').argParser(integer('--pg-pool', 1, 1000)))
    .option('--kek-file <path>', 'key-encryption key file (64 hex digits or 32 bytes); else env OPENVSE_KEK')
    .option('--test-issuer', 'import the documented TEST issuer keys (tests and demos only)')
    .option('--token-bin <profile:bin>', 'token BIN per profile, e.g. V:489537 (repeatable)', collect, [])
    .option('--allow-ta <sha256>', 'allowed CBP TA code hash (repeatable or comma separated)', collect, [])
    .addOption(
      new Option(
        '--min-level <level>',
        'minimum protection level at enrollment (default L1; --dev: L0)',
      ).choices([...PROTECTION_LEVELS]),
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
    .addOption(
      new Option(
        '--log-format <format>',
        'one JSON record per line, or one human-readable line per record ' +
          '(default: pretty when stdout is a terminal, else json)',
      ).choices(['pretty', 'json']),
    )
    .action((opts: ServerCliOptions) => runServer(opts));
}
