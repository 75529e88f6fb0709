// MCBP mobile PIN mixing (docs/emv-cryptography.md §4.5, vector mcbp-mobile-pin-unlock).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, hexToBytes } from '../../src/codec/index.js';
import { mixMobilePin } from '../../src/keys/index.js';

const SUK = '3E6B740FB26E0C3B6A0BA89EFA60D147';
const SK = '5C0F1267B26E0C3B086FCEF6FA60D147';

test('vector: SUK + "1234" → SK_UMD (text and ASCII bytes agree)', () => {
  assert.equal(bytesToHex(mixMobilePin(SUK, '1234')), SK);
  assert.equal(bytesToHex(mixMobilePin(SUK, hexToBytes('31323334'))), SK);
});

test('hand-walked: s = (ASCII << 1) mod 256 into bytes i and i+8', () => {
  const k = hexToBytes(SUK);
  const pin = '98765432';
  for (let i = 0; i < 8; i++) {
    const s = (pin.charCodeAt(i) << 1) & 0xff;
    k[i]! ^= s;
    k[i + 8]! ^= s;
  }
  assert.deepEqual(mixMobilePin(SUK, pin), k);
});

test('self-inverse; only the first 8 PIN characters count', () => {
  assert.equal(bytesToHex(mixMobilePin(SK, '1234')), SUK);
  assert.deepEqual(mixMobilePin(SUK, '123456789012'), mixMobilePin(SUK, '12345678'));
  assert.notDeepEqual(mixMobilePin(SUK, '1235'), mixMobilePin(SUK, '1234'));
});

test('errors', () => {
  assert.throws(() => mixMobilePin(SUK.slice(0, 16), '1234'), { code: 'ERR_KEY_LENGTH' });
  assert.throws(() => mixMobilePin(SUK, ''), { code: 'ERR_PIN_INVALID' });
  assert.throws(() => mixMobilePin(SUK, '12\n4'), { code: 'ERR_PIN_INVALID' });
});
