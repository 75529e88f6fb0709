/**
 * The REAL CBP server (packages/server createServer, SQLite in a temp dir, test issuer keys, a
 * ManualClock) driven with fastify.inject: it issues the challenges, verifies the TA's
 * attestation, builds the provision / credentials / lifecycle messages, authorizes the
 * cryptograms and verifies the replenish / status statements, exactly as in production.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CbpCore } from '@openvse/cbp-ta';
import { createServer, ManualClock, type ServerConfig } from '@openvse/server';
import type { FastifyInstance } from 'fastify';
import { tempDir } from './targets.js';

export const TEST_KEK = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely.
export type Json = any;

export interface TestServer {
  app: FastifyInstance;
  clock: ManualClock;
  post(url: string, body?: unknown): Promise<{ status: number; body: Json }>;
  get(url: string): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

export async function testServer(
  codeHashes: string[],
  over: Partial<ServerConfig> = {},
): Promise<TestServer> {
  const clock = new ManualClock(Date.now());
  const app = await createServer({
    db: `sqlite:${join(tempDir('cbp-ta-server-'), 'server.db')}`,
    kek: TEST_KEK,
    issuerKeys: { mode: 'test' },
    attestation: { allowedCodeHashes: codeHashes, minimumLevel: 'L0' },
    clock,
    logger: false,
    // The fraud engine (docs/fraud-engine.md) would ask an L0 test device for step-up: these
    // tests are about the TA, so the server runs without it (approve-all risk).
    fraud: false,
    ...over,
  } as ServerConfig);
  const post = async (url: string, body?: unknown) => {
    const r = await app.inject({
      method: 'POST',
      url,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: r.statusCode, body: r.json() as Json };
  };
  const get = async (url: string) => {
    const r = await app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json() as Json };
  };
  return { app, clock, post, get, close: () => app.close() };
}

/** Challenge → ENROLL in the TA → POST /v1/devices. */
export async function enrollDevice(
  s: TestServer,
  core: CbpCore,
  platformJwk: Record<string, unknown>,
): Promise<{ deviceId: string; attestation: string; nonce: string; serverSigningJwk: Json }> {
  const ch = await s.post('/v1/devices/challenge', {});
  if (ch.status !== 200) throw new Error(`challenge: ${JSON.stringify(ch.body)}`);
  const attestation = await core.enroll({ nonce: ch.body.nonce, serverSigningJwk: ch.body.serverSigningJwk });
  const { kty, crv, x, y } = platformJwk as Record<string, string>;
  const r = await s.post('/v1/devices', { attestation, platformJwk: { kty, crv, x, y } });
  if (r.status !== 201) throw new Error(`enroll: ${r.status} ${JSON.stringify(r.body)}`);
  return {
    deviceId: r.body.deviceId,
    attestation,
    nonce: ch.body.nonce,
    serverSigningJwk: ch.body.serverSigningJwk,
  };
}

export async function digitize(
  s: TestServer,
  profile: 'V' | 'M',
  extra: Record<string, unknown> = {},
): Promise<{ cardId: string; tokenPan: string; activation: { code: string } }> {
  const pan = profile === 'V' ? '4111111111111111' : '5555555555554444';
  const r = await s.post('/v1/cards', { fundingPan: pan, expiry: '3012', profile, ...extra });
  if (r.status !== 201) throw new Error(`digitize: ${r.status} ${JSON.stringify(r.body)}`);
  return { cardId: r.body.cardId, tokenPan: r.body.tokenPan, activation: r.body.activation };
}

/** The provision + credentials messages for a card (not yet relayed). */
export async function provisionMessages(
  s: TestServer,
  deviceId: string,
  cardId: string,
  activationCode: string,
): Promise<string[]> {
  const r = await s.post(`/v1/devices/${deviceId}/cards/${cardId}/provision`, { activationCode });
  if (r.status !== 200) throw new Error(`provision: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body.messages as Json[]).map((m) => m.message as string);
}

export async function lifecycle(s: TestServer, cardId: string, action: 'suspend' | 'resume' | 'delete') {
  const r = await s.post(`/v1/cards/${cardId}/${action}`, {});
  if (r.status !== 200) throw new Error(`${action}: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body.messages as Json[]).map((m) => m.message as string);
}

export async function authorize(
  s: TestServer,
  tokenPan: string,
  chipData: string,
  amount: number,
  currency = '978',
): Promise<Json> {
  const r = await s.post('/v1/authorizations', {
    idempotencyKey: `idem-${randomBytes(8).toString('hex')}`,
    tokenPan,
    chipData,
    amount,
    currency,
  });
  if (r.status !== 200) throw new Error(`authorize: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
