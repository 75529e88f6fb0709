/**
 * What an analyst finds on the dashboard, made through the server's own routes (docs/dashboard.md):
 * three devices and their cards, real cryptograms (helpers/card.ts) and V-OS-signed reports
 * (threats/reporter.ts), authorizations that carry merchant and terminal ids.
 *
 * - `bad`: reports a debugger (compromised); approved 12.50 EUR at MERCH-BAKERY-01 / TERM-0042,
 *   then declined DEVICE_COMPROMISED at MERCH-ELECTRO-7 / TERM-0099.
 * - `good`: reported CONTAINER in three scans, then a clean one (clean, with history); approved
 *   3.50 USD and 1250 JPY at MERCH-CAFE-22 / TERM-7; a forged cryptogram (CRYPTOGRAM_INVALID), a
 *   replay of the USD tap (ATC_REPLAY); an unknown token PAN (UNKNOWN_TOKEN, no card).
 * - `low`: enrolled at L1, provisioned, then enrolled again at L0 (below the fraud engine's
 *   minimum L1; the enrollment minimum is L0 here); never reports (never reported); its tap is
 *   declined PROTECTION_LEVEL_TOO_LOW.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { idem, provisionV, type VCard } from '../fraud/wallet.js';
import { alterCryptogram, chipV } from '../helpers/card.js';
import { type Json, post, type TestServer, testServer } from '../helpers/server.js';
import type { TestDb } from '../helpers/stores.js';
import { TA_CODE_SHA256 } from '../helpers/test-ta.js';
import { Reporter, threat } from '../threats/reporter.js';

/** ISO 4217 numeric → the n4 value of tag 5F2A. */
const CHIP_CURRENCY: Record<string, string> = { '978': '0978', '840': '0840', '392': '0392', '826': '0826' };

/** Where a tap happened. */
export interface At {
  merchantId?: string;
  terminalId?: string;
}

