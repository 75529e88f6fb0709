/**
 * Exact manifest schema and strict framing, checked UNDER A VALID SIGNATURE: even a bundle the
 * pinned key really signed is refused when its manifest is not exactly valid and canonical, its
 * lengths do not add up, or its code does not match codeSha256.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { TeeResult, VosError } from '@openvse/protocol';
import { encodeSignedPart } from '../../src/ta-package/bundle-format.js';
import { isTaCapability, packTa, TA_CAPABILITIES, verifyTaBundle } from '../../src/ta-package/index.js';
import { loadTaSigningKey, taKeyIdBytes } from '../../src/ta-package/signing-keys.js';
import { CODE, MANIFEST, SIGNER, signRaw, signSignedPart, utf8 } from './fixtures.js';

const sha = (s: string | Uint8Array): string => createHash('sha256').update(s).digest('hex');
/** The fixture manifest in canonical member order, as packTa would encode it. */
const GOOD = {
  uuid: MANIFEST.uuid,
  name: MANIFEST.name,
  version: MANIFEST.version,
  capabilities: ['crypto.sha', 'log', 'random'],
  codeSha256: sha(CODE),
  commands: { digest: 2, echo: 1 },
  timeoutMs: 2000,
};
const canonical = (m: Record<string, unknown>): string => JSON.stringify(m);

function verdict(bundle: Uint8Array): { result: number; message: string } {
  try {
    verifyTaBundle(bundle, [SIGNER.publicKeyPem]);
    return { result: 0, message: 'accepted' };
  } catch (e) {
    assert.ok(e instanceof VosError);
    return { result: e.result, message: e.message };
  }
}

/** Signs the manifest text as-is with the code and expects `result`. */
function expectManifest(text: string, result: number, msg?: RegExp, code: string = CODE): void {
  const v = verdict(signRaw(utf8(text), utf8(code)));
  assert.equal(v.result, result, `${text.slice(0, 120)} → ${v.message}`);
  if (msg) assert.match(v.message, msg);
}

