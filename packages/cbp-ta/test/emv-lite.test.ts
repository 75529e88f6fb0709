/**
 * The core's pure-JS helpers (src/core/bytes.ts, emv-lite.ts, the mobile PIN mask and the
 * replenishment MAC data) cross-checked against @openvse/emv, Buffer, TextEncoder and the
 * server's own replenishMacData, over random inputs.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import { encodeApiBcd as emvApiBcd, encodeTlv, mixMobilePin, parseDol } from '@openvse/emv';
import { replenishMacData as serverMacData } from '@openvse/server';
import {
  decodeBcdNumber,
  dolLength,
  encodeApiBcd,
  encodeN12,
  fromB64url,
  fromHex,
  fromUtf8,
  mobilePinMask,
  replenishMacData,
  tlvList,
  toB64url,
  toHex,
  track2,
  utf8,
} from '../src/index.js';

describe('core byte helpers against Node and @openvse/emv', () => {
  it('hex and base64url round-trip like Buffer; non-canonical base64url is refused', () => {
    for (let n = 0; n < 70; n++) {
      const b = new Uint8Array(randomBytes(n));
      assert.equal(toHex(b), Buffer.from(b).toString('hex').toUpperCase());
      assert.deepEqual(fromHex(toHex(b)), b);
      assert.equal(toB64url(b), Buffer.from(b).toString('base64url'));
      assert.deepEqual(fromB64url(toB64url(b)), b);
    }
    assert.equal(fromB64url('AB'), undefined); // unused bits set
    assert.equal(fromB64url('AA=='), undefined);
    assert.equal(fromB64url('A'), undefined);
    assert.equal(fromHex('0g'), undefined);
    assert.equal(fromHex('abc'), undefined);
  });

  it('UTF-8 matches TextEncoder / fatal TextDecoder', () => {
    const samples = ['', 'abc', 'é', '€', '𝄞', 'a\u0000b', JSON.stringify({ x: 'ü€𝄞' })];
    for (const s of samples) {
      assert.deepEqual(utf8(s), new TextEncoder().encode(s));
      assert.equal(fromUtf8(new TextEncoder().encode(s)), s);
    }
    for (let i = 0; i < 300; i++) {
      const b = new Uint8Array(randomBytes(randomInt(1, 12)));
      let want: string | undefined;
      try {
        want = new TextDecoder('utf-8', { fatal: true }).decode(b);
      } catch {
        want = undefined;
      }
      assert.equal(fromUtf8(b), want, toHex(b));
    }
    for (const bad of ['C080', 'EDA080', 'F4908080', 'E282', 'FF'])
      assert.equal(fromUtf8(fromHex(bad)!), undefined);
  });

  it('TLV, BCD, n12 and track 2 match @openvse/emv', () => {
    for (let i = 0; i < 50; i++) {
      const v1 = new Uint8Array(randomBytes(randomInt(0, 300)));
      const v2 = new Uint8Array(randomBytes(randomInt(0, 5)));
      assert.deepEqual(
        tlvList([
          ['9F26', v1],
          ['82', v2],
        ]),
        encodeTlv([
          { tag: '9F26', value: v1 },
          { tag: '82', value: v2 },
        ]),
      );
      const api = String(randomInt(0, 10_000_000)).padStart(7, '0');
      assert.deepEqual(encodeApiBcd(api), emvApiBcd(api));
      const amount = randomInt(0, 2 ** 47);
      assert.equal(
        toHex(encodeN12(amount % 1_000_000_000_000)),
        String(amount % 1_000_000_000_000).padStart(12, '0'),
      );
      assert.equal(decodeBcdNumber(encodeN12(amount % 1_000_000_000_000)), amount % 1_000_000_000_000);
    }
    assert.equal(decodeBcdNumber(fromHex('0A')!), undefined);
    assert.equal(toHex(track2('4895370012345678', '2812')), '4895370012345678D28122010000000000');
    assert.equal(toHex(track2('489537001234567', '2812')), '489537001234567D28122010000000000F');
  });

  it('DOL lengths match parseDol', () => {
    const cdol1 = '9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F3403';
    assert.equal(
      dolLength(cdol1),
      parseDol(fromHex(cdol1)!).reduce((n, e) => n + e.length, 0),
    );
    assert.equal(dolLength('9F'), undefined);
    assert.equal(dolLength(''), undefined);
  });

  it('the mobile PIN mask is mixMobilePin on a zero key', () => {
    for (const pin of ['1234', '0000', '99999999', '123456789012']) {
      assert.deepEqual(mobilePinMask(pin), mixMobilePin(new Uint8Array(16), pin));
    }
  });

  it('the replenishment MAC data is the server’s', () => {
    const log = Array.from({ length: 5 }, (_, i) => ({
      atc: 10 + i,
      un: randomBytes(4).toString('hex').toUpperCase(),
      amount: randomInt(0, 100000),
    }));
    assert.deepEqual(replenishMacData('6123402', 10, 16, log), serverMacData('6123402', 10, 16, log));
  });
});
