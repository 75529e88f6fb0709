/**
 * The pure-JavaScript codecs against Node's Buffer as the reference implementation (hex,
 * base64url, UTF-8) and against known answers (BCD, track 2, Luhn). Every decoder refuses what is
 * not its canonical input with a typed error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  amountToN12,
  base64urlToBytes,
  bcdToDigits,
  bcdToNumber,
  bytesToBase64url,
  bytesToHex,
  digitsToBcd,
  encodeTrack2,
  hexToBytes,
  isLuhnValid,
  luhnCheckDigit,
  numberToBcd,
  parsePanCn,
  parseTrack2,
  utf8Decode,
  utf8Encode,
} from '../../src/codec/index.js';
import { EmvError } from '../../src/errors.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.ok(e instanceof EmvError, String(e));
    return e.code;
  }
};

describe('hex', () => {
  it('matches Buffer both ways (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const h = bytesToHex(b);
        assert.equal(h, Buffer.from(b).toString('hex').toUpperCase());
        assert.deepEqual(hexToBytes(h.toLowerCase()), b);
      }),
      { seed: 1, numRuns: 300 },
    );
  });
  it('refuses odd lengths and non-hex', () => {
    assert.equal(
      code(() => hexToBytes('ABC')),
      'ERR_HEX_ODD_LENGTH',
    );
    assert.equal(
      code(() => hexToBytes('0G')),
      'ERR_HEX_INVALID',
    );
  });
});

describe('base64url', () => {
  it('matches Buffer both ways (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (b) => {
        const s = bytesToBase64url(b);
        assert.equal(s, Buffer.from(b).toString('base64url'));
        assert.deepEqual(base64urlToBytes(s), b);
      }),
      { seed: 2, numRuns: 300 },
    );
  });
  it('accepts exactly the canonical spellings (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_=+/-]{0,12}$/), (s) => {
        const canonical =
          /^[A-Za-z0-9_-]*$/.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s;
        assert.equal(code(() => base64urlToBytes(s)) === undefined, canonical, s);
      }),
      { seed: 3, numRuns: 2000 },
    );
  });
});

describe('utf8', () => {
  it('matches TextEncoder / a fatal TextDecoder (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        assert.deepEqual(utf8Encode(s), new TextEncoder().encode(s));
      }),
      { seed: 4, numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
        let expected: string | undefined;
        try {
          expected = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
        } catch {
          expected = undefined;
        }
        if (expected === undefined)
          assert.equal(
            code(() => utf8Decode(b)),
            'ERR_UTF8_INVALID',
          );
        else assert.equal(utf8Decode(b), expected);
      }),
      { seed: 5, numRuns: 3000 },
    );
  });
});

describe('BCD, track 2, Luhn', () => {
  it('encode the EMV formats', () => {
    assert.equal(bytesToHex(digitsToBcd('06123401')), '06123401');
    assert.equal(bytesToHex(amountToN12(700)), '000000000700');
    assert.equal(bytesToHex(numberToBcd(250, 2)), '0250');
    assert.equal(bcdToDigits(hexToBytes('0A')), undefined);
    assert.equal(bcdToNumber(hexToBytes('000000012345')), 12345);
    assert.equal(
      code(() => amountToN12(1e12)),
      'ERR_BAD_ARGUMENT',
    );
    assert.equal(
      code(() => digitsToBcd('123')),
      'ERR_BAD_ARGUMENT',
    );
  });
  it('track 2 round-trips and pads to whole bytes', () => {
    const t = encodeTrack2({ pan: '4895370000000005', expiry: '3012' });
    assert.equal(bytesToHex(encodeTrack2({ pan: '489537000000005', expiry: '3012' })).slice(-1), 'F');
    assert.equal(bytesToHex(t), '4895370000000005D30122010000000000');
    assert.deepEqual(parseTrack2(t), {
      pan: '4895370000000005',
      expiry: '3012',
      serviceCode: '201',
      discretionary: '0000000000',
    });
    assert.equal(parsePanCn(hexToBytes('4895370000000005')), '4895370000000005');
    assert.equal(parseTrack2(hexToBytes('1234')), undefined);
  });
  it('Luhn: known PANs and every single-digit error', () => {
    for (const pan of ['4111111111111111', '5555555555554444', '378282246310005']) {
      assert.ok(isLuhnValid(pan));
      assert.equal(luhnCheckDigit(pan.slice(0, -1)), pan.slice(-1));
      for (let i = 0; i < pan.length; i++)
        for (const d of '0123456789')
          if (d !== pan[i]) assert.equal(isLuhnValid(pan.slice(0, i) + d + pan.slice(i + 1)), false);
    }
  });
});
