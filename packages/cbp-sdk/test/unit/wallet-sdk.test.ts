/**
 * WalletSdk against a scripted provider and a scripted server (fetch): the outbox cursor and
 * permanently refused messages, replays, provisioning errors, offline queueing with exponential
 * backoff (network errors and 5xx queue, 4xx refusals throw), persistence of the queue and the
 * refusals in the wallet store, and an unenrolled provider.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SdkError, SdkErrorCode } from '../../src/errors.js';
import type { PublicCard } from '../../src/provider/credentials-provider.js';
import { ServerClient } from '../../src/wallet/server-client.js';
import { type WalletEvent, WalletSdk } from '../../src/wallet/wallet-sdk.js';
import { createMemoryStore } from '../../src/wallet/wallet-store.js';
import { cardV, FakeProvider } from '../helpers/fake-provider.js';

const jws = (payload: unknown) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

class ScriptedProvider extends FakeProvider {
  lastSeq = 0;
  enrolled = true;
  processed: string[] = [];
  credentialsLeft = 10;
  cards: PublicCard[] = [cardV({ cardId: 'c1', replenishBelow: 3 })];
  override async status(nonce: string): Promise<string> {
    if (!this.enrolled) throw new SdkError(SdkErrorCode.BAD_STATE, 'not enrolled');
    return jws({
      typ: 'status',
      deviceId: 'dev-1',
      nonce,
      iat: 0,
      stateCounter: '1',
      lastSeq: this.lastSeq,
      cards: this.cards.map((c) => ({
        cardId: c.cardId,
        profile: c.profile,
        state: 'ACTIVE',
        atc: 0,
        credentialsLeft: this.credentialsLeft,
        thresholdsLeft: null,
        replenishDue: false,
      })),
    });
  }
  override async cardInfo(): Promise<PublicCard[]> {
    return this.enrolled ? this.cards : [];
  }
  override async processServerMessage(jwe: string): Promise<{ typ: string; seq: number }> {
    this.processed.push(jwe);
    const [kind, s] = jwe.split(':');
    const seq = Number(s);
    if (seq <= this.lastSeq) throw new SdkError(SdkErrorCode.MESSAGE_REPLAY, 'replay');
    if (kind === 'bad') throw new SdkError(SdkErrorCode.MESSAGE_REJECTED, 'rejected');
    if (kind === 'dead') throw new SdkError(SdkErrorCode.PROVIDER_DEAD, 'dead');
    this.lastSeq = seq;
    if (kind === 'creds') this.credentialsLeft = 10;
    return { typ: kind!, seq };
  }
}

function server(routes: Record<string, (body: unknown) => { status: number; body: unknown } | 'offline'>) {
  const fetchFn = async (url: string, init?: RequestInit): Promise<Response> => {
    const u = new URL(url);
    const key = `${init?.method ?? 'GET'} ${u.pathname}`;
    const h = routes[key];
    if (!h) return new Response(JSON.stringify({ error: { code: 'ERR_NOT_FOUND' } }), { status: 404 });
    const r = h(init?.body ? JSON.parse(String(init.body)) : undefined);
    if (r === 'offline') throw new TypeError('fetch failed');
    return new Response(JSON.stringify(r.body), { status: r.status });
  };
  return new ServerClient({ baseUrl: 'http://server.test', fetch: fetchFn });
}

const msg = (seq: number, kind = 'ok') => ({
  seq,
  typ: kind,
  cardId: 'c1',
  message: `${kind}:${seq}`,
  expiresAt: 0,
});

describe('WalletSdk: outbox', () => {
  it('a message the TA refuses for good is skipped from then on (also after a restart); later ones apply', async () => {
    const p = new ScriptedProvider();
    const outbox = [msg(1), msg(2, 'bad'), msg(3), msg(4)];
    const s = server({
      'GET /v1/devices/dev-1/messages': () => ({ status: 200, body: { messages: outbox } }),
    });
    const store = createMemoryStore();
    const events: WalletEvent[] = [];
    const w = await WalletSdk.open({
      provider: p,
      server: s,
      store,
      checkIntervalMs: 0,
      onEvent: (e) => events.push(e),
    });
    assert.equal(await w.fetchMessages(), 3);
    assert.equal(w.lastSeq, 4);
    assert.deepEqual(p.processed, ['ok:1', 'bad:2', 'ok:3', 'ok:4']);
    assert.ok(events.some((e) => e.type === 'message-rejected' && e.seq === 2));
    assert.equal(await w.fetchMessages(), 0);
    assert.equal(p.processed.length, 4);
    // A refusal that is the newest message does not make the wallet ask for it forever either.
    outbox.push(msg(5, 'bad'));
    assert.equal(await w.fetchMessages(), 0);
    assert.equal(await w.fetchMessages(), 0);
    assert.deepEqual(p.processed.slice(4), ['bad:5']);
    const w2 = await WalletSdk.open({ provider: p, server: s, store, checkIntervalMs: 0 });
    assert.equal(await w2.fetchMessages(), 0);
    assert.equal(p.processed.length, 5);
    await w.close();
    await w2.close();
  });

  it('gaps in the outbox (expired messages are not served): a refused message is still asked for once only', async () => {
    const p = new ScriptedProvider();
    const s = server({
      'GET /v1/devices/dev-1/messages': () => ({ status: 200, body: { messages: [msg(1), msg(3, 'bad')] } }),
    });
    const w = await WalletSdk.open({ provider: p, server: s, checkIntervalMs: 0 });
    assert.equal(await w.fetchMessages(), 1);
    assert.equal(await w.fetchMessages(), 0);
    assert.deepEqual(p.processed, ['ok:1', 'bad:3']);
    await w.close();
  });

  it('a provider failure that is not a refusal is thrown and nothing is marked refused', async () => {
    const p = new ScriptedProvider();
    const s = server({
      'GET /v1/devices/dev-1/messages': () => ({ status: 200, body: { messages: [msg(1, 'dead')] } }),
    });
    const store = createMemoryStore();
    const w = await WalletSdk.open({ provider: p, server: s, store, checkIntervalMs: 0 });
    await assert.rejects(
      w.fetchMessages(),
      (e: unknown) => e instanceof SdkError && e.code === SdkErrorCode.PROVIDER_DEAD,
    );
    assert.equal(store.load().rejectedSeqs, undefined);
    await w.close();
  });

  it('provision throws the TA refusal of a provision message', async () => {
    const p = new ScriptedProvider();
    const s = server({
      'POST /v1/devices/dev-1/cards/c9/provision': () => ({
        status: 200,
        body: { cardId: 'c9', messages: [msg(1, 'bad'), msg(2, 'creds')] },
      }),
    });
    const w = await WalletSdk.open({ provider: p, server: s, checkIntervalMs: 0 });
    await assert.rejects(
      w.provision('c9'),
      (e: unknown) => e instanceof SdkError && e.code === SdkErrorCode.MESSAGE_REJECTED,
    );
    await w.close();
  });
});

describe('WalletSdk: replenishment offline', () => {
  it('network errors and 5xx queue the card (persisted) with growing backoff; 4xx refusals throw', async () => {
    const p = new ScriptedProvider();
    let mode: 'offline' | '503' | '409' | 'ok' = 'offline';
    const s = server({
      'POST /v1/devices/dev-1/replenish': () => {
        if (mode === 'offline') return 'offline';
        if (mode === '503') return { status: 503, body: { error: { code: 'ERR_INTERNAL' } } };
        if (mode === '409')
          return { status: 409, body: { error: { code: 'ERR_REPLENISH_STALE', message: 'x' } } };
        return { status: 200, body: { cardId: 'c1', messages: [msg(p.lastSeq + 1, 'creds')] } };
      },
    });
    const store = createMemoryStore();
    const delays: number[] = [];
    const w = await WalletSdk.open({
      provider: p,
      server: s,
      store,
      checkIntervalMs: 0,
      retry: { baseMs: 60_000, maxMs: 200_000 },
      onEvent: (e) => {
        if (e.type === 'replenish-queued') delays.push(e.retryInMs);
      },
    });
    assert.equal(await w.replenish('c1'), false);
    assert.deepEqual(store.load().replenishQueue, ['c1']);
    mode = '503';
    assert.deepEqual(await w.retryPending(), ['c1']);
    mode = 'offline';
    assert.deepEqual(await w.retryPending(), ['c1']);
    assert.deepEqual(await w.retryPending(), ['c1']);
    assert.deepEqual(delays, [60_000, 120_000, 200_000, 200_000]);
    mode = '409';
    await assert.rejects(
      w.retryPending(),
      (e: unknown) => e instanceof SdkError && e.serverCode === 'ERR_REPLENISH_STALE',
    );
    mode = 'ok';
    p.credentialsLeft = 1;
    assert.deepEqual(await w.retryPending(), []);
    assert.equal(w.card('c1')!.credentialsLeft, 10);
    assert.deepEqual(store.load().replenishQueue, []);
    await w.close();
  });

  it('a queued card survives a restart: the new wallet retries it on open', async () => {
    const p = new ScriptedProvider();
    let online = false;
    const s = server({
      'POST /v1/devices/dev-1/replenish': () =>
        online ? { status: 200, body: { cardId: 'c1', messages: [msg(p.lastSeq + 1, 'creds')] } } : 'offline',
    });
    const store = createMemoryStore();
    const w = await WalletSdk.open({
      provider: p,
      server: s,
      store,
      checkIntervalMs: 0,
      retry: { baseMs: 60_000 },
    });
    assert.equal(await w.replenish('c1'), false);
    await w.close();
    online = true;
    const w2 = await WalletSdk.open({ provider: p, server: s, store, checkIntervalMs: 0 });
    const end = Date.now() + 3000;
    while (w2.pendingReplenishments().length > 0 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    await w2.idle();
    assert.deepEqual(w2.pendingReplenishments(), []);
    await w2.close();
  });
});

describe('WalletSdk: periodic check', () => {
  it('the timer fetches the outbox and replenishes a card below replenishBelow without any tap', async () => {
    const p = new ScriptedProvider();
    p.credentialsLeft = 1;
    let replenishCalls = 0;
    const s = server({
      'GET /v1/devices/dev-1/messages': () => ({ status: 200, body: { messages: [] } }),
      'POST /v1/devices/dev-1/replenish': () => {
        replenishCalls++;
        return { status: 200, body: { cardId: 'c1', messages: [msg(p.lastSeq + 1, 'creds')] } };
      },
    });
    const w = await WalletSdk.open({ provider: p, server: s, checkIntervalMs: 20 });
    const end = Date.now() + 3000;
    while (replenishCalls === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await w.close();
    assert.equal(replenishCalls, 1);
    assert.equal(w.card('c1')!.credentialsLeft, 10);
  });
});

describe('WalletSdk: not enrolled', () => {
  it('opens with no cards and no device; server flows say what is missing', async () => {
    const p = new ScriptedProvider();
    p.enrolled = false;
    const w = await WalletSdk.open({ provider: p, checkIntervalMs: 0 });
    assert.equal(w.deviceId, undefined);
    assert.deepEqual(w.cards(), []);
    await assert.rejects(
      w.enroll(),
      (e: unknown) => e instanceof SdkError && e.code === SdkErrorCode.SERVER_UNREACHABLE,
    );
    const w2 = await WalletSdk.open({ provider: p, server: server({}), checkIntervalMs: 0 });
    await assert.rejects(
      w2.fetchMessages(),
      (e: unknown) => e instanceof SdkError && e.code === SdkErrorCode.NOT_ENROLLED,
    );
    await w.close();
    await w2.close();
  });
});