/** One tap of a profile V card with a real cryptogram, in `currency`, at a merchant / terminal. */
export async function tapAt(
  app: FastifyInstance,
  c: VCard,
  amount: number,
  currency: string,
  at: At = {},
  atc = c.atc + 1,
) {
  c.atc = Math.max(c.atc, atc);
  const chip = chipV({ luk: c.luk, api: c.api, atc, tx: { amount, currency: CHIP_CURRENCY[currency] } });
  const body = {
    idempotencyKey: idem(),
    tokenPan: c.tokenPan,
    chipData: chip.chipData,
    amount,
    currency,
    ...at,
  };
  const r = await post(app, '/v1/authorizations', body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { ...r, request: body };
}

/** The data of {@link buildScenario}. */
export interface Scenario {
  srv: TestServer;
  bad: Reporter;
  good: Reporter;
  low: Reporter;
  cards: { bad: VCard; good: VCard; low: VCard };
  /** Authorization ids by what they are. */
  auth: {
    badApproved: string;
    compromised: string;
    usd: string;
    jpy: string;
    forged: string;
    replay: string;
    unknown: string;
    lowLevel: string;
  };
  /** Every token PAN the scenario made, and the unknown one it tried: none may be shown. */
  pans: string[];
  /** The clock before the last phase (the low device's tap). */
  beforeLow: number;
}

/** Enrolls the reporter's device again at `level` (same platform key: the level is replaced). */
async function reenroll(app: FastifyInstance, r: Reporter, level: 'L0' | 'L1' | 'L2') {
  const ch = await post(app, '/v1/devices/challenge', {});
  r.ta.serverJwk = ch.body.serverSigningJwk;
  const attestation = await r.ta.attest(ch.body.nonce, { level });
  return post(app, '/v1/devices', { attestation, platformJwk: r.ta.platformJwk });
}

async function device(app: FastifyInstance): Promise<Reporter> {
  const r = await Reporter.create();
  const e = await r.enroll(app);
  assert.equal(e.status, 201, JSON.stringify(e.body));
  return r;
}

async function card(app: FastifyInstance, r: Reporter, fundingPan: string): Promise<VCard> {
  const p = await provisionV(app, r, fundingPan);
  assert.equal(p.status, 200, JSON.stringify(p.body));
  return p.card!;
}

/** A server on `db` (enrollment minimum L0, fraud engine minimum L1) with the scenario's data. */
export async function buildScenario(db: TestDb): Promise<Scenario> {
  const srv = await testServer(db, {
    logger: false,
    attestation: { allowedCodeHashes: [TA_CODE_SHA256], minimumLevel: 'L0' },
  });
  const app = srv.app;
  const expect = (r: { body: Json }, decision: string, reason: string) => {
    assert.equal(r.body.decision, decision, JSON.stringify(r.body));
    assert.equal(r.body.reason, reason, JSON.stringify(r.body));
    return r.body.authorizationId as string;
  };

  // bad: approved, then compromised and declined
  const bad = await device(app);
  const cBad = await card(app, bad, '4111111111111111');
  const badApproved = expect(
    await tapAt(app, cBad, 1250, '978', { merchantId: 'MERCH-BAKERY-01', terminalId: 'TERM-0042' }),
    'APPROVE',
    'APPROVED',
  );
  assert.equal((await bad.post(app, await bad.heartbeat())).status, 200);
  const rep = await bad.post(
    app,
    await bad.report([threat('DEBUGGER_ATTACHED', { tracerPid: 31337 }), threat('CONTAINER')]),
  );
  assert.equal(rep.body.risk.state, 'compromised');
  srv.clock.advance(1000);
  const compromised = expect(
    await tapAt(app, cBad, 990, '978', { merchantId: 'MERCH-ELECTRO-7', terminalId: 'TERM-0099' }),
    'DECLINE',
    'DEVICE_COMPROMISED',
  );

  // good: a posture finding in three scans, then clean; USD and JPY approved; forged; replayed
  const good = await device(app);
  for (let i = 0; i < 3; i++) {
    const r = await good.post(app, await good.report([threat('CONTAINER', { runtime: 'docker' })]));
    assert.equal(r.status, 200);
    srv.clock.advance(1000);
  }
  assert.equal((await good.post(app, await good.report([]))).body.risk.state, 'clean');
  const cGood = await card(app, good, '4012888888881881');
  const cafe = { merchantId: 'MERCH-CAFE-22', terminalId: 'TERM-7' };
  const usdTap = await tapAt(app, cGood, 350, '840', cafe);
  const usd = expect(usdTap, 'APPROVE', 'APPROVED');
  srv.clock.advance(1000);
  const jpy = expect(await tapAt(app, cGood, 1250, '392', cafe), 'APPROVE', 'APPROVED');
  const chip = chipV({ luk: cGood.luk, api: cGood.api, atc: 9, tx: { amount: 350 } });
  const forged = expect(
    await post(app, '/v1/authorizations', {
      idempotencyKey: idem(),
      tokenPan: cGood.tokenPan,
      chipData: alterCryptogram(chip.chipData),
      amount: 350,
      currency: '978',
      ...cafe,
    }),
    'DECLINE',
    'CRYPTOGRAM_INVALID',
  );
  const replay = expect(
    await post(app, '/v1/authorizations', { ...usdTap.request, idempotencyKey: idem() }),
    'DECLINE',
    'ATC_REPLAY',
  );
  const unknownPan = '4895370000009999';
  const unknown = expect(
    await post(app, '/v1/authorizations', {
      idempotencyKey: idem(),
      tokenPan: unknownPan,
      chipData: chip.chipData,
      amount: 350,
      currency: '978',
      merchantId: 'MERCH-CAFE-22',
    }),
    'DECLINE',
    'UNKNOWN_TOKEN',
  );

  // low: provisioned at L1, enrolled again at L0, never reports; its tap is refused for the level
  const low = await device(app);
  const cLow = await card(app, low, '4000056655665556');
  const again = await reenroll(app, low, 'L0');
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.equal(again.body.protectionLevel, 'L0');
  srv.clock.advance(60_000);
  const beforeLow = srv.clock.now();
  srv.clock.advance(1000);
  const lowLevel = expect(
    await tapAt(app, cLow, 2000, '978', { merchantId: 'MERCH-KIOSK-3', terminalId: 'TERM-0001' }),
    'DECLINE',
    'PROTECTION_LEVEL_TOO_LOW',
  );

  return {
    srv,
    bad,
    good,
    low,
    cards: { bad: cBad, good: cGood, low: cLow },
    auth: { badApproved, compromised, usd, jpy, forged, replay, unknown, lowLevel },
    pans: [cBad.tokenPan, cGood.tokenPan, cLow.tokenPan, unknownPan],
    beforeLow,
  };
}
