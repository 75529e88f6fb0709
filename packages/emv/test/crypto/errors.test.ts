// Typed errors of crypto/: key lengths, data alignment, IVs, hex.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aesCbcEncrypt,
  aesEcbEncrypt,
  desEcbEncrypt,
  tdesCbcEncrypt,
  tdesEcbDecrypt,
  tdesEcbEncrypt,
} from '../../src/crypto/index.js';
import { EmvError } from '../../src/errors.js';

const K16 = '0123456789ABCDEFFEDCBA9876543210';

test('wrong key lengths → ERR_KEY_LENGTH', () => {
  for (const n of [0, 8, 15, 17, 23, 32]) {
    assert.throws(() => tdesEcbEncrypt('00'.repeat(n), '00'.repeat(8)), { code: 'ERR_KEY_LENGTH' });
  }
  for (const n of [0, 7, 16])
    assert.throws(() => desEcbEncrypt('00'.repeat(n), '00'.repeat(8)), { code: 'ERR_KEY_LENGTH' });
  for (const n of [8, 15, 20, 33])
    assert.throws(() => aesEcbEncrypt('00'.repeat(n), '00'.repeat(16)), { code: 'ERR_KEY_LENGTH' });
});

test('unaligned data → ERR_DATA_LENGTH', () => {
  assert.throws(() => tdesEcbEncrypt(K16, '00'.repeat(7)), { code: 'ERR_DATA_LENGTH' });
  assert.throws(() => tdesEcbDecrypt(K16, '00'.repeat(9)), { code: 'ERR_DATA_LENGTH' });
  assert.throws(() => aesEcbEncrypt('00'.repeat(16), '00'.repeat(8)), { code: 'ERR_DATA_LENGTH' });
});

test('wrong IV length → ERR_IV_LENGTH', () => {
  assert.throws(() => tdesCbcEncrypt(K16, '00'.repeat(8), '00'.repeat(16)), { code: 'ERR_IV_LENGTH' });
  assert.throws(() => aesCbcEncrypt('00'.repeat(16), '00'.repeat(16), '00'.repeat(8)), {
    code: 'ERR_IV_LENGTH',
  });
});

test('hex errors → ERR_HEX_ODD_LENGTH / ERR_HEX_INVALID, and messages carry no key bytes', () => {
  assert.throws(() => tdesEcbEncrypt('0123', '00'.repeat(8)), { code: 'ERR_KEY_LENGTH' });
  assert.throws(() => tdesEcbEncrypt(`${K16}0`, '00'.repeat(8)), { code: 'ERR_HEX_ODD_LENGTH' });
  assert.throws(() => tdesEcbEncrypt(K16.replace('01', 'G1'), '00'.repeat(8)), { code: 'ERR_HEX_INVALID' });
  assert.throws(() => tdesEcbEncrypt(K16, '0'), { code: 'ERR_HEX_ODD_LENGTH' });
  try {
    tdesEcbEncrypt(`${K16}AB`, '00'.repeat(8));
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof EmvError);
    assert.ok(!e.message.toUpperCase().includes('0123456789ABCDEF'));
  }
});
