/**
 * The one reaction-policy evaluator (docs/cbp-protocol.md §6): first match wins, no match is
 * `report`, a severity floor skips lower threats but not threats of unknown severity, and the
 * TA's verdict is the union over its flags of the same per-threat reactions the server computes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CbpError,
  isBlockingReaction,
  parsePolicy,
  policyVerdict,
  REACTIONS,
  type ReactionRule,
  reactionFor,
  SEVERITIES,
} from '../src/index.js';

const rules: ReactionRule[] = [
  { code: 'INSPECTOR_OPEN', reaction: 'block_payments' },
  { code: 'CONTAINER', reaction: 'report' },
  { code: '*', minSeverity: 'critical', reaction: 'wipe_keys' },
  { code: '*', minSeverity: 'high', reaction: 'block_payments' },
];

describe('reactionFor', () => {
  it('first match wins; no match is report', () => {
    assert.equal(reactionFor({ rules }, { code: 'INSPECTOR_OPEN', severity: 'critical' }), 'block_payments');
    assert.equal(reactionFor({ rules }, { code: 'CONTAINER', severity: 'critical' }), 'report');
    assert.equal(reactionFor({ rules }, { code: 'LD_PRELOAD', severity: 'critical' }), 'wipe_keys');
    assert.equal(reactionFor({ rules }, { code: 'DEBUGGER_ATTACHED', severity: 'high' }), 'block_payments');
    assert.equal(reactionFor({ rules }, { code: 'RUNNING_AS_ROOT', severity: 'low' }), 'report');
    assert.equal(reactionFor({ rules: [] }, { code: 'X', severity: 'critical' }), 'report');
  });
  it('a threat of unknown severity is not below any floor (fail closed)', () => {
    assert.equal(reactionFor({ rules }, { code: 'SOMETHING_NEW' }), 'wipe_keys');
    assert.equal(reactionFor({ rules }, { code: 'SOMETHING_NEW', severity: 'bogus' }), 'wipe_keys');
  });
});

describe('policyVerdict', () => {
  it('is the union over flags of the per-flag reactions (property)', () => {
    const rule = fc.record(
      {
        code: fc.constantFrom('*', 'A', 'B', 'C'),
        minSeverity: fc.constantFrom(...SEVERITIES),
        reaction: fc.constantFrom(...REACTIONS),
      },
      { requiredKeys: ['code', 'reaction'] },
    );
    const flag = fc.tuple(fc.constantFrom('A', 'B', 'C', 'D'), fc.option(fc.constantFrom(...SEVERITIES)));
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 6 }),
        fc.array(flag, { maxLength: 5 }),
        fc.boolean(),
        (rs, fl, bp) => {
          const flags = fl.map(([c, s]) => (s === null ? c : `${c}:${s}`));
          const reactions = fl.map(([c, s]) =>
            reactionFor({ rules: rs }, { code: c, severity: s ?? undefined }),
          );
          const v = policyVerdict({ blockPayments: bp, rules: rs }, flags);
          assert.equal(v.block, bp || reactions.some(isBlockingReaction));
          assert.equal(v.wipe, reactions.includes('wipe_keys'));
        },
      ),
      { seed: 20261202, numRuns: 500 },
    );
  });
  it('no policy blocks nothing', () => {
    assert.deepEqual(policyVerdict(null, ['INSPECTOR_OPEN:critical']), { block: false, wipe: false });
  });
});

describe('parsePolicy', () => {
  it('keeps only the known members, in a fixed shape', () => {
    assert.deepEqual(
      parsePolicy({
        policy: { version: 3, heartbeatSeconds: 60, rules: [{ code: '*', reaction: 'report' }] },
      }),
      { blockPayments: false, rules: [{ code: '*', reaction: 'report' }], version: 3, heartbeatSeconds: 60 },
    );
  });
  it('refuses garbage with ERR_MESSAGE_REJECTED only (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        try {
          parsePolicy({ policy: v as never });
        } catch (e) {
          assert.ok(e instanceof CbpError && e.code === 'ERR_MESSAGE_REJECTED', String(e));
        }
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});
