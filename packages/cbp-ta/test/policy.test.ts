/**
 * The reaction policy in the TA (docs/cbp-protocol.md §6): for each V-Guard flag the first
 * matching rule decides, exactly as on the server, so a specific "block" rule listed before a
 * catch-all "wipe" rule blocks without wiping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePolicy, policyVerdict } from '@openvse/protocol';

const policy = parsePolicy({
  policy: {
    rules: [
      { code: 'INSPECTOR_OPEN', reaction: 'block_payments' },
      { code: 'CONTAINER', reaction: 'report' },
      { code: '*', minSeverity: 'critical', reaction: 'wipe_keys' },
      { code: '*', minSeverity: 'high', reaction: 'block_payments' },
    ],
  },
});

describe('policy verdict in the TA', () => {
  it('first match wins per flag', () => {
    assert.deepEqual(policyVerdict(policy, ['INSPECTOR_OPEN:critical']), { block: true, wipe: false });
    assert.deepEqual(policyVerdict(policy, ['CONTAINER:low']), { block: false, wipe: false });
    assert.deepEqual(policyVerdict(policy, ['LD_PRELOAD:critical']), { block: true, wipe: true });
    assert.deepEqual(policyVerdict(policy, ['DEBUGGER_ATTACHED:high']), { block: true, wipe: false });
    assert.deepEqual(policyVerdict(policy, ['RUNNING_AS_ROOT:low']), { block: false, wipe: false });
  });
  it('any flag can escalate: the verdict is the union over flags', () => {
    assert.deepEqual(policyVerdict(policy, ['CONTAINER:low', 'LD_PRELOAD:critical']), {
      block: true,
      wipe: true,
    });
  });
  it('a flag without a severity fails closed on minSeverity rules', () => {
    assert.deepEqual(policyVerdict(policy, ['SOMETHING_NEW']), { block: true, wipe: true });
  });
  it('no policy: nothing blocked', () => {
    assert.deepEqual(policyVerdict(null, ['INSPECTOR_OPEN:critical']), { block: false, wipe: false });
  });
});
