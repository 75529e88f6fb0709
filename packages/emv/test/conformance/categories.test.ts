// Every vector of test/fixtures/vectors/emv-public.json through conformance/categories.ts, plus
// the pyemv CVN cases the fixture leaves out (Visa 18, Mastercard 17/21), profile selection
// from id/description, optional inputs and error codes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
// The runner's modules, imported directly, choose no backend: node:crypto here, as the Node entry
// points do (test/crypto/backends.test.ts runs the vectors on both backends).
import '../../src/crypto/node-default.js';
import { cvnProfileForVector, vectorCategories } from '../../src/conformance/categories.js';

type Vector = {
  id: string;
  category: string;
  description?: string;
  inputs: Record<string, unknown>;
  expected: Record<string, string>;
};

const fixture = new URL('../../../../../test/fixtures/vectors/emv-public.json', import.meta.url);
const file = JSON.parse(readFileSync(fixture, 'utf8')) as { schema: string; vectors: Vector[] };

function run(v: Vector): Record<string, string> {
  const f = vectorCategories[v.category];
  assert.ok(f, `no function for category ${v.category}`);
  return f({ ...v.inputs, __id: v.id, __description: v.description ?? '' });
}

describe('emv-public.json', () => {
  test('schema and coverage: every category has a function', () => {
    assert.equal(file.schema, 'emv-vectors/1');
    assert.ok(file.vectors.length >= 26);
    for (const v of file.vectors) assert.ok(Object.hasOwn(vectorCategories, v.category), v.category);
  });
  for (const v of file.vectors) {
    test(`${v.category} / ${v.id}`, () => {
      const out = run(v);
      for (const [field, expected] of Object.entries(v.expected)) {
        assert.equal(out[field], expected.toUpperCase(), `${v.id}.${field}`);
      }
    });
  }
});

const pyemvMc = {
  imk_ac: '0123456789ABCDEFFEDCBA9876543210',
  pan: '1234567890123456',
  psn: '00',
  tag_9f02: '000000009999',
  tag_9f03: '000000000000',
  tag_9f1a: '0124',
  tag_95: '8000000000',
  tag_5f2a: '0124',
  tag_9a: '209906',
  tag_9c: '00',
  tag_9f37: 'ABCDEF12',
  tag_82: '1800',
  tag_9f36: '001C',
  cvr: 'A00003220000',
  arc: '0010',
};
const pyemvVisa = {
  ...pyemvMc,
  tag_9f02: '000000004000',
  tag_95: '8000048000',
  tag_9a: '191105',
  tag_9c: '01',
  tag_9f37: '52BF4585',
  cvr: undefined,
  arc: undefined,
  tag_9f10: '06011203A0B800',
  csu: '00000000',
};

describe('cvn_end_to_end beyond the fixture (pyemv tests/test_cvn_hsm.py)', () => {
  const cvn = vectorCategories.cvn_end_to_end!;
  test('MasterCard CVN 17 (counters given)', () => {
    const out = cvn({ ...pyemvMc, counters: '00000000000322FF', __id: 'cvn-mc-17', __description: '' });
    assert.equal(out.arqc, 'EAE8A620A75648D8');
    assert.equal(out.arpc_m1, '29CF11FBDB9CA650');
    assert.equal(out.kcv2_hsm_sk, '2FD5');
  });
  test('MasterCard CVN 21 (counters read from 9F10), picked from the description', () => {
    const out = cvn({
      ...pyemvMc,
      tag_9f10: '0115A00003220000000000000000000322FF',
      __id: 'x',
      __description: 'MasterCard CVN 21 (0x15)',
    });
    assert.equal(out.arqc, 'C30E54BE496CF5E5');
    assert.equal(out.arpc_m1, '4F51F9CC63CE8B3C');
  });
  test('Visa CVN 18: ARPC method 2 with the session key', () => {
    const out = cvn({ ...pyemvVisa, __id: 'cvn-visa-18' });
    assert.equal(out.arqc, '7A788EA6B8A3E733');
    assert.equal(out.arpc_m2, '9AF514C1');
    assert.equal(out.arpc_m1, undefined);
    assert.equal(out.kcv2_hsm_mk, 'BAB0');
    assert.equal(out.kcv2_hsm_sk, '22C8');
  });
  test('optional inputs: no arc → no arpc_m1', () => {
    const out = cvn({ ...pyemvMc, arc: undefined, __id: 'cvn-mc-20' });
    assert.equal(out.arqc, 'CD29615D6452E70E');
    assert.ok(!('arpc_m1' in out));
  });
});

