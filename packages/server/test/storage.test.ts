/**
 * One storage suite, run on both adapters (docs/design.md "Storage and scale"): migrations, the
 * constraints the authorization path relies on (UNIQUE(card, atc) under concurrent inserts,
 * idempotency keys, single-use SUKs, LUK thresholds), outbox sequence numbers, nonces, the
 * monotonic state counter, and atomicity of commitAuthorization.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LukRow } from '../src/domain/cards.js';
import { type DeviceRow, padCounter } from '../src/domain/devices.js';
import { MIGRATIONS } from '../src/storage/migrations.js';
import { STORE_TABLES, type Store } from '../src/storage/store.js';
import { authorizationPlan, cardRow, ROW_TIME } from './helpers/rows.js';
import { adapters, type TestDb } from './helpers/stores.js';

const NOW = ROW_TIME;
const card = cardRow;
const plan = authorizationPlan;

function device(id: string): DeviceRow {
  return {
    deviceId: id,
    platformJwk: '{}',
    platformKid: 'pk',
    taEncJwk: '{}',
    taEncKid: 'ek',
    taSigJwk: '{}',
    taSigKid: 'sk',
    taCodeSha256: 'ab'.repeat(32),
    protectionLevel: 'L1',
    lastStateCounter: padCounter('5'),
    lastSeq: 0,
    enrolledAt: NOW,
  };
}

for (const a of await adapters()) {
  describe(`storage suite (${a.name})`, { skip: a.skip }, () => {
    let t: TestDb;
    let store: Store;
    before(async () => {
      t = await a.open();
      store = t.store;
    });
    after(async () => {
      await t?.cleanup();
    });

    it('applies the migrations once and records them in schema_migrations', async () => {
      assert.equal(await store.schemaVersion(), MIGRATIONS.at(-1)!.version);
      assert.equal(await store.migrate(), 0, 'second migrate applies nothing');
      assert.equal(await store.countRows('schema_migrations'), MIGRATIONS.length);
      for (const table of STORE_TABLES) assert.equal(typeof (await store.countRows(table)), 'number', table);
      const other = await t.openAnother();
      assert.equal(await other.schemaVersion(), MIGRATIONS.at(-1)!.version);
    });

    it('stores keys by (name, version) and returns the latest version', async () => {
      const k = {
        name: 'K',
        version: 1,
        kind: 'tdes',
        kcv: 'AAAAAA',
        wrapped: 'v1.a.b.c',
        publicJwk: null,
        createdAt: NOW,
      };
      assert.equal(await store.insertKey(k), true);
      assert.equal(await store.insertKey(k), false, 'same (name, version) refused');
      assert.equal(await store.insertKey({ ...k, version: 2, kcv: 'BBBBBB' }), true);
      assert.equal((await store.getKey('K'))?.kcv, 'BBBBBB');
      assert.equal(await store.getKey('none'), undefined);
    });

    it('cards: unique token PAN, lookups, status changes, DELETED is final', async () => {
      const c = card('card-a');
      assert.equal(await store.insertCard(c), true);
      assert.equal(
        await store.insertCard({ ...card('card-b'), tokenPan: c.tokenPan }),
        false,
        'token PAN is unique',
      );
      assert.deepEqual(await store.getCard('card-a'), c);
      assert.equal((await store.getCardByTokenPan(c.tokenPan))?.cardId, 'card-a');
      assert.equal((await store.getCardsByFundingHash('h-card-a')).length, 1);
      assert.equal((await store.setCardStatus('card-a', 'SUSPENDED', NOW + 1))?.status, 'SUSPENDED');
      assert.equal((await store.setCardStatus('card-a', 'DELETED', NOW + 2))?.status, 'DELETED');
      assert.equal(
        await store.setCardStatus('card-a', 'ACTIVE', NOW + 3),
        undefined,
        'DELETED stays DELETED',
      );
    });

    it('binds a card to one device only', async () => {
      await store.insertDevice(device('dev-bind-1'));
      await store.insertDevice(device('dev-bind-2'));
      await store.insertCard(card('card-bind'));
      assert.equal(await store.bindCardDevice('card-bind', 'dev-bind-1', NOW), true);
      assert.equal(
        await store.bindCardDevice('card-bind', 'dev-bind-1', NOW),
        true,
        'same device again is fine',
      );
      assert.equal(await store.bindCardDevice('card-bind', 'dev-bind-2', NOW), false);
    });

    it('nonces are single use and expire', async () => {
      assert.equal(await store.insertNonce('n1', 'challenge', NOW, NOW + 1000), true);
      assert.equal(await store.insertNonce('n1', 'challenge', NOW, NOW + 1000), false);
      assert.equal(await store.consumeNonce('n1', 'other', NOW), false, 'kind must match');
      assert.equal(await store.consumeNonce('n1', 'challenge', NOW + 1), true);
      assert.equal(await store.consumeNonce('n1', 'challenge', NOW + 2), false, 'second use refused');
      await store.insertNonce('n2', 'challenge', NOW, NOW + 1000);
      assert.equal(await store.consumeNonce('n2', 'challenge', NOW + 1000), false, 'expired');
      await store.insertNonce('n3', 'challenge', NOW, NOW + 10);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => store.consumeNonce('n3', 'challenge', NOW)),
      );
      assert.equal(results.filter(Boolean).length, 1, 'concurrent consumers: exactly one wins');
      assert.ok((await store.purgeNonces(NOW + 5000)) >= 2);
    });

    it('the state counter never goes backwards (u64 text order)', async () => {
      await store.insertDevice(device('dev-sc'));
      assert.equal(await store.advanceStateCounter('dev-sc', padCounter('5')), true, 'equal is accepted');
      assert.equal(await store.advanceStateCounter('dev-sc', padCounter('6')), true);
      assert.equal(await store.advanceStateCounter('dev-sc', padCounter('4')), false);
      assert.equal(await store.advanceStateCounter('dev-sc', padCounter('18446744073709551615')), true);
      assert.equal(await store.advanceStateCounter('dev-sc', padCounter('9999999999999999999')), false);
      assert.equal((await store.getDevice('dev-sc'))?.lastStateCounter, '18446744073709551615');
    });

    it('outbox sequence numbers are allocated in the database, strictly increasing, unique', async () => {
      await store.insertDevice(device('dev-seq'));
      const other = await t.openAnother();
      const seqs = await Promise.all(
        Array.from({ length: 30 }, (_, i) => (i % 2 ? store : other).allocateSeq('dev-seq')),
      );
      assert.deepEqual(
        [...seqs].sort((x, y) => x - y),
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      for (const s of [3, 1, 2])
        await store.insertMessage({
          deviceId: 'dev-seq',
          seq: s,
          typ: 'lifecycle',
          cardId: null,
          message: `m${s}`,
          createdAt: NOW,
          expiresAt: NOW + 1,
        });
      await assert.rejects(
        store.insertMessage({
          deviceId: 'dev-seq',
          seq: 2,
          typ: 'lifecycle',
          cardId: null,
          message: 'dup',
          createdAt: NOW,
          expiresAt: NOW,
        }),
      );
      assert.deepEqual(
        (await store.listMessages('dev-seq', 1, 10)).map((m) => m.seq),
        [2, 3],
      );
      assert.deepEqual(
        (await store.listMessages('dev-seq', 0, 2)).map((m) => m.message),
        ['m1', 'm2'],
      );
      assert.equal(await store.allocateSeq('dev-seq'), 31);
    });

    it('allocates profile M ATCs in disjoint ranges', async () => {
      await store.insertCard(card('card-atc', { profile: 'M' }));
      const firsts = await Promise.all(Array.from({ length: 10 }, () => store.allocateAtcs('card-atc', 5)));
      assert.deepEqual(
        [...firsts].sort((x, y) => x - y),
        Array.from({ length: 10 }, (_, i) => 1 + 5 * i),
      );
    });

    it('UNIQUE(card, atc): concurrent authorizations of one ATC store exactly one', async () => {
      await store.insertCard(card('card-race'));
      const other = await t.openAnother();
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          (i % 2 ? store : other).commitAuthorization(plan('card-race', 7)),
        ),
      );
      assert.equal(results.filter((r) => r.kind === 'stored').length, 1);
      assert.equal(results.filter((r) => r.kind === 'atc-replay').length, 23);
      assert.equal(await store.ledgerHas('card-race', 7), true);
      assert.equal(await store.highestAtc('card-race'), 7);
      // The losers' authorization rows were rolled back with their ledger rows.
      const before = await store.countRows('authorizations');
      assert.equal((await store.commitAuthorization(plan('card-race', 7))).kind, 'atc-replay');
      assert.equal(await store.countRows('authorizations'), before, 'nothing stored on atc-replay');
      // A decline without a ledger row is stored.
      assert.equal(
        (await store.commitAuthorization(plan('card-race', 7, { ledger: undefined }))).kind,
        'stored',
      );
      assert.equal(await store.countRows('authorizations'), before + 1);
    });

    it('the mobile PIN try counter: counted with the decision, reset by a verified PIN and by resume', async () => {
      await store.insertCard(card('card-pin', { mobilePinEnc: 'v1.p.i.n' }));
      const wrong = { mobilePin: { cardId: 'card-pin', outcome: 'wrong' as const } };
      for (let atc = 1; atc <= 3; atc++)
        assert.equal((await store.commitAuthorization(plan('card-pin', atc, wrong))).kind, 'stored');
      assert.equal((await store.getCard('card-pin'))?.mobilePinFailures, 3);
      // A commit that a guard refuses counts nothing: the count is in the same transaction.
      assert.equal((await store.commitAuthorization(plan('card-pin', 3, wrong))).kind, 'atc-replay');
      assert.equal((await store.getCard('card-pin'))?.mobilePinFailures, 3);
      const verified = { mobilePin: { cardId: 'card-pin', outcome: 'verified' as const } };
      assert.equal((await store.commitAuthorization(plan('card-pin', 4, verified))).kind, 'stored');
      assert.equal((await store.getCard('card-pin'))?.mobilePinFailures, 0);
      await store.commitAuthorization(plan('card-pin', 5, wrong));
      await store.setCardStatus('card-pin', 'SUSPENDED', NOW);
      assert.equal((await store.getCard('card-pin'))?.mobilePinFailures, 1, 'suspending keeps the count');
      await store.setCardStatus('card-pin', 'ACTIVE', NOW);
      assert.equal((await store.getCard('card-pin'))?.mobilePinFailures, 0, 'resuming resets it');
    });

    it('idempotency keys are UNIQUE: a second commit returns the first row', async () => {
      await store.insertCard(card('card-idem'));
      const first = plan('card-idem', 1, {}, 'idem-key-xyz');
      assert.equal((await store.commitAuthorization(first)).kind, 'stored');
      const r = await store.commitAuthorization(plan('card-idem', 2, {}, 'idem-key-xyz'));
      assert.equal(r.kind, 'idempotent');
      assert.equal(r.kind === 'idempotent' && r.existing.id, first.authorization.id);
      assert.equal(await store.ledgerHas('card-idem', 2), false, 'the duplicate wrote nothing');
      const got = await store.getAuthorizationByKey('idem-key-xyz');
      assert.equal(got?.responseJson, first.authorization.responseJson);
      // concurrently
      const many = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.commitAuthorization(plan('card-idem', 100 + i, {}, 'idem-conc-1')),
        ),
      );
      assert.equal(many.filter((x) => x.kind === 'stored').length, 1);
      assert.equal(many.filter((x) => x.kind === 'idempotent').length, 11);
    });

    it('a SUK is consumed once; an unissued ATC is refused', async () => {
      await store.insertCard(card('card-suk', { profile: 'M' }));
      await store.insertSuks(
        [1, 2, 3].map((atc) => ({ cardId: 'card-suk', atc, status: 'UNUSED' as const, issuedAt: NOW })),
      );
      const ok = await store.commitAuthorization(
        plan('card-suk', 1, { consumeSuk: { cardId: 'card-suk', atc: 1 } }),
      );
      assert.equal(ok.kind, 'stored');
      assert.equal((await store.getSuk('card-suk', 1))?.status, 'USED');
      const none = await store.commitAuthorization(
        plan('card-suk', 9, { consumeSuk: { cardId: 'card-suk', atc: 9 } }),
      );
      assert.equal(none.kind, 'suk-unavailable');
      assert.equal(await store.ledgerHas('card-suk', 9), false, 'rolled back');
      assert.equal(await store.discardSuks('card-suk', [2]), 1);
      const gone = await store.commitAuthorization(
        plan('card-suk', 2, { consumeSuk: { cardId: 'card-suk', atc: 2 } }),
      );
      assert.equal(gone.kind, 'suk-unavailable');
      assert.deepEqual(
        (await store.listSuks('card-suk')).map((s) => s.status),
        ['USED', 'DISCARDED', 'UNUSED'],
      );
    });

    it('authorizationFacts reads in one go what the separate reads give', async () => {
      await store.insertDevice(device('dev-facts'));
      await store.insertCard(card('card-facts', { profile: 'M', deviceId: 'dev-facts' }));
      await store.insertSuks([{ cardId: 'card-facts', atc: 9, status: 'UNUSED', issuedAt: NOW }]);
      await store.insertLuk({
        cardId: 'card-facts',
        api: '6100001',
        dki: '01',
        maxTransactions: 5,
        notAfter: NOW + 1000,
        maxAmount: 999,
        issuedAt: NOW,
        retiredAt: null,
        usedCount: 0,
        usedAmount: 0,
      });
      for (const atc of [3, 5, 4])
        await store.commitAuthorization(plan('card-facts', atc, {}, `facts-${atc}`));
      await store.recordThreatReport({
        report: {
          deviceId: 'dev-facts',
          seq: 1,
          typ: 'threat-report',
          scanId: 'scan-1',
          scanReason: 'startup',
          clean: false,
          threatCount: 1,
          gapBefore: 0,
          iat: NOW,
          stateCounter: padCounter('1'),
          receivedAt: NOW,
        },
        threats: [
          {
            deviceId: 'dev-facts',
            seq: 1,
            class: 'runtime',
            code: 'DEBUGGER',
            severity: 'high',
            reaction: 'block_payments',
            evidence: '{}',
            detectedAt: new Date(NOW).toISOString(),
            receivedAt: NOW,
          },
        ],
      });
      const risk = { historySince: 0, historyLimit: 2, threatsSince: 0, threatsLimit: 10 };
      // A stored key: its answer (what else comes with it is not used, and may be absent).
      const retry = await store.authorizationFacts({
        idempotencyKey: 'facts-5',
        cardId: 'card-facts',
        atc: 9,
        risk,
      });
      assert.deepEqual(retry.existing, await store.getAuthorizationByKey('facts-5'));
      const f = await store.authorizationFacts({
        idempotencyKey: 'facts-new',
        cardId: 'card-facts',
        atc: 9,
        api: '6100001',
        risk,
      });
      assert.equal(f.existing, undefined);
      assert.deepEqual(f.card, await store.getCard('card-facts'));
      assert.equal(f.highestAtc, 5);
      assert.equal(f.atcSeen, false);
      assert.deepEqual(f.suk, await store.getSuk('card-facts', 9));
      assert.deepEqual(f.luk, await store.getLuk('card-facts', '6100001'));
      assert.deepEqual(f.risk?.device, await store.getDevice('dev-facts'));
      assert.deepEqual(f.risk?.deviceRisk, await store.getDeviceRisk('dev-facts'));
      assert.deepEqual(
        f.risk?.recentThreats,
        await store.listThreats({ deviceId: 'dev-facts', since: 0, limit: 10 }),
      );
      assert.equal(f.risk?.recentThreats.length, 1);
      assert.deepEqual(f.risk?.history, await store.authorizationsForCard('card-facts', 0, 2));
      assert.equal(f.risk?.history.length, 2, 'at most historyLimit, newest first');
      assert.equal(f.risk?.policyVersion, 0, 'no stored policy: the built-in version 0');
      // An ATC in the ledger, an unknown key and no LUK asked for; no risk facts unless asked.
      const g = await store.authorizationFacts({ idempotencyKey: 'none', cardId: 'card-facts', atc: 4 });
      assert.equal(g.atcSeen, true);
      assert.equal(g.existing, undefined);
      assert.equal(g.luk, undefined);
      assert.equal(g.suk, undefined);
      assert.equal(g.risk, undefined);
      const none = await store.authorizationFacts({
        idempotencyKey: 'none',
        cardId: 'no-card',
        atc: 1,
        risk,
      });
      assert.equal(none.card, undefined);
      assert.equal(none.highestAtc, undefined);
      assert.deepEqual(none.risk, { recentThreats: [], history: [], policyVersion: 0 });
    });

    it("the fraud decision is written in the authorization's transaction, and rolled back with it", async () => {
      await store.insertCard(card('card-rd'));
      const decision = (id: string) => ({
        riskDecision: {
          id,
          context: 'authorization' as const,
          deviceId: null,
          cardId: 'card-rd',
          authorizationId: null,
          score: 7,
          outcome: 'approve' as const,
          reason: 'APPROVED',
          rules: [{ rule: 'ATC_GAP', typology: 'atc', weight: 7, evidence: { gap: 3 } }],
          createdAt: NOW,
        },
      });
      assert.equal((await store.commitAuthorization(plan('card-rd', 1, decision('rd-1')))).kind, 'stored');
      assert.equal(
        (await store.commitAuthorization(plan('card-rd', 1, decision('rd-2')))).kind,
        'atc-replay',
      );
      const stored = await store.listRiskDecisions({ limit: 10, cardId: 'card-rd' });
      assert.deepEqual(
        stored.map((d) => [d.id, d.score, d.rules[0]?.evidence.gap]),
        [['rd-1', 7, 3]],
        'the refused plan left no decision behind',
      );
    });

    it('streamed reports: idempotent by (device, seq), in any order; a late report closes its gap', async () => {
      await store.insertDevice(device('dev-stream'));
      const report = (seq: number, codes: string[]) => ({
        report: {
          deviceId: 'dev-stream',
          seq,
          typ: 'threat-report' as const,
          scanId: `scan-${seq}`,
          scanReason: 'periodic',
          clean: codes.length === 0,
          threatCount: codes.length,
          gapBefore: 0,
          iat: NOW,
          stateCounter: null,
          receivedAt: NOW + seq,
        },
        threats: codes.map((code) => ({
          deviceId: 'dev-stream',
          seq,
          class: 'runtime',
          code,
          severity: 'high' as const,
          reaction: 'block_payments' as const,
          evidence: '{}',
          detectedAt: new Date(NOW).toISOString(),
          receivedAt: NOW + seq,
        })),
        activeThreats: codes.map((code) => ({
          class: 'runtime',
          code,
          severity: 'high' as const,
          reaction: 'block_payments' as const,
          detectedAt: new Date(NOW).toISOString(),
        })),
      });
      assert.deepEqual(await store.recordStreamedReports([report(4, []), report(2, ['DEBUGGER'])]), [
        'stored',
        'stored',
      ]);
      let r = await store.getDeviceRisk('dev-stream');
      assert.equal(r?.lastReportSeq, 4);
      assert.equal(r?.reports, 2);
      assert.equal(r?.seqGaps, 2, 'seqs 1 and 3 missing');
      assert.deepEqual(r?.activeThreats, [], 'the newest scan (seq 4, clean) holds');
      assert.equal(r?.lastReportAt, NOW + 4);
      // A redelivery of seq 4 and the late seq 3 (with a threat), in one batch.
      assert.deepEqual(await store.recordStreamedReports([report(4, []), report(3, ['HOOK'])]), [
        'replay',
        'stored',
      ]);
      r = await store.getDeviceRisk('dev-stream');
      assert.equal(r?.lastReportSeq, 4);
      assert.equal(r?.reports, 3);
      assert.equal(r?.seqGaps, 1, 'the late report closed its gap');
      assert.deepEqual(r?.activeThreats, [], 'a late scan does not replace a newer one');
      const threats = await store.listThreats({ deviceId: 'dev-stream', limit: 10 });
      assert.deepEqual(threats.map((t) => t.code).sort(), ['DEBUGGER', 'HOOK'], "each report's threats once");
      // A newer scan replaces the active threats.
      assert.deepEqual(await store.recordStreamedReports([report(6, ['ROOT'])]), ['stored']);
      r = await store.getDeviceRisk('dev-stream');
      assert.deepEqual(
        r?.activeThreats.map((t) => t.code),
        ['ROOT'],
      );
      assert.equal(r?.seqGaps, 2, 'seqs 1 and 5');
    });

    it('LUK thresholds are enforced by a conditional update', async () => {
      await store.insertCard(card('card-luk'));
      const luk: LukRow = {
        cardId: 'card-luk',
        api: '6123400',
        dki: '01',
        maxTransactions: 3,
        notAfter: NOW + 1000,
        maxAmount: 250,
        issuedAt: NOW,
        retiredAt: null,
        usedCount: 0,
        usedAmount: 0,
      };
      assert.equal(await store.insertLuk(luk), true);
      assert.equal(await store.insertLuk(luk), false);
      const use = (atc: number, amount: number, countAmount = true) =>
        store.commitAuthorization(
          plan('card-luk', atc, { consumeLuk: { cardId: 'card-luk', api: '6123400', amount, countAmount } }),
        );
      assert.equal((await use(1, 100)).kind, 'stored');
      assert.equal((await use(2, 200)).kind, 'luk-threshold', 'amount 300 > 250');
      assert.equal((await use(3, 150)).kind, 'stored');
      assert.equal((await use(4, 0, false)).kind, 'stored', 'a declined use counts');
      assert.equal((await use(5, 0)).kind, 'luk-threshold', 'count reached');
      const l = await store.getLuk('card-luk', '6123400');
      assert.equal(l?.usedCount, 3);
      assert.equal(l?.usedAmount, 250);
      assert.equal(await store.retireLuks('card-luk', NOW + 1), 1);
      assert.notEqual((await store.getLuk('card-luk', '6123400'))?.retiredAt, null);
      assert.deepEqual((await store.ledgerFor('card-luk', '6123400')).length, 0, 'api null in these plans');
    });
  });
}
