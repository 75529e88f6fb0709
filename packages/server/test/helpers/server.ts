/**
 * Builds a test server on one of the adapters with the test issuer keys, a manual clock, an
 * attestation policy that allows the test TA, and a log capture (every log line, so tests can
 * prove that no key or PAN is ever written).
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import type { ServerConfig } from '../../src/config.js';
import type { TestDb } from './stores.js';
import { TA_CODE_SHA256, type TestTa } from './test-ta.js';

export const TEST_KEK = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

export interface TestServer {
  app: FastifyInstance;
  clock: ManualClock;
  logs: string[];
  close(): Promise<void>;
}

export async function testServer(db: TestDb, over: Partial<ServerConfig> = {}): Promise<TestServer> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const clock = new ManualClock(Date.now());
  const app = await createServer({
    ...db.db,
    kek: TEST_KEK,
    issuerKeys: { mode: 'test' },
    attestation: { allowedCodeHashes: [TA_CODE_SHA256], minimumLevel: 'L1' },
    clock,
    logger: { level: 'debug', stream },
    ...over,
  });
  return { app, clock, logs, close: () => app.close() };
}

/** A JSON body as the tests read it. */
// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely and assert on them.
export type Json = any;

export async function post(app: FastifyInstance, url: string, body?: unknown) {
  const r = await app.inject({
    method: 'POST',
    url,
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: r.statusCode, body: r.json() as Record<string, Json> };
}

/** Challenge → attestation → enroll. */
export async function enroll(app: FastifyInstance, ta: TestTa) {
  const ch = await post(app, '/v1/devices/challenge', {});
  ta.serverJwk = ch.body.serverSigningJwk;
  const att = await ta.attest(ch.body.nonce);
  return post(app, '/v1/devices', { attestation: att, platformJwk: ta.platformJwk });
}

export async function digitize(app: FastifyInstance, body: Record<string, unknown>) {
  return post(app, '/v1/cards', { fundingPan: '4111111111111111', expiry: '3012', ...body });
}
