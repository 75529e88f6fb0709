/**
 * The fraud rules on crafted histories (docs/fraud-engine.md "Rules"): each typology fires on
 * what it is meant to see and stays quiet on honest behaviour (ATC gaps within the tolerance,
 * a few failures, ordinary amounts). Pure functions: no store, no clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reactionFor } from '@openvse/protocol';
import type { AuthorizationSummary } from '../../src/domain/authorizations.js';
import { resolveFraudConfig } from '../../src/fraud/config.js';
import {
  amountRules,
  atcRules,
  cryptogramRules,
  deviceThreatRules,
  provisioningRules,
  silentPastWindow,
  velocityRules,
} from '../../src/fraud/rules.js';
import { DEFAULT_POLICY } from '../../src/threats/policy.js';
import { riskView } from '../../src/threats/state.js';

const c = resolveFraudConfig();
const NOW = Date.UTC(2026, 10, 28, 7, 0, 0);
const ids = (rules: { rule: string }[]) => rules.map((r) => r.rule);
let n = 0;
const auth = (over: Partial<AuthorizationSummary>): AuthorizationSummary => ({
  id: `a${++n}`,
  cardId: 'card',
  atc: n,
  amount: 1000,
  currency: '978',
  decision: 'APPROVE',
  reason: 'APPROVED',
  createdAt: NOW - 1000,
  ...over,
});

describe('fraud rules', () => {
  describe('device threats', () => {
    const facts = (
      active: { code: string; severity: 'low' | 'medium' | 'high' | 'critical' }[],
      over = {},
    ) => {
      const risk = {
        deviceId: 'd',
        lastReportSeq: 3,
        lastReportAt: NOW - 1000,
        lastHeartbeatAt: NOW - 1000,
        lastSeenAt: NOW - 1000,
        activeThreats: active.map((t) => ({
          class: 'debug',
          ...t,
          reaction: reactionFor(DEFAULT_POLICY, t),
          detectedAt: 'x',
        })),
        seqGaps: 0,
        reports: 3,
        updatedAt: NOW,
        ...over,
      };
      return {
        view: riskView('d', risk, DEFAULT_POLICY, NOW),
        protectionLevel: 'L1',
        recentBlocking: [],
        heartbeatSeconds: 60,
      };
    };

    it('default policy: listed codes block payments, other critical wipe keys, high blocks, rest report', () => {
      assert.equal(
        reactionFor(DEFAULT_POLICY, { code: 'INSPECTOR_OPEN', severity: 'critical' }),
        'block_payments',
      );
      assert.equal(
        reactionFor(DEFAULT_POLICY, { code: 'BUILTIN_REPLACED', severity: 'high' }),
        'block_payments',
      );
      assert.equal(
        reactionFor(DEFAULT_POLICY, { code: 'APP_MANIFEST_INVALID', severity: 'critical' }),
        'wipe_keys',
      );
      assert.equal(
        reactionFor(DEFAULT_POLICY, { code: 'PRELOAD_REQUIRE', severity: 'high' }),
        'block_payments',
      );
      assert.equal(reactionFor(DEFAULT_POLICY, { code: 'CORE_DUMP_ENABLED', severity: 'medium' }), 'report');
    });

    it('a compromised device fires DEVICE_COMPROMISED and the worst severity; weights add up past decline', () => {
      const r = deviceThreatRules(c, facts([{ code: 'DEBUGGER_ATTACHED', severity: 'critical' }]));
      assert.deepEqual(ids(r), ['DEVICE_COMPROMISED', 'DEVICE_THREAT_CRITICAL']);
      assert.equal(r[0]!.evidence.codes, 'DEBUGGER_ATTACHED');
      assert.ok(r.reduce((s, x) => s + x.weight, 0) >= c.thresholds.decline);
    });

    it('report-only threats fire by severity only; a clean device fires nothing', () => {
      assert.deepEqual(
        ids(deviceThreatRules(c, facts([{ code: 'CORE_DUMP_ENABLED', severity: 'medium' }]))),
        ['DEVICE_THREAT_MEDIUM'],
      );
      assert.deepEqual(ids(deviceThreatRules(c, facts([]))), []);
    });

    it('silence, report gaps, a recent compromise and a low protection level are signals', () => {
      const silent = facts([], { lastSeenAt: NOW - 181_000 });
      assert.deepEqual(ids(deviceThreatRules(c, silent)), ['DEVICE_SILENT']);
      assert.deepEqual(ids(deviceThreatRules(c, facts([], { seqGaps: 5 }))), ['THREAT_REPORT_GAPS']);
      const recent = { ...facts([]), recentBlocking: [{ code: 'LD_PRELOAD', receivedAt: NOW - 60_000 }] };
      assert.deepEqual(ids(deviceThreatRules(c, recent)), ['DEVICE_RECENT_COMPROMISE']);
      const l2 = resolveFraudConfig({ minProtectionLevel: 'L2' });
      assert.deepEqual(ids(deviceThreatRules(l2, facts([]))), ['PROTECTION_LEVEL_LOW']);
    });

    it('silence past the window is a decline (default: the policy window, 3 × heartbeatSeconds)', () => {
      assert.equal(silentPastWindow(c, facts([], { lastSeenAt: NOW - 180_000 }), NOW), undefined);
      assert.deepEqual(silentPastWindow(c, facts([], { lastSeenAt: NOW - 180_001 }), NOW), {
        lastSeenAt: NOW - 180_001,
        silentForSeconds: 180,
        windowSeconds: 180,
      });
      // a device that never talked is never silent
      assert.equal(silentPastWindow(c, facts([], { lastSeenAt: null }), NOW - 1), undefined);
      const hour = resolveFraudConfig({ silence: { declineAfterSeconds: 3600 } });
      assert.equal(silentPastWindow(hour, facts([], { lastSeenAt: NOW - 3_600_000 }), NOW), undefined);
      assert.equal(
        silentPastWindow(hour, facts([], { lastSeenAt: NOW - 3_600_001 }), NOW)?.windowSeconds,
        3600,
      );
      const never = resolveFraudConfig({ silence: { declineAfterSeconds: false } });
      assert.equal(silentPastWindow(never, facts([], { lastSeenAt: NOW - 86_400_000 }), NOW), undefined);
      for (const bad of [0, -1, 1.5, 'always'])
        assert.throws(
          () => resolveFraudConfig({ silence: { declineAfterSeconds: bad as number } }),
          /silence\.declineAfterSeconds/,
        );
    });
  });

  describe('ATC anomalies', () => {
    it('honest gaps within the tolerance fire nothing; beyond it ATC_GAP; far beyond ATC_JUMP', () => {
      assert.deepEqual(ids(atcRules(c, 11, 10, [], NOW)), []);
      assert.deepEqual(ids(atcRules(c, 10 + 1 + c.atc.gapTolerance, 10, [], NOW)), []);
      const gap = atcRules(c, 10 + 2 + c.atc.gapTolerance, 10, [], NOW);
      assert.deepEqual(ids(gap), ['ATC_GAP']);
      assert.equal(gap[0]!.evidence.gap, c.atc.gapTolerance + 1);
      assert.ok(gap[0]!.weight < c.thresholds.stepUp, 'a gap alone never steps up');
      assert.deepEqual(ids(atcRules(c, 10 + 2 + c.atc.jump, 10, [], NOW)), ['ATC_JUMP']);
    });

    it('an ATC behind the highest and recent replay attempts fire', () => {
      assert.deepEqual(ids(atcRules(c, 5, 10, [], NOW)), ['ATC_BEHIND']);
      const h = [auth({ decision: 'DECLINE', reason: 'ATC_REPLAY' })];
      assert.deepEqual(ids(atcRules(c, 11, 10, h, NOW)), ['ATC_REPLAY_ATTEMPTS']);
      assert.deepEqual(ids(atcRules(c, 1, undefined, [], NOW)), [], 'first tap');
    });
  });

  describe('cryptogram failures', () => {
    const fails = (k: number, reason = 'CRYPTOGRAM_INVALID', age = 1000) =>
      Array.from({ length: k }, () => auth({ decision: 'DECLINE', reason, createdAt: NOW - age }));
    it('counts recent CRYPTOGRAM_INVALID and WRONG_MOBILE_PIN declines', () => {
      assert.deepEqual(ids(cryptogramRules(c, fails(c.cryptogram.failures - 1), NOW)), []);
      assert.deepEqual(ids(cryptogramRules(c, fails(c.cryptogram.failures), NOW)), ['CRYPTOGRAM_FAILURES']);
      assert.deepEqual(ids(cryptogramRules(c, fails(c.cryptogram.burst), NOW)), [
        'CRYPTOGRAM_FAILURES_BURST',
      ]);
      assert.deepEqual(ids(cryptogramRules(c, fails(3, 'WRONG_MOBILE_PIN'), NOW)), ['WRONG_MOBILE_PIN']);
      assert.deepEqual(
        ids(cryptogramRules(c, fails(20, 'CRYPTOGRAM_INVALID', 2 * 3_600_000), NOW)),
        [],
        'old',
      );
    });
  });

  describe('velocity', () => {
    it('taps per card per minute and per hour', () => {
      const v = resolveFraudConfig({ velocity: { perMinute: 3, perHour: 5 } });
      const taps = (k: number, age: number) =>
        Array.from({ length: k }, () => auth({ createdAt: NOW - age }));
      assert.deepEqual(ids(velocityRules(v, taps(2, 10_000), NOW)), []);
      assert.deepEqual(ids(velocityRules(v, taps(3, 10_000), NOW)), ['VELOCITY_MINUTE']);
      assert.deepEqual(ids(velocityRules(v, [...taps(2, 10_000), ...taps(3, 600_000)], NOW)), [
        'VELOCITY_HOUR',
      ]);
    });
  });

  describe('amount', () => {
    it('above the limit, and unusual against the approved history', () => {
      assert.deepEqual(ids(amountRules(c, c.amount.limit + 1, [])), ['AMOUNT_ABOVE_LIMIT']);
      const history = Array.from({ length: 6 }, () => auth({ amount: 500 }));
      assert.deepEqual(ids(amountRules(c, 4000, history)), []);
      const u = amountRules(c, 6000, history);
      assert.deepEqual(ids(u), ['AMOUNT_UNUSUAL']);
      assert.equal(u[0]!.evidence.median, 500);
      assert.deepEqual(ids(amountRules(c, 6000, history.slice(0, 4))), [], 'too little history');
    });
  });

  describe('provisioning attempts', () => {
    it('per device, per card, enrollments, replenishments', () => {
      const p = c.provisioning;
      assert.deepEqual(ids(provisioningRules(c, { provisionsByDevice: p.perDevice - 1 })), []);
      assert.deepEqual(ids(provisioningRules(c, { provisionsByDevice: p.perDevice })), [
        'PROVISION_VELOCITY_DEVICE',
      ]);
      assert.deepEqual(ids(provisioningRules(c, { provisionsByDevice: p.perDeviceBurst })), [
        'PROVISION_BURST_DEVICE',
      ]);
      assert.deepEqual(ids(provisioningRules(c, { provisionsByCard: p.perCard })), [
        'PROVISION_VELOCITY_CARD',
      ]);
      assert.deepEqual(ids(provisioningRules(c, { enrollmentsByDevice: p.enrollPerDevice })), [
        'ENROLL_VELOCITY_DEVICE',
      ]);
      assert.deepEqual(ids(provisioningRules(c, { replenishmentsByCard: p.replenishPerCardHour })), [
        'REPLENISH_VELOCITY_CARD',
      ]);
    });

    it('weights can be overridden or disabled; bad config is refused', () => {
      const w = resolveFraudConfig({
        weights: { PROVISION_VELOCITY_CARD: 0, PROVISION_VELOCITY_DEVICE: 99 },
      });
      assert.deepEqual(ids(provisioningRules(w, { provisionsByCard: 100 })), []);
      assert.equal(provisioningRules(w, { provisionsByDevice: c.provisioning.perDevice })[0]!.weight, 99);
      assert.throws(() => resolveFraudConfig({ thresholds: { stepUp: 80, decline: 50 } }));
      assert.throws(() => resolveFraudConfig({ weights: { NOPE: 1 } as never }));
    });
  });
});
