/**
 * Unit tests for the token service helpers (docs/design.md "Tokenization and authorization"):
 * Luhn, token PANs in their BIN range, card expiry, and the API = YHHHHCC clock reading.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLuhnValid, luhnCheckDigit } from '@openvse/emv/codec';
import { apiPrefix, makeApi } from '../src/credentials/api.js';
import { expiryValid } from '../src/tokens/digitize.js';
import { checkTokenBin, generateTokenPan, inTokenRange } from '../src/tokens/token-pan.js';

describe('token helpers', () => {
  it('Luhn: known PANs, every single-digit error detected', () => {
    for (const pan of ['4111111111111111', '5555555555554444', '378282246310005', '4012888888881881'])
      assert.ok(isLuhnValid(pan), pan);
    assert.equal(luhnCheckDigit('411111111111111'), '1');
    const pan = '4111111111111111';
    for (let i = 0; i < pan.length; i++)
      for (let d = 0; d <= 9; d++) {
        if (String(d) === pan[i]) continue;
        assert.equal(isLuhnValid(pan.slice(0, i) + d + pan.slice(i + 1)), false);
      }
    assert.equal(isLuhnValid('41111111111'), false, 'too short');
    assert.equal(isLuhnValid('4111-1111-1111-1111'), false);
  });

  it('token PANs are Luhn-valid, in range, and spread', () => {
    const range = { bin: '489537', panLength: 16 };
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const t = generateTokenPan(range);
      assert.ok(isLuhnValid(t) && inTokenRange(t, range), t);
      seen.add(t);
    }
    assert.ok(seen.size > 1990);
    const r19 = { bin: '53558012', panLength: 19 };
    assert.ok(isLuhnValid(generateTokenPan(r19)) && generateTokenPan(r19).length === 19);
    assert.throws(() => checkTokenBin({ bin: '12', panLength: 16 }), { code: 'ERR_CONFIG' });
    assert.throws(() => checkTokenBin({ bin: '123456', panLength: 9 }), { code: 'ERR_CONFIG' });
  });

  it('expiry YYMM is valid through the end of its month', () => {
    const now = Date.UTC(2026, 10, 28);
    assert.equal(expiryValid('2611', now), true);
    assert.equal(expiryValid('2610', now), false);
    assert.equal(expiryValid('2613', now), false);
    assert.equal(expiryValid('2600', now), false);
    assert.equal(expiryValid('3012', now), true);
    assert.equal(expiryValid('2611', Date.UTC(2026, 11, 1)), false);
  });

  it('API = last digit of the year, hour of the year (UTC), counter', () => {
    assert.equal(apiPrefix(Date.UTC(2026, 0, 1, 0, 0)), '60000');
    assert.equal(apiPrefix(Date.UTC(2026, 0, 2, 3, 59)), '60027');
    assert.equal(apiPrefix(Date.UTC(2026, 11, 31, 23, 30)), '68759');
    assert.equal(apiPrefix(Date.UTC(2028, 11, 31, 23, 0)), '88783', 'leap year');
    assert.equal(makeApi('61234', 7), '6123407');
  });
});
