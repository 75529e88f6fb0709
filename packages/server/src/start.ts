/**
 * Starting the server from the command line (docs/server-api.md "Running": `openvse server` calls
 * runServerCommand): options → ServerConfig, listen, close on SIGINT/SIGTERM.
 */

import { ApiErrorCode, type ProtectionLevel } from '@openvse/protocol';
import type { FastifyInstance } from 'fastify';
import { createServer } from './app.js';
import type { ServerConfig } from './config.js';
import { ServerError } from './errors.js';

/** True for a loopback address: 127.0.0.0/8, ::1 (also IPv4-mapped), `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(v4) && v4.split('.').every((o) => Number(o) <= 255);
}

/**
 * Creates the server and listens on `config.port` / `config.host` (8443 on 127.0.0.1 by default).
 * Without `auth` (open development mode, auth/caller-checks.ts), or with `loopbackOnly`
 * (development mode), it listens on a loopback address only: ServerError ERR_CONFIG for any
 * other host, before anything is opened.
 */
export async function startServer(config: ServerConfig = {}): Promise<FastifyInstance> {
  const host = config.host ?? '127.0.0.1';
  if (config.loopbackOnly && !isLoopbackHost(host))
    throw new ServerError(
      ApiErrorCode.CONFIG,
      `host ${host} is not a loopback address: development mode listens on loopback addresses only`,
    );
  if (!config.auth && !isLoopbackHost(host))
    throw new ServerError(
      ApiErrorCode.CONFIG,
      `host ${host} is not a loopback address: configure auth (docs/server-api.md "Callers") to listen on it`,
    );
  const app = await createServer(config);
  await app.listen({ port: config.port ?? 8443, host });
  return app;
}

/** The options of `openvse server`. */
export interface ServerCommandOptions {
  port?: number | string;
  host?: string;
  /** sqlite:<path> | postgres://… */
  db?: string;
  kekFile?: string;
  /** Import the documented test issuer keys (tests and demos only). */
  testIssuer?: boolean;
  /** Import issuer keys (hex) on first start. */
  imkAc?: string;
  imkMd?: string;
  /** Allowed TA code hashes (comma separated or list). */
  allowTa?: string | string[];
  minLevel?: ProtectionLevel;
  tokenBinV?: string;
  tokenBinM?: string;
  logLevel?: string;
  /** `json` (default) or `pretty` (one human-readable line per record). */
  logFormat?: 'json' | 'pretty';
}

/** The ServerConfig of `openvse server` options. */
export function commandConfig(o: ServerCommandOptions): ServerConfig {
  const hashes = Array.isArray(o.allowTa) ? o.allowTa : o.allowTa ? o.allowTa.split(',') : [];
  const cfg: ServerConfig = {
    port: o.port === undefined ? undefined : Number(o.port),
    host: o.host,
    db: o.db,
    kekFile: o.kekFile,
    issuerKeys: o.testIssuer
      ? { mode: 'test' }
      : o.imkAc && o.imkMd
        ? { mode: 'import', imkAc: o.imkAc, imkMd: o.imkMd }
        : { mode: 'generate' },
    attestation: {
      allowedCodeHashes: hashes.map((h) => h.trim()).filter(Boolean),
      minimumLevel: o.minLevel ?? 'L1',
    },
    logger: { level: o.logLevel ?? 'info', ...(o.logFormat ? { format: o.logFormat } : {}) },
  };
  if (o.tokenBinV || o.tokenBinM)
    cfg.tokenBins = {
      ...(o.tokenBinV ? { V: { bin: o.tokenBinV, panLength: 16 } } : {}),
      ...(o.tokenBinM ? { M: { bin: o.tokenBinM, panLength: 16 } } : {}),
    };
  return cfg;
}

/** `openvse server …`: starts the server and resolves when it has stopped. */
export async function runServerCommand(o: ServerCommandOptions): Promise<void> {
  const app = await startServer(commandConfig(o));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      app.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
