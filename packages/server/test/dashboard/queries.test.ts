/**
 * The dashboard's JSON routes on both adapters (docs/server-api.md "Dashboard"; docs/dashboard.md),
 * over the data of scenario.ts: authorizations with masked PANs, ISO 4217 alphabetic currencies,
 * merchant, terminal and device (storage migration 7, through the PostgreSQL commit function it
 * replaces), a sentence for every decline; the filters (device, card, decision, reason, time
 * range, free text: merchant, last four digits, masked PAN, a word of the explanation; LIKE's own
 * characters taken literally); threats aggregated per device and code; the never-reported state;
 * the device detail; the fraud engine's PROTECTION_LEVEL_TOO_LOW. Then the querystrings: a table of
 * bad values and fast-check garbage on every dashboard route: always a 400 `ERR_VALIDATION` (or
 * 404 for an unknown device), never a 5xx, never the input echoed, never a full PAN in an answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Json } from '../helpers/server.js';
import { adapters, type TestDb } from '../helpers/stores.js';
import { buildScenario, type Scenario } from './scenario.js';

const RUNS = Number(process.env.OPENVSE_FUZZ_RUNS ?? 60);
const MASKED = /^[0-9]{6}\*{6}[0-9]{4}$/;

for (const a of await adapters()) {
  describe(`dashboard queries (${a.name})`, { skip: a.skip, timeout: 120_000 }, () => {
    let db: TestDb;
    let sc: Scenario;

    before(async () => {
      db = await a.open();
      sc = await buildScenario(db);
    });
    after(async () => {
      await sc?.srv.close();
      await db?.cleanup();
    });

    const get = async (url: string) => {
      const r = await sc.srv.app.inject({ method: 'GET', url });
      return { status: r.statusCode, body: r.json() as Json, text: r.body };
    };
    const auths = async (q = '') => {
      const r = await get(`/v1/dashboard/authorizations${q}`);
      assert.equal(r.status, 200, r.text);
      return r.body as { authorizations: Json[]; declineReasons: Json[] };
    };
    const ids = (list: Json[]) => list.map((x) => x.id).sort();

    it('lists authorizations with masked PAN, currency code, merchant, terminal, device and why', async () => {
      const { authorizations: list } = await auths();
      assert.equal(list.length, 8);
      const byId = new Map(list.map((x) => [x.id, x]));
      const approved = byId.get(sc.auth.badApproved);
      assert.equal(
        approved.tokenPanMasked,
        `${sc.cards.bad.tokenPan.slice(0, 6)}******${sc.cards.bad.tokenPan.slice(-4)}`,
      );
      assert.match(approved.tokenPanMasked, MASKED);
      assert.equal(approved.amountText, '12.50 EUR');
      assert.equal(approved.currencyCode, 'EUR');
      assert.equal(approved.currency, '978');
      assert.equal(approved.merchantId, 'MERCH-BAKERY-01');
      assert.equal(approved.terminalId, 'TERM-0042');
      assert.equal(approved.deviceId, sc.bad.deviceId);
      assert.equal(approved.explanation, null);
      assert.equal(approved.risk.outcome, 'approve');
      assert.equal(byId.get(sc.auth.usd).amountText, '3.50 USD');
      assert.equal(byId.get(sc.auth.jpy).amountText, '1250 JPY');

      const compromised = byId.get(sc.auth.compromised);
      assert.equal(compromised.reason, 'DEVICE_COMPROMISED');
      assert.match(compromised.explanation, /V-Guard reported a threat/);
      assert.ok(
        compromised.risk.rules.some((r: Json) => r.rule === 'DEVICE_COMPROMISED' && r.weight === 100),
      );
      // declined before the fraud engine: a sentence each, no fraud decision
      assert.match(byId.get(sc.auth.forged).explanation, /^Cryptogram failure/);
      assert.equal(byId.get(sc.auth.forged).risk, null);
      assert.match(byId.get(sc.auth.replay).explanation, /^ATC replay/);
      const unknown = byId.get(sc.auth.unknown);
      assert.match(unknown.explanation, /^Unknown card/);
      assert.equal(unknown.cardId, null);
      assert.equal(unknown.tokenPanMasked, null);
      assert.equal(unknown.deviceId, null);
      assert.equal(unknown.merchantId, 'MERCH-CAFE-22');
      assert.equal(unknown.terminalId, null);
      // named after what fired: the level, not a compromise
      const low = byId.get(sc.auth.lowLevel);
      assert.equal(low.reason, 'PROTECTION_LEVEL_TOO_LOW');
      assert.match(low.explanation, /protection level is below the minimum/);
      assert.deepEqual(
        low.risk.rules.map((r: Json) => r.rule),
        ['PROTECTION_LEVEL_LOW'],
      );
    });

    it('never shows a full PAN in any dashboard answer', async () => {
      for (const url of [
        '/v1/dashboard/overview',
        '/v1/dashboard/devices',
        `/v1/dashboard/devices/${sc.good.deviceId}`,
        `/v1/dashboard/devices/${sc.bad.deviceId}`,
        `/v1/dashboard/devices/${sc.low.deviceId}`,
        '/v1/dashboard/authorizations',
        '/v1/dashboard/findings',
        '/v1/dashboard/threats',
        '/v1/dashboard/cards',
        '/v1/dashboard/decisions',
      ]) {
        const r = await get(url);
        assert.equal(r.status, 200, url);
        for (const pan of sc.pans) assert.ok(!r.text.includes(pan), `${url} holds a PAN`);
        for (const funding of ['4111111111111111', '4012888888881881', '4000056655665556'])
          assert.ok(!r.text.includes(funding), `${url} holds a funding PAN`);
      }
    });

    it('filters by device, card, decision, reason and time range', async () => {
      assert.deepEqual(
        ids((await auths(`?deviceId=${sc.bad.deviceId}`)).authorizations),
        [sc.auth.badApproved, sc.auth.compromised].sort(),
      );
      assert.deepEqual(
        ids((await auths(`?cardId=${sc.cards.good.cardId}&decision=APPROVE`)).authorizations),
        [sc.auth.usd, sc.auth.jpy].sort(),
      );
      const declined = await auths('?decision=DECLINE');
      assert.equal(declined.authorizations.length, 5);
      assert.ok(declined.authorizations.every((x) => x.decision === 'DECLINE'));
      assert.deepEqual(ids((await auths('?reason=ATC_REPLAY')).authorizations), [sc.auth.replay]);
      const late = await auths(`?from=${sc.beforeLow}`);
      assert.deepEqual(ids(late.authorizations), [sc.auth.lowLevel]);
      assert.deepEqual(
        late.declineReasons.map((r) => [r.reason, r.count]),
        [['PROTECTION_LEVEL_TOO_LOW', 1]],
      );
      assert.match(late.declineReasons[0].explanation, /protection level/);
      assert.equal((await auths(`?to=${sc.beforeLow}`)).authorizations.length, 7);
      assert.equal((await auths(`?from=${sc.beforeLow}&to=${sc.beforeLow}`)).authorizations.length, 0);
      // every decline of the last 24 h, with a sentence each, when no range is given
      const all = await auths();
      assert.equal(
        all.declineReasons.reduce((n, r) => n + r.count, 0),
        5,
      );
      assert.ok(all.declineReasons.every((r) => r.explanation.length > 20));
    });

    it('searches free text: merchant, terminal, last four, masked PAN, a word of the explanation', async () => {
      const q = async (text: string) => ids((await auths(`?q=${encodeURIComponent(text)}`)).authorizations);
      assert.deepEqual(await q('bakery'), [sc.auth.badApproved]);
      assert.deepEqual(await q('term-0099'), [sc.auth.compromised]);
      const good = [sc.auth.usd, sc.auth.jpy, sc.auth.forged, sc.auth.replay].sort();
      assert.deepEqual(await q(sc.cards.good.tokenPan.slice(-4)), good);
      const pan = sc.cards.good.tokenPan;
      assert.deepEqual(await q(`${pan.slice(0, 6)}******${pan.slice(-4)}`), good);
      assert.deepEqual(await q('ARQC'), [sc.auth.forged], 'a word of the CRYPTOGRAM_INVALID sentence');
      assert.deepEqual(await q('replay'), [sc.auth.replay]);
      assert.deepEqual(await q(sc.low.deviceId.slice(-8).toUpperCase()), [sc.auth.lowLevel]);
      // LIKE's own characters are literal (as wildcards these would match MERCH-CAFE-22)
      assert.deepEqual(await q('%'), []);
      assert.deepEqual(await q('MERCH%22'), []);
      assert.deepEqual(await q('MERCH_CAFE'), []);
      assert.deepEqual(await q('\\'), []);
      assert.equal((await q('merch-cafe')).length, 5);
      assert.equal((await q('   ')).length, 8, 'blank is no search');
    });

    it('aggregates repeated findings: one row per device and code with count, first and last seen', async () => {
      const r = await get('/v1/dashboard/findings');
      assert.equal(r.status, 200, r.text);
      const findings = r.body.findings as Json[];
      const container = findings.filter((f) => f.deviceId === sc.good.deviceId && f.code === 'CONTAINER');
      assert.equal(container.length, 1);
      assert.equal(container[0].count, 3);
      assert.ok(container[0].firstSeen < container[0].lastSeen);
      assert.deepEqual(container[0].evidence, { runtime: 'docker' });
      assert.equal(container[0].class, 'environment');
      const bad = findings.filter((f) => f.deviceId === sc.bad.deviceId).map((f) => [f.code, f.count]);
      assert.deepEqual(bad.sort(), [
        ['CONTAINER', 1],
        ['DEBUGGER_ATTACHED', 1],
      ]);
      const one = await get(`/v1/dashboard/findings?deviceId=${sc.good.deviceId}&q=contain`);
      assert.deepEqual(
        one.body.findings.map((f: Json) => f.count),
        [3],
      );
      // the raw feed still has every threat
      const raw = await get(`/v1/dashboard/threats?deviceId=${sc.good.deviceId}`);
      assert.equal(raw.body.threats.length, 3);
    });

    it('tells "never reported" from clean, and counts it', async () => {
      const r = await get('/v1/dashboard/devices');
      const state = new Map((r.body.devices as Json[]).map((d) => [d.deviceId, d.state]));
      assert.equal(state.get(sc.low.deviceId), 'never_reported');
      assert.equal(state.get(sc.good.deviceId), 'clean');
      assert.equal(state.get(sc.bad.deviceId), 'compromised');
      const o = (await get('/v1/dashboard/overview')).body;
      assert.deepEqual(o.devices, {
        total: 3,
        clean: 1,
        suspicious: 0,
        compromised: 1,
        silent: 0,
        neverReported: 1,
      });
      const never = (await get('/v1/dashboard/devices?state=never_reported')).body.devices as Json[];
      assert.deepEqual(
        never.map((d) => d.deviceId),
        [sc.low.deviceId],
      );
      const cards = (r.body.devices as Json[]).find((d) => d.deviceId === sc.good.deviceId).cards;
      assert.equal(cards.length, 1);
      assert.match(cards[0].tokenPanMasked, MASKED);
      const found = (await get(`/v1/dashboard/devices?q=${sc.bad.deviceId.slice(4, 10)}`)).body.devices;
      assert.deepEqual(
        found.map((d: Json) => d.deviceId),
        [sc.bad.deviceId],
      );
    });

    it("a device's detail: its state, cards, findings, authorizations and fraud decisions", async () => {
      const r = await get(`/v1/dashboard/devices/${sc.good.deviceId}`);
      assert.equal(r.status, 200, r.text);
      const d = r.body;
      assert.equal(d.device.state, 'clean');
      assert.deepEqual(
        d.cards.map((c: Json) => c.cardId),
        [sc.cards.good.cardId],
      );
      assert.match(d.cards[0].tokenPanMasked, MASKED);
      assert.deepEqual(
        d.findings.map((f: Json) => [f.code, f.count]),
        [['CONTAINER', 3]],
      );
      assert.deepEqual(
        ids(d.authorizations),
        [sc.auth.usd, sc.auth.jpy, sc.auth.forged, sc.auth.replay].sort(),
      );
      assert.ok(d.decisions.some((x: Json) => x.context === 'provision'));
      const low = (await get(`/v1/dashboard/devices/${sc.low.deviceId}`)).body;
      assert.equal(low.device.state, 'never_reported');
      assert.equal(low.device.protectionLevel, 'L0');
      assert.deepEqual(low.findings, []);
      assert.deepEqual(
        low.declineReasons.map((x: Json) => x.reason),
        ['PROTECTION_LEVEL_TOO_LOW'],
      );
      const dec = low.decisions.find((x: Json) => x.authorizationId === sc.auth.lowLevel);
      assert.equal(dec.reason, 'PROTECTION_LEVEL_TOO_LOW');
      assert.equal(dec.outcome, 'step_up');
      // the enrollment at L0 was scored too (recorded, not enforced), and named the same
      const byReason = await get('/v1/dashboard/decisions?reason=PROTECTION_LEVEL_TOO_LOW&outcome=step_up');
      assert.deepEqual(byReason.body.decisions.map((x: Json) => [x.context, x.authorizationId]).sort(), [
        ['authorization', sc.auth.lowLevel],
        ['enroll', null],
      ]);
      const missing = await get('/v1/dashboard/devices/dev-not-enrolled');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'ERR_DEVICE_NOT_FOUND');
    });

    it('refuses bad query values with 400 ERR_VALIDATION, never a 500', async () => {
      const pan = sc.cards.good.tokenPan;
      const bad = [
        '/v1/dashboard/authorizations?limit=ten',
        '/v1/dashboard/authorizations?limit=-1',
        '/v1/dashboard/authorizations?limit=1&limit=2',
        '/v1/dashboard/authorizations?decision=MAYBE',
        '/v1/dashboard/authorizations?reason=lower_case',
        '/v1/dashboard/authorizations?reason=',
        '/v1/dashboard/authorizations?from=yesterday',
        '/v1/dashboard/authorizations?from=1e12',
        '/v1/dashboard/authorizations?from=2000&to=1000',
        '/v1/dashboard/authorizations?to=9999999999999999',
        `/v1/dashboard/authorizations?q=${pan}`,
        `/v1/dashboard/authorizations?q=${pan.slice(0, 4)}%20${pan.slice(4, 8)}%20${pan.slice(8, 12)}%20${pan.slice(12)}`,
        `/v1/dashboard/authorizations?q=${'x'.repeat(65)}`,
        '/v1/dashboard/authorizations?q=',
        '/v1/dashboard/authorizations?q=%C3%A9t%C3%A9',
        '/v1/dashboard/authorizations?q=a%0Ab',
        '/v1/dashboard/authorizations?deviceId=%3Cscript%3E',
        '/v1/dashboard/authorizations?cardId=a%20b',
        '/v1/dashboard/authorizations?x=1',
        '/v1/dashboard/devices?state=fine',
        '/v1/dashboard/devices?q=%00',
        '/v1/dashboard/findings?from=1&to=0',
        '/v1/dashboard/threats?to=now',
        '/v1/dashboard/threats/timeline?minutes=999999',
        '/v1/dashboard/decisions?outcome=deny',
        '/v1/dashboard/cards?cardId=%25',
        '/v1/dashboard/overview?limit=5',
        `/v1/dashboard/devices/${sc.good.deviceId}?from=5&to=4`,
        '/v1/dashboard/devices/%3Cbad%3E',
      ];
      for (const url of bad) {
        const r = await get(url);
        assert.equal(r.status, 400, `${url} → ${r.status} ${r.text}`);
        assert.equal(r.body.error.code, 'ERR_VALIDATION', url);
        for (const p of sc.pans) assert.ok(!r.text.includes(p.slice(4)), `${url}: the PAN is echoed`);
      }
    });

    it('answers garbage querystrings on every dashboard route with 4xx, never a 5xx or an echo', async () => {
      const routes: [string, string[]][] = [
        ['/v1/dashboard/overview', []],
        ['/v1/dashboard/devices', ['limit', 'deviceId', 'state', 'q']],
        [`/v1/dashboard/devices/${sc.good.deviceId}`, ['limit', 'from', 'to']],
        ['/v1/dashboard/findings', ['limit', 'deviceId', 'from', 'to', 'q']],
        ['/v1/dashboard/threats', ['limit', 'deviceId', 'from', 'to', 'q']],
        ['/v1/dashboard/threats/timeline', ['minutes', 'buckets', 'deviceId']],
        [
          '/v1/dashboard/authorizations',
          ['limit', 'deviceId', 'cardId', 'decision', 'reason', 'from', 'to', 'q'],
        ],
        [
          '/v1/dashboard/decisions',
          ['limit', 'context', 'outcome', 'reason', 'authorizationId', 'deviceId', 'cardId'],
        ],
        ['/v1/dashboard/cards', ['limit', 'deviceId', 'cardId', 'q']],
      ];
      const MARK = 'zQmArK';
      const value = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.integer().map(String),
        fc.double().map(String),
        fc.constantFrom(
          '',
          ' ',
          '%',
          '_',
          '\\',
          "'",
          '"',
          '--',
          ';',
          'NULL',
          '0',
          '-0',
          '1e3',
          '999999999999999999',
        ),
        fc.stringMatching(/^[0-9]{12,19}$/),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...routes),
          fc.array(fc.tuple(fc.oneof(fc.constant('x'), fc.string({ maxLength: 8 })), value), {
            maxLength: 4,
          }),
          fc.array(fc.tuple(fc.nat(), value), { maxLength: 4 }),
          async ([path, names], extra, known) => {
            const p = new URLSearchParams();
            for (const [i, v] of known) if (names.length) p.append(names[i % names.length]!, `${MARK}${v}`);
            for (const [k, v] of extra) p.append(`${MARK}${k}`, v);
            const r = await sc.srv.app.inject({ method: 'GET', url: `${path}?${p}` });
            assert.ok(r.statusCode < 500, `${path}?${p} → ${r.statusCode} ${r.body}`);
            if (r.statusCode >= 400) {
              const body = r.json() as Json;
              assert.deepEqual(Object.keys(body), ['error']);
              assert.match(body.error.code, /^ERR_/);
              assert.ok(!r.body.includes(MARK), `echo: ${r.body}`);
            }
            for (const pan of sc.pans) assert.ok(!r.body.includes(pan));
          },
        ),
        { numRuns: RUNS * 3 },
      );
    });
  });
}
