/**
 * The contract must run where the CBP TA runs: bundled by esbuild for a neutral platform and
 * evaluated in a fresh realm with nothing but the JavaScript built-ins (no Buffer, process,
 * require, TextEncoder — what an SES compartment of V-OS offers).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { buildSync } from 'esbuild';

const entry = fileURLToPath(new URL('../src/index.js', import.meta.url));

function bundle(): string {
  const out = buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'Protocol',
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

describe('@openvse/protocol in a bare realm', () => {
  const code = bundle();

  it('reaches for no Node global or module', () => {
    assert.doesNotMatch(code, /\brequire\(|\bprocess\.|\bBuffer\b|node:|TextEncoder|TextDecoder/);
  });

  it('evaluates and works with the built-ins only', () => {
    const realm = vm.createContext({});
    assert.equal(
      vm.runInContext('typeof Buffer + typeof process + typeof require', realm),
      'undefinedundefinedundefined',
    );
    vm.runInContext(code, realm);
    const result = vm.runInContext(
      `(() => {
        const P = Protocol;
        const mac = P.replenishMacData('6123401', 1, 2, [{ atc: 1, un: 'A1B2C3D4', amount: 700 }]);
        const verdict = P.policyVerdict(
          { blockPayments: false, rules: [{ code: 'INSPECTOR_OPEN', reaction: 'block_payments' }] },
          ['INSPECTOR_OPEN:critical'],
        );
        let rejected = '';
        try { P.parseLuk({ api: 'x' }); } catch (e) { rejected = e.code; }
        return {
          mac: Array.from(mac),
          verdict,
          rejected,
          tee: P.cbpErrorToTeeResult(P.CbpErrorCode.REPLAY),
          name: P.teeResultName(P.TeeResult.ERROR_BAD_PARAMETERS),
        };
      })()`,
      realm,
    );
    assert.deepEqual(JSON.parse(JSON.stringify(result)), {
      mac: [
        0xff, 0x01, 0x06, 0x12, 0x34, 0x01, 0, 1, 0, 2, 0, 1, 0xa1, 0xb2, 0xc3, 0xd4, 0, 0, 0, 0, 0x07, 0x00,
      ],
      verdict: { block: true, wipe: false },
      rejected: 'ERR_MESSAGE_REJECTED',
      tee: 0xcb000002,
      name: 'TEE_ERROR_BAD_PARAMETERS',
    });
  });
});
