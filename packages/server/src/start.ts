/**
 * Starting the server from the command line (docs/server-api.md "Running": `openvse server` calls
 * runServerCommand): options → ServerConfig, listen, close on SIGINT/SIGTERM.
 */

import type { ProtectionLevel } from '@openvse/protocol';
import type { FastifyInstance } from 'fastify';
import { createServer } from './app.js';
import type { ServerConfig } from './config.js';

/** Creates the server and listens on `config.port` / `config.host` (8443 on 127.0.0.1 by default). */
export async function startServer(config: ServerConfig = {}): Promise<FastifyInstance> {
  const app = await createServer(config);
  await app.listen({ port: config.port ?? 8443, host: config.host ?? '127.0.0.1' });
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
    logger: { level: o.logLevel ?? 'info' },
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
