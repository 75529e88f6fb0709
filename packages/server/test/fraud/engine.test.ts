/**
 * The fraud engine through the server on both adapters (docs/fraud-engine.md): a compromised
 * device's authorization is declined DEVICE_COMPROMISED and the stored decision lists the rules
 * that fired with their weights and evidence; honest ATC gaps approve, a jump declines; recent
 * cryptogram failures, velocity and amount decline RISK_DECLINE; provisioning attempts per device
 * step up then decline; a silent device is a signal at provisioning; replenishment of a
 * compromised device is declined; a device silent past the silence window (configurable) has its
 * taps declined DEVICE_SILENT until it reports again. Real cryptograms (packages/emv), real
 * V-OS-signed reports.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FraudConfigInput } from '../../src/fraud/config.js';
import { alterCryptogram, chipV } from '../helpers/card.js';
import { digitize, type Json, post, type TestServer, testServer } from '../helpers/server.js';
import { adapters, type TestDb } from '../helpers/stores.js';
import { Reporter, threat } from '../threats/reporter.js';
import { idem, provisionV, tap } from './wallet.js';

for (const a of await adapters()) {
  describe(`fraud engine (${a.name})`, { skip: a.skip }, () => {
    let db: TestDb;
    let srv: TestServer;

    before(async () => {
      db = await a.open();
      srv = await testServer(db, {
        fraud: {
          velocity: { perMinute: 5, perHour: 100 },
          amount: { limit: 50_000 },
          provisioning: { perDevice: 3, perDeviceBurst: 5 },
        },
      });
    });
    after(async () => {
      await srv?.close();
      await db?.cleanup();
    });

    const device = async () => {
      const r = await Reporter.create();
      assert.equal((await r.enroll(srv.app)).status, 201);
      return r;
    };
    const card = async (r: Reporter) => {
      const p = await provisionV(srv.app, r);
      assert.equal(p.status, 200, JSON.stringify(p.body));
      return p.card!;
    };
    const decisionsFor = async (q: string): Promise<Json[]> =>
      (await srv.app.inject({ method: 'GET', url: `/v1/dashboard/decisions?${q}` })).json().decisions;

    it("a compromised device's authorization is declined DEVICE_COMPROMISED with the rules stored", async () => {
      const r = await device();
      const c = await card(r);
      const ok = await tap(srv.app, c, 1200);
      assert.equal(ok.body.decision, 'APPROVE', JSON.stringify(ok.body));
      const approved = await decisionsFor(`authorizationId=${ok.body.authorizationId}`);
      assert.equal(approved.length, 1);
      assert.equal(approved[0].outcome, 'approve');
      assert.deepEqual(approved[0].rules, []);

      const rep = await r.post(srv.app, await r.report([threat('DEBUGGER_ATTACHED', { tracerPid: 31337 })]));
      assert.equal(rep.body.risk.state, 'compromised');
      const d = await tap(srv.app, c, 1200);
      assert.equal(d.status, 200);
      assert.equal(d.body.decision, 'DECLINE');
      assert.equal(d.body.reason, 'DEVICE_COMPROMISED');
      assert.equal(d.body.responseCode, '05');
      assert.deepEqual(d.body.reasons, ['DEVICE_COMPROMISED', 'DEVICE_THREAT_CRITICAL']);
      const [dec] = await decisionsFor(`authorizationId=${d.body.authorizationId}`);
      assert.equal(dec.context, 'authorization');
      assert.equal(dec.outcome, 'decline');
      assert.equal(dec.reason, 'DEVICE_COMPROMISED');
      assert.equal(dec.deviceId, r.deviceId);
      assert.equal(dec.cardId, c.cardId);
      assert.deepEqual(
        dec.rules.map((x: Json) => [x.rule, x.typology, x.weight]),
        [
          ['DEVICE_COMPROMISED', 'device_threats', 100],
          ['DEVICE_THREAT_CRITICAL', 'device_threats', 60],
        ],
      );
      assert.equal(dec.rules[0].evidence.codes, 'DEBUGGER_ATTACHED');
      assert.equal(dec.score, 160);
      // also in the store, as the adapter returns it
      const stored = await db.store.listRiskDecisions({ authorizationId: d.body.authorizationId, limit: 5 });
      assert.deepEqual(stored[0]!.rules, dec.rules);

      // provisioning another card to it and replenishing are declined too
      const other = await digitize(srv.app, { profile: 'V' });
      const p = await post(srv.app, `/v1/devices/${r.deviceId}/cards/${other.body.cardId}/provision`, {
        activationCode: other.body.activation.code,
      });
      assert.equal(p.status, 403);
      assert.equal(p.body.error.code, 'ERR_RISK_DECLINED');
      assert.match(p.body.error.message, /DEVICE_COMPROMISED/);
      const dev = (await db.store.getDevice(r.deviceId))!;
      const rep2 = await srv.app.services.fraud!.assessReplenishment(
        dev,
        (await db.store.getCard(c.cardId))!,
      );
      assert.equal(rep2.outcome, 'decline');
      assert.equal(rep2.reason, 'DEVICE_COMPROMISED');

      // a clean scan: payments resume, but the recent compromise is still remembered
      await r.post(srv.app, await r.report([]));
      const again = await tap(srv.app, c, 1200);
      assert.equal(again.body.decision, 'APPROVE', JSON.stringify(again.body));
      const [dec3] = await decisionsFor(`authorizationId=${again.body.authorizationId}`);
      assert.deepEqual(
        dec3.rules.map((x: Json) => x.rule),
        ['DEVICE_RECENT_COMPROMISE'],
      );
    });

    it('assessed without prefetched facts, an authorization gets the same decision (the store reads them)', async () => {
      const r = await device();
      const c = await card(r);
      for (let i = 0; i < 3; i++) assert.equal((await tap(srv.app, c, 700)).body.decision, 'APPROVE');
      await r.post(srv.app, await r.report([threat('DEBUGGER_ATTACHED')]));
      const s = srv.app.services;
      const now = s.clock.now();
      const stored = (await s.store.getCard(c.cardId))!;
      const ctx = {
        authorizationId: 'x-facts',
        cardId: c.cardId,
        profile: 'V' as const,
        cardType: 'cloud' as const,
        deviceId: stored.deviceId,
        cvnProfile: 'openvse-v',
        atc: 9,
        highestAtc: 3,
        amount: 700,
        currency: '978',
        now,
      };
      const facts = await s.store.authorizationFacts({
        idempotencyKey: 'x-facts-key',
        cardId: c.cardId,
        atc: 9,
        risk: s.fraud!.factsQuery(now),
      });
      const withFacts = await s.fraud!.assessAuthorization({ ...ctx, facts: facts.risk! });
      const without = await s.fraud!.assessAuthorization(ctx);
      assert.deepEqual(without, withFacts);
      assert.equal(without.reason, 'DEVICE_COMPROMISED');
      assert.ok(without.rules.some((x) => x.rule === 'DEVICE_COMPROMISED'));
    });

    it('honest ATC gaps within the tolerance approve; a jump declines RISK_DECLINE', async () => {
      const r = await device();
      const c = await card(r);
      for (const atc of [1, 4, 9, 20]) {
        const t = await tap(srv.app, c, 500, atc);
        assert.equal(t.body.decision, 'APPROVE', `ATC ${atc}: ${JSON.stringify(t.body)}`);
      }
      const j = await tap(srv.app, c, 500, 20 + 150);
      assert.equal(j.body.decision, 'DECLINE');
      assert.equal(j.body.reason, 'RISK_DECLINE');
      assert.deepEqual(j.body.reasons, ['RISK_DECLINE', 'RISK_STEP_UP', 'ATC_JUMP']);
      const [dec] = await decisionsFor(`authorizationId=${j.body.authorizationId}`);
      assert.equal(dec.outcome, 'step_up');
      assert.equal(dec.rules[0].evidence.gap, 149);
    });

    it('recent cryptogram failures on the card decline the next genuine tap', async () => {
      const r = await device();
      const c = await card(r);
      for (let i = 1; i <= 5; i++) {
        const chip = chipV({ luk: c.luk, api: c.api, atc: i, tx: { amount: 700 } });
        const f = await post(srv.app, '/v1/authorizations', {
          idempotencyKey: idem(),
          tokenPan: c.tokenPan,
          chipData: alterCryptogram(chip.chipData),
          amount: 700,
          currency: '978',
        });
        assert.equal(f.body.reason, 'CRYPTOGRAM_INVALID');
      }
      const t = await tap(srv.app, c, 700, 1);
      assert.equal(t.body.decision, 'DECLINE');
      assert.equal(t.body.reason, 'RISK_DECLINE');
      assert.ok(t.body.reasons.includes('CRYPTOGRAM_FAILURES'));
    });

    it('velocity: the sixth tap within a minute declines, a minute later it approves', async () => {
      const r = await device();
      const c = await card(r);
      for (let i = 0; i < 5; i++) assert.equal((await tap(srv.app, c, 300)).body.decision, 'APPROVE');
      const v = await tap(srv.app, c, 300);
      assert.equal(v.body.decision, 'DECLINE');
      assert.ok(v.body.reasons.includes('VELOCITY_MINUTE'));
      srv.clock.advance(61_000);
      assert.equal((await tap(srv.app, c, 300)).body.decision, 'APPROVE');
    });

    it('amount above the limit declines RISK_DECLINE', async () => {
      const r = await device();
      const c = await card(r);
      const t = await tap(srv.app, c, 60_000);
      assert.equal(t.body.decision, 'DECLINE');
      assert.equal(t.body.reason, 'RISK_DECLINE');
      assert.ok(t.body.reasons.includes('AMOUNT_ABOVE_LIMIT'));
    });

    it('provisioning attempts per device: step-up, then decline, every attempt recorded', async () => {
      const r = await device();
      const answers: string[] = [];
      for (let i = 0; i < 6; i++) {
        const d = await digitize(srv.app, { profile: 'V' });
        const p = await post(srv.app, `/v1/devices/${r.deviceId}/cards/${d.body.cardId}/provision`, {
          activationCode: d.body.activation.code,
        });
        answers.push(p.status === 200 ? 'ok' : p.body.error.code);
      }
      assert.deepEqual(answers, [
        'ok',
        'ok',
        'ok',
        'ERR_RISK_STEP_UP',
        'ERR_RISK_STEP_UP',
        'ERR_RISK_DECLINED',
      ]);
      const decisions = await decisionsFor(`context=provision&deviceId=${r.deviceId}`);
      assert.equal(decisions.length, 6);
      assert.deepEqual(decisions.map((x: Json) => x.outcome).sort(), [
        'approve',
        'approve',
        'approve',
        'decline',
        'step_up',
        'step_up',
      ]);
      const last = decisions.find((x: Json) => x.outcome === 'decline');
      assert.equal(last.rules[0].rule, 'PROVISION_BURST_DEVICE');
      assert.equal(last.rules[0].evidence.previousAttempts, 5);
      // a step-up/decline binds nothing
      assert.equal((await db.store.listCards(1000)).filter((x) => x.deviceId === r.deviceId).length, 3);
    });

    it('a silent device is a signal of its own at provisioning', async () => {
      const r = await device();
      assert.equal((await r.post(srv.app, await r.heartbeat(), 'heartbeat')).status, 200);
      srv.clock.advance(3 * 60_000 + 1);
      const p = await provisionV(srv.app, r);
      assert.equal(p.status, 200, 'DEVICE_SILENT alone does not step up');
      const [dec] = await decisionsFor(`context=provision&deviceId=${r.deviceId}`);
      assert.deepEqual(
        dec.rules.map((x: Json) => x.rule),
        ['DEVICE_SILENT'],
      );
      assert.equal(dec.outcome, 'approve');
    });

    it('a device silent past the window has its taps declined DEVICE_SILENT; reporting again approves', async () => {
      const r = await device();
      const c = await card(r);
      assert.equal((await r.post(srv.app, await r.heartbeat(), 'heartbeat')).status, 200);
      assert.equal((await tap(srv.app, c, 800)).body.decision, 'APPROVE');
      // exactly the window (3 × heartbeatSeconds of the default policy): not silent yet
      srv.clock.advance(3 * 60_000);
      const edge = await tap(srv.app, c, 800);
      assert.equal(edge.body.decision, 'APPROVE', JSON.stringify(edge.body));
      srv.clock.advance(1);
      const d = await tap(srv.app, c, 800);
      assert.equal(d.status, 200);
      assert.equal(d.body.decision, 'DECLINE', 'DEVICE_SILENT weighs 30, under step-up: declined anyway');
      assert.equal(d.body.reason, 'DEVICE_SILENT');
      assert.equal(d.body.responseCode, '05');
      assert.deepEqual(d.body.reasons, ['DEVICE_SILENT']);
      const [dec] = await decisionsFor(`authorizationId=${d.body.authorizationId}`);
      assert.equal(dec.outcome, 'decline');
      assert.equal(dec.reason, 'DEVICE_SILENT');
      assert.deepEqual(
        dec.rules.map((x: Json) => [x.rule, x.weight]),
        [['DEVICE_SILENT', 30]],
      );
      assert.equal(dec.rules[0].evidence.windowSeconds, 180);
      assert.equal(dec.rules[0].evidence.silentForSeconds, 180);
      // still silent an hour later; then a heartbeat (or a report) ends it
      srv.clock.advance(3600_000);
      assert.equal((await tap(srv.app, c, 800)).body.reason, 'DEVICE_SILENT');
      assert.equal((await r.post(srv.app, await r.heartbeat(), 'heartbeat')).status, 200);
      const back = await tap(srv.app, c, 800);
      assert.equal(back.body.decision, 'APPROVE', JSON.stringify(back.body));
      srv.clock.advance(3 * 60_000 + 1);
      assert.equal((await tap(srv.app, c, 800)).body.reason, 'DEVICE_SILENT');
      assert.equal((await r.post(srv.app, await r.report([]))).status, 200);
      assert.equal((await tap(srv.app, c, 800)).body.decision, 'APPROVE');
      // compromised, then silent: the compromise names the decline
      await r.post(srv.app, await r.report([threat('DEBUGGER_ATTACHED', { tracerPid: 1 })]));
      srv.clock.advance(3 * 60_000 + 1);
      const both = await tap(srv.app, c, 800);
      assert.equal(both.body.reason, 'DEVICE_COMPROMISED');
      assert.deepEqual(both.body.reasons, ['DEVICE_COMPROMISED', 'DEVICE_THREAT_CRITICAL', 'DEVICE_SILENT']);
    });
  });
}

describe('fraud engine: the silence window is configurable', () => {
  const run = async (fraud: FraudConfigInput) => {
    const [sqlite] = await adapters();
    const db = await sqlite!.open();
    const srv = await testServer(db, { fraud });
    try {
      const r = await Reporter.create();
      assert.equal((await r.enroll(srv.app)).status, 201);
      const p = await provisionV(srv.app, r);
      assert.equal(p.status, 200, JSON.stringify(p.body));
      await r.post(srv.app, await r.heartbeat(), 'heartbeat');
      const at = async (ms: number) => {
        srv.clock.advance(ms);
        return (await tap(srv.app, p.card!, 800)).body.reason as string;
      };
      return [await at(60_001), await at(3 * 60_000), await at(3600_000)];
    } finally {
      await srv.close();
      await db.cleanup();
    }
  };

  it('a number of seconds: declined past it, the weighted rule alone approves before', async () => {
    assert.deepEqual(await run({ silence: { declineAfterSeconds: 60 } }), [
      'DEVICE_SILENT',
      'DEVICE_SILENT',
      'DEVICE_SILENT',
    ]);
    assert.deepEqual(await run({ silence: { declineAfterSeconds: 1800 } }), [
      'APPROVED',
      'APPROVED',
      'DEVICE_SILENT',
    ]);
  });

  it('false: silence is only the weighted DEVICE_SILENT rule', async () => {
    assert.deepEqual(await run({ silence: { declineAfterSeconds: false } }), [
      'APPROVED',
      'APPROVED',
      'APPROVED',
    ]);
  });
});
