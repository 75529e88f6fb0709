/**
 * The pure parts of the V-Guard link (docs/cbp-sdk.md): the flags it hands V-OS for a scan, and
 * the offline policy evaluation it shares with the server (protocol's first-match evaluator).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reactionFor as reactionOf, type ScanReport } from '@openvse/protocol';
import { vosThreatFlags } from '../../src/guard/guard-link.js';

describe('V-Guard link, pure parts', () => {
  it('flags for V-OS: CODE:severity of non-environment threats only, worst severity per code', () => {
    const at = new Date().toISOString();
    const report: ScanReport = {
      scanId: 'vg-test-1',
      reason: 'payment',
      startedAt: at,
      durationMs: 1,
      clean: false,
      threats: [
        { class: 'environment', code: 'RUNNING_AS_ROOT', severity: 'low', evidence: {}, detectedAt: at },
        {
          class: 'hook',
          code: 'UNEXPECTED_SHARED_OBJECT',
          severity: 'high',
          evidence: { path: '/a' },
          detectedAt: at,
        },
        {
          class: 'hook',
          code: 'UNEXPECTED_SHARED_OBJECT',
          severity: 'critical',
          evidence: { path: '/b' },
          detectedAt: at,
        },
        { class: 'exposure', code: 'CORE_DUMP_ENABLED', severity: 'medium', evidence: {}, detectedAt: at },
      ],
    };
    assert.deepEqual(vosThreatFlags(report), [
      'CORE_DUMP_ENABLED:medium',
      'UNEXPECTED_SHARED_OBJECT:critical',
    ]);
    assert.deepEqual(vosThreatFlags({ ...report, threats: report.threats.slice(0, 1), clean: true }), []);
  });

  it('the offline policy evaluation is the server’s: first match wins, default report', () => {
    const rules = [
      { code: 'INSPECTOR_OPEN', reaction: 'block_payments' as const },
      { code: '*', minSeverity: 'critical' as const, reaction: 'wipe_keys' as const },
      { code: '*', minSeverity: 'high' as const, reaction: 'block_payments' as const },
      { code: '*', reaction: 'report' as const },
    ];
    assert.equal(reactionOf({ rules }, { code: 'INSPECTOR_OPEN', severity: 'critical' }), 'block_payments');
    assert.equal(reactionOf({ rules }, { code: 'LD_PRELOAD', severity: 'critical' }), 'wipe_keys');
    assert.equal(reactionOf({ rules }, { code: 'RUNNING_AS_ROOT', severity: 'low' }), 'report');
    assert.equal(reactionOf({ rules: [] }, { code: 'X', severity: 'critical' }), 'report');
  });
});
