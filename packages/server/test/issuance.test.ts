/**
 * Atomic credential issuance (docs/decisions.md "CBP server"; issue 11): concurrent
 * provisionings and replenishments of the same cards, through two server processes on one
 * PostgreSQL database and through one server on each adapter. The guards are in the database
 * (the conditional bind and the claim of the outgoing LUK, in the transaction that stores the
 * new credentials and queues their message), so afterwards every card has exactly one live LUK,
 * and it is the one the device's last queued `credentials` message carries (it pays; the one
 * before it is retired). Re-provisioning to the same device is idempotent (same messages, no new
 * LUK); to another device it is refused.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  bytesToHex,
  encodeApiBcd,
  hexToBytes,
  issuerDeriveAcKey,
  macIso9797Alg3,
  openvseProfileV,
} from '@openvse/emv';
import type { FastifyInstance } from 'fastify';
import type { JWK } from 'jose';
import { systemClock } from '../src/clock.js';
import { TEST_ISSUER_KEYS } from '../src/keys/key-store.js';
import type { Store } from '../src/storage/store.js';
import { chipV } from './helpers/card.js';
import { type Json, type TestServer, testServer } from './helpers/server.js';
import { adapters, type TestDb } from './helpers/stores.js';
import { b64uToBytes, TestTa } from './helpers/test-ta.js';

/** One server instance as the test calls it. */
type Call = (method: 'GET' | 'POST', url: string, body?: unknown) => Promise<{ status: number; body: Json }>;

const injectCall =
  (app: FastifyInstance): Call =>
  async (method, url, body) => {
    const r = await app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: r.statusCode, body: r.json() };
  };

