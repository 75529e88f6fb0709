/**
 * The card side on Hermes (docs/mobile.md):
 *  - on Node, the CBP TA core on the pure-JavaScript platform (emv's pure backend, noble) answers
 *    the 40 taps exactly as on the software platform (node:crypto): same data elements and
 *    cryptograms, same issuer verdicts and ARPCs, same replenishment MACs;
 *  - on Hermes: the bundle (SES lockdown first, emv's vectors, the same TA and taps) passes the
 *    current Hermes compiler's syntax gate, and on the Hermes 0.12 VM every EMV vector passes and
 *    the taps' answers equal Node's.
 * The Hermes binaries come from npm (hermes-engine-cli@0.12.0, hermes-compiler); when one cannot
 * run here the Hermes test skips with the SYSTEM tag (docs/testing.md: a failure under
 * OPENVSE_REQUIRE_SYSTEM=1).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  buildHermesBundle,
  type PreparedRun,
  prepareHermesRun,
  probeHermes,
  runOnHermes,
  type ScenarioResult,
  syntaxGate,
} from '../src/index.js';

const vectorsText = readFileSync(
  new URL('../../../../test/fixtures/vectors/emv-public.json', import.meta.url),
  'utf8',
);
const vectorCount = (JSON.parse(vectorsText) as { vectors: unknown[] }).vectors.length;

let prepared: Promise<PreparedRun> | undefined;
const prepare = () => {
  prepared ??= prepareHermesRun({ vectorsText });
  return prepared;
};

/** Every tap approved and checked by the issuer as the profile says. */
function assertAllApproved(r: ScenarioResult): void {
  assert.equal(r.taps.filter((t) => t.cardId.startsWith('v-')).length, 20);
  assert.equal(r.taps.filter((t) => t.cardId.startsWith('m-')).length, 20);
  for (const [i, t] of r.taps.entries()) {
    const where = `tap ${i} (${t.cardId})`;
    assert.equal(t.reason, 0, where);
    assert.equal(t.acValid, true, where);
    assert.equal(t.arpcValid, true, where);
    assert.match(t.arpc, /^[0-9A-F]{16}$/, where);
    if (t.cardId.startsWith('m-')) assert.equal(t.mdValid, true, where);
  }
  // v-pin: every other tap carries the PIN MAC of a held cardholder verification.
  const pinMacs = r.taps.filter((t) => t.cardId === 'v-pin').map((t) => t.mobilePinValid);
  assert.deepEqual(
    pinMacs,
    Array.from({ length: 10 }, (_, i) => i % 2 === 1),
  );
  assert.equal(r.replenish.length, 2);
  for (const x of r.replenish) {
    assert.equal(x.firstAtc, 1);
    assert.equal(x.lastAtc, 10);
    assert.match(x.mac, /^[0-9A-F]{16}$/);
  }
}

describe('the CBP TA on the pure-JavaScript platform, on Node', () => {
  it('answers 20 profile V and 20 profile M taps exactly as the software platform (node:crypto)', async () => {
    const p = await prepare();
    assertAllApproved(p.expected);
    assert.deepEqual(p.nodePure, p.expected);
  });
});

describe('Hermes', () => {
  it('syntax gate (current hermesc), then every EMV vector and the same taps on the Hermes 0.12 VM', async (t) => {
    const probe = probeHermes();
    if (!probe.ok) {
      t.skip(
        `SYSTEM: Hermes binaries from npm (hermes-engine-cli@0.12.0, hermes-compiler) cannot run: ${probe.why}`,
      );
      return;
    }
    assert.equal(probe.versions.vm, '0.12.0');
    const p = await prepare();
    const dir = mkdtempSync(join(tmpdir(), 'openvse-hermes-'));
    try {
      const bundle = await buildHermesBundle(p.input, dir);
      syntaxGate(probe.binaries, bundle.file);
      const run = runOnHermes(probe.binaries, bundle.file);
      const r = run.result as {
        engine: { lockdown: boolean; harden: boolean; compartment: string; bigint: boolean };
        backend: string;
        vectors: { total: number; passed: number; failed: number; failures: string[] };
        scenario: ScenarioResult;
      };
      t.diagnostic(
        `Hermes ${probe.versions.vm}: ${r.vectors.passed}/${r.vectors.total} vectors, ${r.scenario.taps.length} taps; ` +
          `bundle ${bundle.bytes} bytes, compile ${run.compileMs} ms, run ${run.runMs} ms; Compartment ${r.engine.compartment}`,
      );
      assert.equal(r.engine.lockdown, true, 'lockdown() froze the intrinsics');
      assert.equal(r.engine.harden, true);
      assert.equal(r.backend, 'pure-js');
      assert.deepEqual(r.vectors, { total: vectorCount, passed: vectorCount, failed: 0, failures: [] });
      assert.deepEqual(r.scenario, p.expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
