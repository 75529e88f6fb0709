/**
 * The signed CBP TA package (src/bundle.ts, scripts/build-ta.mjs): the manifest is the one of
 * docs/cbp-protocol.md §4 (UUID, name, the capabilities it needs, the command table), the bundle
 * verifies against the pinned TA key and carries the code whose SHA-256 the attestation reports,
 * the code obeys the SES source rules and reaches for no Node global, and the CbpError ↔ GP
 * result mapping is one to one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CBP_TA_UUID,
  CbpErrorCode,
  cbpErrorToTeeResult,
  cbpTaManifest,
  teeResultToCbpErrorCode,
} from '@openvse/protocol';
import { generateTaSigningKeyPair, TA_CAPABILITIES, verifyTaBundle } from '@openvse/vos';
import { buildCbpTaBundle, buildCbpTaCode, cbpTaCodeSha256 } from '../src/index.js';

describe('CBP TA package', () => {
  it('the manifest (the CBP TA header in protocol) asks for the capabilities it needs, no more', () => {
    const file = cbpTaManifest();
    assert.equal(file.uuid, 'c0bb5e0e-7a11-4c2b-9f3e-0bea7ce0c0de');
    assert.equal(file.name, 'openvse-cbp');
    for (const c of file.capabilities) assert.ok((TA_CAPABILITIES as readonly string[]).includes(c), c);
    const caps: string[] = [...file.capabilities];
    assert.ok(!caps.includes('log'));
    assert.ok(!caps.includes('crypto.aes'));
  });

  it('the bundle verifies against the pinned key and carries the attested code hash', () => {
    const k = generateTaSigningKeyPair();
    const v = verifyTaBundle(buildCbpTaBundle({ signingKeyPem: k.privateKeyPem }), [k.publicKeyPem]);
    assert.equal(v.manifest.uuid, CBP_TA_UUID);
    assert.equal(v.manifest.codeSha256, cbpTaCodeSha256());
    assert.throws(() =>
      verifyTaBundle(buildCbpTaBundle({ signingKeyPem: k.privateKeyPem }), [
        generateTaSigningKeyPair().publicKeyPem,
      ]),
    );
  });

  it('the code obeys the SES source rules and has the GP entry points', () => {
    const code = buildCbpTaCode();
    for (const bad of ['import(', '<!--', '-->', 'require(', 'Buffer', 'process.', 'node:'])
      assert.ok(!code.includes(bad), bad);
    for (const ep of ['TA_CreateEntryPoint', 'TA_OpenSessionEntryPoint', 'TA_InvokeCommandEntryPoint'])
      assert.match(code, new RegExp(`^function ${ep}\\(`, 'm'));
  });

  it('maps every CbpError code to its own GP result and back', () => {
    const seen = new Set<number>();
    for (const code of Object.values(CbpErrorCode)) {
      const r = cbpErrorToTeeResult(code);
      assert.ok(!seen.has(r), `${code} shares 0x${r.toString(16)}`);
      seen.add(r);
      assert.equal(teeResultToCbpErrorCode(r), code);
    }
    assert.equal(cbpErrorToTeeResult('ERR_BAD_PARAMETERS'), 0xffff0006);
    assert.equal(teeResultToCbpErrorCode(0x12345678), 'ERR_INTERNAL');
  });
});