const httpCall =
  (port: number): Call =>
  async (method, url, body) => {
    const r = await fetch(`http://127.0.0.1:${port}${url}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: r.status, body: await r.json() };
  };

/** A server instance in a child process (helpers/instance.ts). */
async function spawnInstance(db: TestDb['db']): Promise<{ call: Call; close(): Promise<void> }> {
  const entry = fileURLToPath(new URL('./helpers/instance.js', import.meta.url));
  const child: ChildProcess = fork(entry, [JSON.stringify(db)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`server instance exited (${code}) before listening`)));
  });
  return {
    call: httpCall(port),
    async close() {
      if (child.exitCode === null && child.connected) child.send('close');
      await exited;
    },
  };
}

/** The replenish proof MAC as the TA computes it (docs/cbp-protocol.md §3), for an empty log. */
function proofMac(luk: Uint8Array, api: string, first: number, last: number): string {
  const hex = [
    'FF01',
    bytesToHex(encodeApiBcd(api)),
    first.toString(16).padStart(4, '0'),
    last.toString(16).padStart(4, '0'),
  ].join('');
  return bytesToHex(macIso9797Alg3(luk, hexToBytes(hex), 2));
}

interface Luk {
  api: string;
  key: Uint8Array;
}

interface Wallet {
  ta: TestTa;
  cardId: string;
  /** The token requestor's activation code of the card. */
  code: string;
  tokenPan: string;
  /** The LUK the TA holds (from the credentials messages it was answered). */
  luk?: Luk;
  previous?: Luk;
  atc: number;
}

async function enroll(call: Call, ta: TestTa): Promise<void> {
  const ch = await call('POST', '/v1/devices/challenge', {});
  ta.serverJwk = ch.body.serverSigningJwk as JWK;
  const r = await call('POST', '/v1/devices', {
    attestation: await ta.attest(ch.body.nonce),
    platformJwk: ta.platformJwk,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

async function lukOf(ta: TestTa, message: string): Promise<Luk> {
  const luk = (await ta.open(message)).payload.luk as { api: string; key: string };
  return { api: luk.api, key: b64uToBytes(luk.key) };
}

/** The card's live LUKs, and the LUK of the last `credentials` message queued for it. */
async function liveAndQueued(store: Store, w: Wallet): Promise<{ live: string[]; queued: Luk }> {
  const live = (await store.listLuks(w.cardId)).filter((l) => l.retiredAt === null).map((l) => l.api);
  const last = (await store.listMessages(w.ta.deviceId, 0, 1000))
    .filter((m) => m.cardId === w.cardId && m.typ === 'credentials')
    .at(-1);
  return { live, queued: await lukOf(w.ta, last!.message) };
}

/**
 * The race: `cards` wallets (one device each) on the instances `calls`; every card provisioned by
 * one request per instance at once (and one card also to a second device), then `rounds` rounds
 * in which every wallet sends two replenish statements for its current LUK, one per instance, at
 * once; then the invariant is checked on `store`.
 */
async function race(calls: Call[], store: Store, cards: number, rounds: number): Promise<void> {
  const [a, b] = [calls[0]!, calls[calls.length - 1]!];
  const wallets: Wallet[] = [];
  for (let i = 0; i < cards; i++) {
    const ta = await TestTa.create();
    await enroll(calls[i % calls.length]!, ta);
    const d = await a('POST', '/v1/cards', {
      fundingPan: '4111111111111111',
      expiry: '3012',
      profile: 'V',
    });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    wallets.push({
      ta,
      cardId: d.body.cardId,
      tokenPan: d.body.tokenPan,
      code: d.body.activation.code,
      atc: 0,
    });
  }
  const thief = await TestTa.create();
  await enroll(b, thief);

  // Provisioning: one request per instance for every card, all at once, each with the card's one
  // activation code (the code is spent once; the loser finds the card bound to its own device);
  // for card 0 also from another device, which has no code.
  const provisioned = await Promise.all(
    wallets.map((w, i) =>
      Promise.all([
        ...calls.map((call) =>
          call('POST', `/v1/devices/${w.ta.deviceId}/cards/${w.cardId}/provision`, {
            activationCode: w.code,
          }),
        ),
        ...(i === 0 ? [b('POST', `/v1/devices/${thief.deviceId}/cards/${w.cardId}/provision`, {})] : []),
      ]),
    ),
  );
  for (const [i, answers] of provisioned.entries()) {
    const w = wallets[i]!;
    const own = answers.slice(0, calls.length);
    const stolen = answers[calls.length];
    if (stolen) {
      // Without the code the other device never gets the card: refused for the code while the
      // card is unbound, as bound elsewhere once it is.
      answers.splice(calls.length, 1);
      assert.ok(
        ['ERR_ACTIVATION_CODE_INVALID', 'ERR_CARD_BOUND_ELSEWHERE'].includes(stolen.body.error?.code),
        JSON.stringify(stolen.body),
      );
    }
    for (const r of own) assert.equal(r.status, 200, JSON.stringify(r.body));
    const { live, queued } = await liveAndQueued(store, w);
    assert.deepEqual(live, [queued.api], `card ${i}: one live LUK, the queued one (live: ${live})`);
    const ok = answers.filter((r) => r.status === 200);
    const seqs = ok.map((r) => JSON.stringify(r.body.messages.map((m: { seq: number }) => m.seq)));
    assert.equal(new Set(seqs).size, 1, `card ${i}: every answer carries the same queued messages: ${seqs}`);
    assert.deepEqual(
      ok[0]!.body.messages.map((m: { typ: string }) => m.typ),
      ['provision', 'credentials'],
    );
    assert.equal((await store.listLuks(w.cardId)).length, 1, `card ${i}: one LUK issued`);
    w.luk = await lukOf(w.ta, ok[0]!.body.messages[1].message);
  }

  // Replenishment: two statements for the same outgoing LUK, one per instance, at once. Same
  // state counter (an equal counter is accepted) and different iat (not a replay): only the
  // claim of the outgoing LUK decides.
  for (let round = 0; round < rounds; round++) {
    const answers = await Promise.all(
      wallets.map(async (w) => {
        const counter = w.ta.bump();
        const iat = Math.floor(Date.now() / 1000);
        const statements = await Promise.all(
          [a, b].map((_, k) =>
            w.ta.sign({
              typ: 'replenish',
              deviceId: w.ta.deviceId,
              cardId: w.cardId,
              iat: iat - k,
              stateCounter: counter,
              api: w.luk!.api,
              firstAtc: 0,
              lastAtc: 0,
              log: [],
              mac: proofMac(w.luk!.key, w.luk!.api, 0, 0),
            }),
          ),
        );
        return Promise.all(
          [a, b].map((call, k) =>
            call('POST', `/v1/devices/${w.ta.deviceId}/replenish`, { statement: statements[k] }),
          ),
        );
      }),
    );
    for (const [i, pair] of answers.entries()) {
      const w = wallets[i]!;
      const ok = pair.filter((r) => r.status === 200);
      assert.equal(
        ok.length,
        1,
        `round ${round}, card ${i}: one replenishment wins: ${pair.map((r) => r.body.error?.code ?? r.status)}`,
      );
      const lost = pair.find((r) => r.status !== 200)!;
      assert.equal(lost.status, 409);
      assert.equal(lost.body.error.code, 'ERR_REPLENISH_STALE');
      w.previous = w.luk;
      w.luk = await lukOf(w.ta, ok[0]!.body.messages[0].message);
    }
  }

  // Every card: exactly one live LUK, the one in the device's last queued credentials message,
  // which the TA holds and which pays; the previous one is retired.
  for (const [i, w] of wallets.entries()) {
    const { live, queued } = await liveAndQueued(store, w);
    assert.deepEqual(live, [queued.api], `card ${i}: one live LUK, the queued one (live: ${live})`);
    assert.equal(w.luk!.api, queued.api, `card ${i}: the TA holds the live LUK`);
    assert.equal(
      bytesToHex(queued.key),
      bytesToHex(
        issuerDeriveAcKey(openvseProfileV, {
          imkAc: TEST_ISSUER_KEYS.imkAc,
          pan: w.tokenPan,
          psn: '00',
          api: queued.api,
        }),
      ),
    );
    const pay = async (luk: Luk) => {
      const atc = ++w.atc;
      const un = randomBytes(4).toString('hex').toUpperCase();
      const chip = chipV({ luk: luk.key, api: luk.api, atc, tx: { amount: 100, un } });
      return b('POST', '/v1/authorizations', {
        idempotencyKey: `issuance-${w.cardId}-${atc}`,
        tokenPan: w.tokenPan,
        chipData: chip.chipData,
        amount: 100,
        currency: '978',
      });
    };
    assert.equal((await pay(w.luk!)).body.decision, 'APPROVE', `card ${i}: the live LUK pays`);
    if (w.previous) assert.equal((await pay(w.previous)).body.reason, 'LUK_RETIRED');
    // Provisioning again: the same device gets the queued messages and no new LUK; another
    // device is refused.
    const luks = (await store.listLuks(w.cardId)).length;
    const again = await a('POST', `/v1/devices/${w.ta.deviceId}/cards/${w.cardId}/provision`, {});
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal((await lukOf(w.ta, again.body.messages[1].message)).api, queued.api);
    assert.equal((await store.listLuks(w.cardId)).length, luks, `card ${i}: no LUK issued again`);
    const other = w.ta === thief ? wallets[1]!.ta : thief;
    const steal = await b('POST', `/v1/devices/${other.deviceId}/cards/${w.cardId}/provision`, {});
    assert.equal(steal.status, 409);
    assert.equal(steal.body.error.code, 'ERR_CARD_BOUND_ELSEWHERE');
  }
}

const CARDS = 6;
const ROUNDS = 3;

for (const a of await adapters()) {
  describe(`atomic issuance, concurrent requests on one server (${a.name})`, { skip: a.skip }, () => {
    let db: TestDb;
    let srv: TestServer;
    before(async () => {
      db = await a.open();
      srv = await testServer(db, { clock: systemClock });
    });
    after(async () => {
      await srv?.close();
      await db?.cleanup();
    });

    it('provisioning and replenishment races leave every card exactly one live LUK, the queued one', async () => {
      const call = injectCall(srv.app);
      await race([call, call], db.store, CARDS, ROUNDS);
    });
  });

  if (a.name !== 'postgres') continue;
  describe('atomic issuance, two server processes on one PostgreSQL database', { skip: a.skip }, () => {
    let db: TestDb;
    const instances: { call: Call; close(): Promise<void> }[] = [];
    before(async () => {
      db = await a.open();
      instances.push(...(await Promise.all([spawnInstance(db.db), spawnInstance(db.db)])));
    });
    after(async () => {
      await Promise.all(instances.map((i) => i.close()));
      await db?.cleanup();
    });

    it('provisioning and replenishment races across instances leave every card exactly one live LUK, the queued one', async () => {
      await race(
        instances.map((i) => i.call),
        db.store,
        CARDS,
        ROUNDS,
      );
    });
  });
}