const withMember = (patch: Record<string, unknown>): string => {
  const m: Record<string, unknown> = { ...GOOD, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete m[k];
  return canonical({
    uuid: m.uuid,
    name: m.name,
    version: m.version,
    capabilities: m.capabilities,
    codeSha256: m.codeSha256,
    ...(m.commands !== undefined ? { commands: m.commands } : {}),
    ...(m.timeoutMs !== undefined ? { timeoutMs: m.timeoutMs } : {}),
    ...Object.fromEntries(Object.entries(patch).filter(([k]) => !Object.hasOwn(GOOD, k))),
  });
};

describe('manifest schema (signed, yet refused)', () => {
  test('the canonical text of the good manifest is accepted (control)', () => {
    expectManifest(canonical(GOOD), 0);
  });

  test('unknown members are refused, including __proto__ and constructor', () => {
    expectManifest(withMember({ entry: 'main' }), TeeResult.ERROR_BAD_FORMAT, /"entry" is not allowed/);
    const proto = `${canonical(GOOD).slice(0, -1)},"__proto__":{"admin":true}}`;
    expectManifest(proto, TeeResult.ERROR_BAD_FORMAT, /__proto__/);
    expectManifest(withMember({ constructor: 1 }), TeeResult.ERROR_BAD_FORMAT, /constructor/);
  });

  test('missing required members are refused', () => {
    for (const k of ['uuid', 'name', 'version', 'capabilities', 'codeSha256']) {
      expectManifest(withMember({ [k]: undefined }), TeeResult.ERROR_BAD_FORMAT, new RegExp(k));
    }
  });

  test('uuid must be lowercase RFC 4122', () => {
    for (const uuid of [
      GOOD.uuid.toUpperCase(),
      '00000000-0000-0000-0000-000000000000',
      '6e1c2c8a7b5e4d1f9a530c1d2e3f4a5b',
      '6e1c2c8a-7b5e-0d1f-9a53-0c1d2e3f4a5b', // version 0
      '6e1c2c8a-7b5e-4d1f-c a53-0c1d2e3f4a5b',
      '6e1c2c8a-7b5e-4d1f-7a53-0c1d2e3f4a5b', // variant 0xxx
      `{${GOOD.uuid}}`,
      42,
    ]) {
      expectManifest(withMember({ uuid }), TeeResult.ERROR_BAD_FORMAT, /uuid/);
    }
  });

  test('version must be strict MAJOR.MINOR.PATCH', () => {
    for (const version of [
      '1.2',
      '1.2.3.4',
      '01.2.3',
      '1.2.3-beta',
      '1.2.3+build',
      'v1.2.3',
      ' 1.2.3',
      '4294967296.0.0',
      1,
    ]) {
      expectManifest(withMember({ version }), TeeResult.ERROR_BAD_FORMAT, /version/);
    }
    expectManifest(withMember({ version: '4294967295.0.0' }), 0);
  });

  test('capabilities: unknown, duplicated, non-string or unsorted are refused', () => {
    expectManifest(withMember({ capabilities: ['log', 'net'] }), TeeResult.ERROR_BAD_FORMAT, /unknown/);
    expectManifest(withMember({ capabilities: ['LOG'] }), TeeResult.ERROR_BAD_FORMAT, /unknown/);
    expectManifest(withMember({ capabilities: ['log', 'log'] }), TeeResult.ERROR_BAD_FORMAT, /twice/);
    expectManifest(withMember({ capabilities: [1] }), TeeResult.ERROR_BAD_FORMAT, /unknown/);
    expectManifest(withMember({ capabilities: 'log' }), TeeResult.ERROR_BAD_FORMAT, /array/);
    expectManifest(withMember({ capabilities: ['random', 'log'] }), TeeResult.ERROR_BAD_FORMAT, /canonical/);
  });

  test('every TA_CAPABILITIES member is accepted; the vocabulary is frozen', () => {
    expectManifest(withMember({ capabilities: [...TA_CAPABILITIES].sort() }), 0);
    assert.ok(Object.isFrozen(TA_CAPABILITIES));
    assert.ok(isTaCapability('crypto.tdes'));
    assert.ok(!isTaCapability('fs'));
  });

  test('name: printable ASCII, 1..64, no leading/trailing space', () => {
    for (const name of ['', ' x', 'x ', 'a\u0000b', 'tab\there', 'é', 'x'.repeat(65), 7]) {
      expectManifest(withMember({ name }), TeeResult.ERROR_BAD_FORMAT, /name/);
    }
    expectManifest(withMember({ name: 'x'.repeat(64) }), 0);
    expectManifest(withMember({ name: 'A' }), 0);
  });

  test('codeSha256 must be lowercase hex and match the code (mismatch is TEE_ERROR_SECURITY)', () => {
    expectManifest(
      withMember({ codeSha256: sha(CODE).toUpperCase() }),
      TeeResult.ERROR_BAD_FORMAT,
      /codeSha256/,
    );
    expectManifest(withMember({ codeSha256: sha(CODE).slice(1) }), TeeResult.ERROR_BAD_FORMAT, /codeSha256/);
    expectManifest(withMember({ codeSha256: sha('other code') }), TeeResult.ERROR_SECURITY, /codeSha256/);
  });

  test('commands: u32 ids, unique ids, valid names, canonical order', () => {
    expectManifest(withMember({ commands: { a: 1, b: 1 } }), TeeResult.ERROR_BAD_FORMAT, /used twice/);
    expectManifest(withMember({ commands: { a: -1 } }), TeeResult.ERROR_BAD_FORMAT, /u32/);
    expectManifest(withMember({ commands: { a: 1.5 } }), TeeResult.ERROR_BAD_FORMAT, /u32/);
    expectManifest(withMember({ commands: { a: 4294967296 } }), TeeResult.ERROR_BAD_FORMAT, /u32/);
    expectManifest(withMember({ commands: { a: '1' } }), TeeResult.ERROR_BAD_FORMAT, /u32/);
    expectManifest(withMember({ commands: { '1a': 1 } }), TeeResult.ERROR_BAD_FORMAT, /name/);
    expectManifest(withMember({ commands: { 'a-b': 1 } }), TeeResult.ERROR_BAD_FORMAT, /name/);
    expectManifest(withMember({ commands: [1, 2] }), TeeResult.ERROR_BAD_FORMAT, /object/);
    expectManifest(withMember({ commands: { b: 2, a: 1 } }), TeeResult.ERROR_BAD_FORMAT, /canonical/);
    expectManifest(withMember({ commands: { a: 4294967295 } }), 0);
    const many = Object.fromEntries(
      Array.from({ length: 257 }, (_, i) => [`c${String(i).padStart(3, '0')}`, i]),
    );
    expectManifest(withMember({ commands: many }), TeeResult.ERROR_BAD_FORMAT, /at most/);
  });

  test('timeoutMs: integer 1..600000', () => {
    for (const timeoutMs of [0, -1, 1.5, 600001, '100', null]) {
      expectManifest(withMember({ timeoutMs }), TeeResult.ERROR_BAD_FORMAT, /timeoutMs/);
    }
    expectManifest(withMember({ timeoutMs: 600000 }), 0);
  });

  test('non-canonical encodings of a valid manifest are refused', () => {
    const good = canonical(GOOD);
    expectManifest(JSON.stringify(GOOD, null, 2), TeeResult.ERROR_BAD_FORMAT, /canonical/);
    expectManifest(` ${good}`, TeeResult.ERROR_BAD_FORMAT, /canonical/);
    expectManifest(`${good}\n`, TeeResult.ERROR_BAD_FORMAT, /canonical/);
    const { uuid, ...rest } = GOOD;
    const reordered = canonical({ ...rest, uuid });
    expectManifest(reordered, TeeResult.ERROR_BAD_FORMAT, /canonical/);
    expectManifest(good.replace('"uuid"', '"\\u0075uid"'), TeeResult.ERROR_BAD_FORMAT, /canonical/);
    expectManifest(
      good.replace('"timeoutMs":2000', '"timeoutMs":2000.0'),
      TeeResult.ERROR_BAD_FORMAT,
      /canonical/,
    );
    expectManifest(
      good.replace('"timeoutMs":2000', '"timeoutMs":2e3'),
      TeeResult.ERROR_BAD_FORMAT,
      /canonical/,
    );
    // Duplicate member: JSON.parse keeps the last one; the re-encoding check catches it.
    expectManifest(good.replace('{', `{"version":"9.9.9",`), TeeResult.ERROR_BAD_FORMAT, /canonical/);
  });

  test('a manifest that is not JSON, not an object, or not UTF-8 is refused', () => {
    expectManifest('{"uuid":', TeeResult.ERROR_BAD_FORMAT, /not JSON/);
    expectManifest('[1,2]', TeeResult.ERROR_BAD_FORMAT, /object/);
    expectManifest('null', TeeResult.ERROR_BAD_FORMAT, /object/);
    const bad = utf8(canonical(GOOD));
    const text = bad.slice();
    text[text.indexOf(0x54)] = 0xff; // 'T' of "Test Echo TA" → invalid UTF-8
    assert.equal(verdict(signRaw(text, utf8(CODE))).result, TeeResult.ERROR_BAD_FORMAT);
  });

  test('code that is not valid UTF-8 is refused even with a matching hash', () => {
    const code = Uint8Array.of(0x61, 0xc3, 0x28, 0x62);
    const m = canonical({ ...GOOD, codeSha256: sha(code) });
    const v = verdict(signRaw(utf8(m), code));
    assert.equal(v.result, TeeResult.ERROR_BAD_FORMAT);
    assert.match(v.message, /UTF-8/);
  });
});

describe('framing (signed, yet refused)', () => {
  const key = loadTaSigningKey(SIGNER.privateKeyPem);
  const keyId = taKeyIdBytes(key);
  const manifest = utf8(canonical(GOOD));
  const code = utf8(CODE);
  const layout = (): Uint8Array => encodeSignedPart(keyId, manifest, code);
  const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

  test('control: the hand-built layout verifies', () => {
    assert.equal(verdict(signSignedPart(layout())).result, 0);
  });

  test('manifest length pointing past the end, or too small, is refused', () => {
    for (const m of [0, 1, manifest.length + 1, manifest.length - 1, 0xffffffff, 65537]) {
      const s = layout();
      dv(s).setUint32(40, m, false);
      assert.equal(verdict(signSignedPart(s)).result, TeeResult.ERROR_BAD_FORMAT, `M=${m}`);
    }
  });

  test('code length too long, too short, zero or huge is refused', () => {
    const at = 44 + manifest.length;
    for (const c of [0, code.length - 1, code.length + 1, 0xffffffff]) {
      const s = layout();
      dv(s).setUint32(at, c, false);
      assert.equal(verdict(signSignedPart(s)).result, TeeResult.ERROR_BAD_FORMAT, `C=${c}`);
    }
  });

  test('signed trailing bytes after the code are refused', () => {
    const s = layout();
    const longer = new Uint8Array(s.length + 3);
    longer.set(s);
    const v = verdict(signSignedPart(longer));
    assert.equal(v.result, TeeResult.ERROR_BAD_FORMAT);
    assert.match(v.message, /trailing/);
  });

  test('a non-zero reserved byte, unknown version or algorithm is refused before the signature', () => {
    for (const [i, value] of [
      [4, 2],
      [5, 2],
      [6, 1],
      [7, 0x80],
    ] as const) {
      const s = layout();
      s[i] = value;
      assert.equal(verdict(signSignedPart(s)).result, TeeResult.ERROR_BAD_FORMAT, `byte ${i}`);
    }
  });

  test('packTa refuses code over the size limit', () => {
    assert.throws(
      () => packTa({ manifest: MANIFEST, code: 'x'.repeat(8 * 1024 * 1024 + 1) }, SIGNER.privateKeyPem),
      (e: unknown) => e instanceof VosError && e.result === TeeResult.ERROR_BAD_PARAMETERS,
    );
  });
});
