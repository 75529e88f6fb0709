/**
 * A PKCS#11 root of trust at L1 (docs/process-boundary.md "Root of trust"): the token's addon loads
 * in the V-OS process, never in the app, so a token root no longer forces the app to be granted
 * addons (which made it L0). Against a throw-away SoftHSM2 token: the launched app is confined and
 * reported L1 on a `pkcs11` root; a TA installed through it is sealed under the token's key and is
 * still there, and runs, in a second launch (a new V-OS process opening the same token); the app
 * itself still cannot load an addon. Skipped loudly without SoftHSM2 (system component).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TeeResult } from '@openvse/protocol';
import { makeSoftHsmToken, type SoftHsmToken, softHsmMissing } from '../helpers/softhsm.js';
import { requireSystem } from '../helpers/system.js';
import { run, scratch, writeTa } from './launched.js';

describe('a PKCS#11 root of trust at L1', { timeout: 240_000 }, () => {
  let token: SoftHsmToken | undefined;
  // One store per token: the token anchors the store's state counter, so a fresh data folder
  // under a used token is (rightly) refused as a rollback.
  const dataDir = scratch('vos-proc-p11-');
  before(async () => {
    if (softHsmMissing() !== null) return;
    token = await makeSoftHsmToken({ label: 'vos-process' });
    // The launcher passes SOFTHSM2_CONF (only that and PATH) to the V-OS process.
    Object.assign(process.env, token.env);
  });
  after(() => token?.cleanup());

  it('V-OS opens the token in its own process; the confined app is L1; sealed state survives a relaunch', async (t) => {
    if (!requireSystem('SoftHSM2 + pkcs11js', softHsmMissing() === null, t) || !token) return;
    const rootOfTrust = {
      kind: 'pkcs11' as const,
      module: token.module,
      tokenLabel: token.tokenLabel,
      pin: token.pin,
    };
    const files = scratch('vos-proc-p11-files-');
    const first = await run(['install', writeTa(files)], { dataDir, readPaths: [files], rootOfTrust });
    const installed = first.lines.at(-1) ?? {};
    assert.equal(installed.installed, '1.0.0', first.stderr);
    assert.equal(installed.level, 'L1');
    assert.equal(installed.rootOfTrust, 'pkcs11');

    const second = await run(['invoke', '41'], { dataDir, rootOfTrust });
    const out = second.lines.at(-1) ?? {};
    assert.equal(out.level, 'L1', second.stderr);
    assert.equal(out.rootOfTrust, 'pkcs11');
    assert.equal(out.result, TeeResult.SUCCESS);
    assert.equal(out.value, 42);
  });

  it('the app itself is still refused addons and child processes', async (t) => {
    if (!requireSystem('SoftHSM2 + pkcs11js', softHsmMissing() === null, t) || !token) return;
    const rootOfTrust = {
      kind: 'pkcs11' as const,
      module: token.module,
      tokenLabel: token.tokenLabel,
      pin: token.pin,
    };
    const { lines, stderr } = await run(['escape', '-'], { dataDir, rootOfTrust });
    const out = lines.at(-1) ?? {};
    assert.equal(out.level, 'L1', stderr);
    assert.equal(out.rootOfTrust, 'pkcs11');
    for (const k of ['worker', 'child', 'mem'])
      assert.equal(out[k], 'ERR_ACCESS_DENIED', `${k}: ${String(out[k])}`);
    assert.equal(out.addon, 'ERR_DLOPEN_DISABLED');
  });
});
