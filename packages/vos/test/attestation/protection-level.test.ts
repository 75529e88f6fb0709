/**
 * The protection level from the measured isolation (docs/threat-model.md "Protection levels"):
 * embedded is always L0; a separate process with a confined app is L1, with V-OS under its own OS
 * user L2; any threat flag, or an app that is not confined, is L0.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeProtectionLevel, EMBEDDED_ISOLATION } from '../../src/attestation/index.js';

const process1 = { mode: 'process', appConfined: true, separateUser: false } as const;

describe('computeProtectionLevel', () => {
  it('embedded is L0 whatever else holds', () => {
    assert.equal(computeProtectionLevel({ isolation: EMBEDDED_ISOLATION, threatFlags: [] }), 'L0');
    assert.equal(
      computeProtectionLevel({
        isolation: { mode: 'embedded', appConfined: true, separateUser: true },
        threatFlags: [],
      }),
      'L0',
    );
  });
  it('a separate process with a confined app is L1; under another OS user L2', () => {
    assert.equal(computeProtectionLevel({ isolation: process1, threatFlags: [] }), 'L1');
    assert.equal(
      computeProtectionLevel({ isolation: { ...process1, separateUser: true }, threatFlags: [] }),
      'L2',
    );
  });
  it('an unconfined app or a threat flag is L0', () => {
    assert.equal(
      computeProtectionLevel({ isolation: { ...process1, appConfined: false }, threatFlags: [] }),
      'L0',
    );
    assert.equal(
      computeProtectionLevel({ isolation: { ...process1, separateUser: true }, threatFlags: ['X:high'] }),
      'L0',
    );
  });
  it('malformed evidence is L0, bad arguments a GP error', () => {
    assert.equal(computeProtectionLevel({ isolation: null as never, threatFlags: [] }), 'L0');
    assert.throws(() => computeProtectionLevel(null as never), /BAD_PARAMETERS|needs isolation/);
  });
});