describe('profile selection', () => {
  const pick = (inputs: Record<string, unknown>) => cvnProfileForVector(inputs).id;
  test('from inputs.cvn', () => {
    assert.equal(pick({ cvn: 10 }), 'visa-10');
    assert.equal(pick({ cvn: '18' }), 'visa-18');
    assert.equal(pick({ cvn: '0x22' }), 'visa-22');
    assert.equal(pick({ cvn: 34 }), 'visa-22');
    assert.equal(pick({ cvn: "'22'" }), 'visa-22');
    assert.equal(pick({ cvn: '0x14' }), 'mc-20');
    assert.equal(pick({ cvn: 21, __description: 'MasterCard' }), 'mc-21');
    assert.equal(pick({ cvn: 'mc-16' }), 'mc-16');
  });
  test('from id and description', () => {
    assert.equal(pick({ __id: 'cvn-visa-10' }), 'visa-10');
    assert.equal(pick({ __id: 'cvn-mc-16' }), 'mc-16');
    assert.equal(pick({ __id: 'x', __description: 'MasterCard CVN 20 (0x14): EMV CSK' }), 'mc-20');
    assert.equal(pick({ __id: 'x', __description: "Visa CVN '22' (0x22)" }), 'visa-22');
    assert.equal(pick({ __id: 'cvn-visa-18', __description: 'Visa CVN 18 (0x12)' }), 'visa-18');
  });
  test('unknown or missing', () => {
    assert.throws(() => pick({ __id: 'x', __description: 'nothing here' }), {
      code: 'ERR_VECTOR_FILE_INVALID',
    });
    assert.throws(() => pick({ __id: 'cvn-visa-17' }), { code: 'ERR_UNSUPPORTED_CVN' });
  });
});

describe('invalid inputs', () => {
  test('missing or mistyped inputs → ERR_VECTOR_FILE_INVALID', () => {
    assert.throws(() => vectorCategories.icc_master_key_option_a!({ pan: '1234567890123456' }), {
      code: 'ERR_VECTOR_FILE_INVALID',
    });
    assert.throws(() => vectorCategories.aes_cmac!({ key: 5, message: '' }), {
      code: 'ERR_VECTOR_FILE_INVALID',
    });
    assert.throws(() => vectorCategories.arqc_tdes!({ session_key: '00'.repeat(16), ac_data: '00' }), {
      code: 'ERR_VECTOR_FILE_INVALID',
    });
    assert.throws(() => vectorCategories.mcbp_pin_mixing!({ mobile_pin_ascii: '31323334' }), {
      code: 'ERR_VECTOR_FILE_INVALID',
    });
  });
  test('crypto errors keep their codes', () => {
    const imk = '0123456789ABCDEFFEDCBA9876543210';
    assert.throws(() => vectorCategories.icc_master_key_option_a!({ imk, pan: '12345678901', psn: null }), {
      code: 'ERR_PAN_INVALID',
    });
    assert.throws(
      () => vectorCategories.icc_master_key_option_b!({ imk: imk.slice(1), pan: '1234567890123', psn: null }),
      {
        code: 'ERR_HEX_ODD_LENGTH',
      },
    );
    assert.throws(() => vectorCategories.mac_iso9797_1_alg3!({ key: imk, data: '00', padding_method: 3 }), {
      code: 'ERR_PADDING_METHOD',
    });
    assert.throws(() => vectorCategories.session_key_visa_sm!({ icc_mk: imk, atc: '1C' }), {
      code: 'ERR_ATC_INVALID',
    });
  });
});
