/**
 * Threat intelligence on both adapters (docs/cbp-protocol.md §6, docs/fraud-engine.md): reports
 * and heartbeats signed by the V-OS platform key pinned at enrollment are accepted; a bad
 * signature, another device's key, a replayed or lower seq, a wrong header typ or payload typ,
 * another deviceId, an iat in the future or too old are refused with stable codes and nothing is
 * stored; seq gaps are recorded; a device whose heartbeat stops for 3 × heartbeatSeconds is
 * DEVICE_SILENT (manual clock); the reaction policy is queued as a signed `policy` message at
 * enrollment, when the verdict flips and when a new policy is set.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { STORE_TABLES, type StoreTable } from '../../src/storage/store.js';
import { post, type TestServer, testServer } from '../helpers/server.js';
import { adapters, type TestDb } from '../helpers/stores.js';
import { Reporter, threat } from './reporter.js';

for (const a of await adapters()) {
  describe(`threat ingestion (${a.name})`, { skip: a.skip }, () => {
    let db: TestDb;
    let srv: TestServer;

    before(async () => {
      db = await a.open();
      srv = await testServer(db);
    });
    after(async () => {
      await srv?.close();
      await db?.cleanup();
    });

    const counts = async () => {
      const out: Partial<Record<StoreTable, number>> = {};
      for (const t of STORE_TABLES) out[t] = await db.store.countRows(t);
      return out;
    };
    const enrolled = async () => {
      const r = await Reporter.create();
      const e = await r.enroll(srv.app);
      assert.equal(e.status, 201, JSON.stringify(e.body));
      return r;
    };
    const risk = async (r: Reporter) =>
      (await srv.app.inject({ method: 'GET', url: `/v1/devices/${r.deviceId}/risk` })).json();
    const messages = async (r: Reporter) =>
      (await srv.app.inject({ method: 'GET', url: `/v1/devices/${r.deviceId}/messages?after=0` })).json()
        .messages as { seq: number; typ: string; message: string }[];

    it('enrollment queues the reaction policy as a signed policy message', async () => {
      const r = await enrolled();
      const m = await messages(r);
      assert.equal(m.length, 1);
      assert.equal(m[0]!.typ, 'policy');
      const o = await r.ta.open(m[0]!.message);
      assert.equal(o.payload.typ, 'policy');
      assert.equal(o.payload.aud, r.deviceId);
      const p = o.payload.policy as Record<string, unknown>;
      assert.equal(p.version, 0);
      assert.equal(p.heartbeatSeconds, 60);
      assert.equal(p.blockPayments, false);
      assert.deepEqual((p.rules as unknown[])[0], { code: 'INSPECTOR_OPEN', reaction: 'block_payments' });
      assert.ok(
        (p.rules as { code: string; minSeverity?: string; reaction: string }[]).some(
          (x) => x.code === '*' && x.minSeverity === 'critical' && x.reaction === 'wipe_keys',
        ),
      );
    });

    it('accepts a good report: stores it, the device becomes compromised, a blocking policy is queued', async () => {
      const r = await enrolled();
      const before = await counts();
      const res = await r.post(srv.app, await r.report([threat('DEBUGGER_ATTACHED', { tracerPid: 4242 })]));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.seq, 1);
      assert.equal(res.body.gap, 0);
      assert.equal(res.body.risk.state, 'compromised');
      assert.deepEqual(
        res.body.risk.activeThreats.map((t: { code: string; reaction: string }) => [t.code, t.reaction]),
        [['DEBUGGER_ATTACHED', 'block_payments']],
      );
      const afterCounts = await counts();
      assert.equal(afterCounts.threat_reports, (before.threat_reports ?? 0) + 1);
      assert.equal(afterCounts.threats, (before.threats ?? 0) + 1);
      const stored = await db.store.listThreats({ deviceId: r.deviceId, limit: 10 });
      assert.equal(stored[0]!.code, 'DEBUGGER_ATTACHED');
      assert.deepEqual(JSON.parse(stored[0]!.evidence), { tracerPid: 4242 });
      // the verdict flipped: a policy message with blockPayments true is in the outbox
      assert.equal(typeof res.body.policyMessageSeq, 'number');
      const m = (await messages(r)).find((x) => x.seq === res.body.policyMessageSeq)!;
      const o = await r.ta.open(m.message);
      assert.equal((o.payload.policy as { blockPayments: boolean }).blockPayments, true);
      // a clean scan clears the active threats and unblocks
      const clean = await r.post(srv.app, await r.report([]));
      assert.equal(clean.status, 200);
      assert.equal(clean.body.risk.state, 'clean');
      const unblock = (await messages(r)).find((x) => x.seq === clean.body.policyMessageSeq)!;
      assert.equal(
        ((await r.ta.open(unblock.message)).payload.policy as { blockPayments: boolean }).blockPayments,
        false,
      );
      // an environment-only finding is reported, not blocking: suspicious
      const env = await r.post(srv.app, await r.report([threat('RUNNING_AS_ROOT')]));
      assert.equal(env.body.risk.state, 'suspicious');
      assert.equal(env.body.policyMessageSeq, null);
      assert.equal(env.body.risk.activeThreats[0].reaction, 'report');
    });

    it('refuses forged, foreign, replayed and malformed reports with stable codes, storing nothing', async () => {
      const r = await enrolled();
      const other = await enrolled();
      const ok = await r.post(srv.app, await r.report([threat('LD_PRELOAD')], 5));
      assert.equal(ok.status, 200);
      const now = Math.floor(srv.clock.now() / 1000);
      const base = {
        typ: 'threat-report',
        deviceId: r.deviceId,
        seq: 10,
        iat: now,
        stateCounter: '1',
        scan: { scanId: 'x', reason: 'periodic', startedAt: 'x', durationMs: 1, clean: true, threats: [] },
      };
      const good = await r.report([], 9);
      const [h, p, sig] = good.split('.');
      const flipped = `${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BB' : 'AA'}`;
      const tamperedPayload = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), seq: 99 }),
      ).toString('base64url');
      const cases: [string, string, number, string][] = [
        ['bad signature', `${h}.${p}.${flipped}`, 401, 'ERR_THREAT_REPORT_INVALID'],
        ['altered payload', `${h}.${tamperedPayload}.${sig}`, 401, 'ERR_THREAT_REPORT_INVALID'],
        [
          'another device key',
          await other.signRaw(base, { kid: r.identity.keyId }),
          401,
          'ERR_THREAT_REPORT_INVALID',
        ],
        ['another device report', await other.report([], 11), 401, 'ERR_THREAT_REPORT_INVALID'],
        ['replayed seq', await r.report([threat('LD_PRELOAD')], 5), 409, 'ERR_THREAT_REPORT_REPLAY'],
        ['lower seq', await r.report([], 3), 409, 'ERR_THREAT_REPORT_REPLAY'],
        ['wrong header typ', await r.signRaw(base, { typ: 'JWT' }), 401, 'ERR_THREAT_REPORT_INVALID'],
        ['wrong payload typ', await r.signRaw({ ...base, typ: 'status' }), 401, 'ERR_THREAT_REPORT_INVALID'],
        ['wrong kid', await r.signRaw(base, { kid: 'x' }), 401, 'ERR_THREAT_REPORT_INVALID'],
        [
          'deviceId mismatch',
          await r.signRaw({ ...base, deviceId: other.deviceId }),
          401,
          'ERR_THREAT_REPORT_INVALID',
        ],
        [
          'iat in the future',
          await r.signRaw({ ...base, iat: now + 3600 }),
          401,
          'ERR_THREAT_REPORT_INVALID',
        ],
        ['iat too old', await r.signRaw({ ...base, iat: now - 8 * 86400 }), 401, 'ERR_THREAT_REPORT_INVALID'],
        ['seq zero', await r.signRaw({ ...base, seq: 0 }), 401, 'ERR_THREAT_REPORT_INVALID'],
        ['no scan', await r.signRaw({ ...base, scan: undefined }), 401, 'ERR_THREAT_REPORT_INVALID'],
        [
          'bad severity',
          await r.signRaw({
            ...base,
            scan: { ...base.scan, threats: [{ ...threat('LD_PRELOAD'), severity: 'fatal' }] },
          }),
          401,
          'ERR_THREAT_REPORT_INVALID',
        ],
        ['not a JWS', 'not.a.jws', 401, 'ERR_THREAT_REPORT_INVALID'],
      ];
      const before = await counts();
      for (const [what, report, status, code] of cases) {
        const res = await r.post(srv.app, report);
        assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, code, what);
      }
      // schema refusals
      const extra = await post(srv.app, `/v1/devices/${r.deviceId}/threats`, { report: good, more: 1 });
      assert.equal(extra.status, 400);
      assert.equal(extra.body.error.code, 'ERR_VALIDATION');
      const unknown = await post(srv.app, '/v1/devices/dev-unknown/threats', { report: good });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'ERR_DEVICE_NOT_FOUND');
      assert.deepEqual(await counts(), before, 'nothing stored for refused reports');
      assert.equal((await risk(r)).lastReportSeq, 5);
    });

    it('records seq gaps (reports that never arrived)', async () => {
      const r = await enrolled();
      assert.equal((await r.post(srv.app, await r.heartbeat(1))).body.gap, 0);
      const g = await r.post(srv.app, await r.report([], 4));
      assert.equal(g.status, 200);
      assert.equal(g.body.gap, 2);
      const g2 = await r.post(srv.app, await r.heartbeat(10));
      assert.equal(g2.body.gap, 5);
      const v = await risk(r);
      assert.equal(v.seqGaps, 7);
      assert.equal(v.reports, 3);
      assert.equal(v.lastReportSeq, 10);
    });

    it('heartbeats: the heartbeat route takes only heartbeats; silence for 3 × heartbeatSeconds → DEVICE_SILENT', async () => {
      const r = await enrolled();
      const fresh = await risk(r);
      assert.equal(fresh.silent, false, 'a device that never reported is not silent');
      assert.equal(fresh.state, 'clean');
      const hb = await r.post(srv.app, await r.heartbeat(), 'heartbeat');
      assert.equal(hb.status, 200, JSON.stringify(hb.body));
      assert.equal(hb.body.typ, 'heartbeat');
      assert.equal(hb.body.risk.lastHeartbeatAt, srv.clock.now());
      const wrong = await r.post(srv.app, await r.report([]), 'heartbeat');
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.code, 'ERR_THREAT_REPORT_INVALID');
      const start = srv.clock.now();
      try {
        srv.clock.advance(180_000);
        assert.equal((await risk(r)).silent, false, 'exactly 3 × 60 s is not yet silent');
        srv.clock.advance(1);
        const silent = await risk(r);
        assert.equal(silent.silent, true);
        assert.equal(silent.state, 'suspicious');
        // the fraud engine sees it as a signal of its own
        const facts = await srv.app.services.fraud!.deviceFacts(
          (await db.store.getDevice(r.deviceId))!,
          srv.clock.now(),
        );
        assert.equal(facts.view.silent, true);
        // a heartbeat (sent now, seq going on) ends the silence
        const back = await r.post(srv.app, await r.heartbeat(), 'heartbeat');
        assert.equal(back.status, 200);
        assert.equal(back.body.risk.silent, false);
      } finally {
        srv.clock.set(start);
      }
    });

    it('POST /v1/policy stores a new version, queues it to every device, and new reports use it', async () => {
      const r = await enrolled();
      const devices = (await db.store.listDevices(1000)).length;
      const bad = await post(srv.app, '/v1/policy', {
        policy: { rules: [{ code: '*', reaction: 'explode' }] },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'ERR_VALIDATION');
      const set = await post(srv.app, '/v1/policy', {
        policy: {
          heartbeatSeconds: 30,
          rules: [
            { code: 'RUNNING_AS_ROOT', reaction: 'stop_app' },
            { code: '*', minSeverity: 'high', reaction: 'block_payments' },
            { code: '*', reaction: 'report' },
          ],
        },
      });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.equal(set.body.policy.version, 1);
      assert.equal(set.body.queued, devices);
      const got = (await srv.app.inject({ method: 'GET', url: '/v1/policy' })).json();
      assert.deepEqual(got, set.body.policy);
      const m = (await messages(r)).filter((x) => x.typ === 'policy').at(-1)!;
      const o = await r.ta.open(m.message);
      assert.equal((o.payload.policy as { version: number }).version, 1);
      assert.equal((o.payload.policy as { heartbeatSeconds: number }).heartbeatSeconds, 30);
      const res = await r.post(srv.app, await r.report([threat('RUNNING_AS_ROOT')]));
      assert.equal(res.body.risk.activeThreats[0].reaction, 'stop_app');
      assert.equal(res.body.risk.state, 'compromised');
      // put the default back for the other tests
      const reset = await post(srv.app, '/v1/policy', {
        policy: {
          heartbeatSeconds: 60,
          rules: [
            ...[
              'INSPECTOR_OPEN',
              'DEBUGGER_ATTACHED',
              'LD_PRELOAD',
              'BUILTIN_REPLACED',
              'APP_FILE_MODIFIED',
            ].map((code) => ({ code, reaction: 'block_payments' })),
            { code: '*', minSeverity: 'critical', reaction: 'wipe_keys' },
            { code: '*', minSeverity: 'high', reaction: 'block_payments' },
            { code: '*', reaction: 'report' },
          ],
        },
      });
      assert.equal(reset.body.policy.version, 2);
    });
  });
}
