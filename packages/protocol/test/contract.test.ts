/**
 * Properties of the contract's tables: every CBP TA error crosses the boundary as exactly one GP
 * result and comes back as itself; the TA-specific results stay out of GP's ranges; the command
 * ids and parameter layouts are what the docs list; the replenishment proof encodes as specified.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CbpCommand,
  CbpErrorCode,
  CbpParamTypes,
  CbpTeeResult,
  cbpErrorToTeeResult,
  cbpTaManifest,
  isTaUuid,
  ParamType,
  packParamTypes,
  replenishMacData,
  TeeResult,
  teeResultName,
  teeResultToCbpErrorCode,
} from '../src/index.js';

describe('CBP TA errors at the boundary', () => {
  it('map one-to-one onto TEE results and back', () => {
    const codes = Object.values(CbpErrorCode);
    const results = codes.map(cbpErrorToTeeResult);
    assert.equal(new Set(results).size, codes.length);
    for (const c of codes) assert.equal(teeResultToCbpErrorCode(cbpErrorToTeeResult(c)), c);
    assert.equal(teeResultToCbpErrorCode(0x12345678), CbpErrorCode.INTERNAL);
  });
  it('TA-specific results are not GP results', () => {
    const gp = new Set<number>(Object.values(TeeResult));
    for (const v of Object.values(CbpTeeResult)) {
      assert.ok(!gp.has(v));
      assert.match(teeResultName(v), /^0xCB00000[1-5]$/);
    }
  });
  it('every code is ERR_-prefixed', () => {
    for (const c of Object.values(CbpErrorCode)) assert.match(c, /^ERR_[A-Z_]+$/);
  });
});

describe('CBP TA header', () => {
  it('has a valid UUID and a layout for every command', () => {
    const m = cbpTaManifest();
    assert.ok(isTaUuid(m.uuid));
    assert.deepEqual(Object.keys(CbpParamTypes).sort(), Object.keys(CbpCommand).sort());
    assert.equal(
      CbpParamTypes.GPO_V,
      packParamTypes(
        ParamType.MEMREF_INPUT,
        ParamType.MEMREF_INPUT,
        ParamType.VALUE_OUTPUT,
        ParamType.MEMREF_OUTPUT,
      ),
    );
    // CDCVM takes a JSON memref: `{cardId, mobilePin}` or `{forget: true}`, no bare value flag.
    assert.equal(CbpParamTypes.CDCVM, packParamTypes(ParamType.MEMREF_INPUT));
  });
});

describe('replenishMacData', () => {
  it('encodes FF 01 ‖ BCD("0"‖API) ‖ first ‖ last ‖ Σ(ATC ‖ UN ‖ n12)', () => {
    const d = replenishMacData('6123401', 0x0102, 0x0203, [
      { atc: 0x0102, un: 'deadbeef', amount: 123456789012 },
    ]);
    assert.equal(Buffer.from(d).toString('hex'), 'ff01' + '0612340101020203' + '0102deadbeef123456789012');
  });
  it('can never equal a LUK cryptogram input: those start with a BCD amount (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{7}$/),
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(
          fc.record({
            atc: fc.integer({ min: 0, max: 0xffff }),
            un: fc.stringMatching(/^[0-9A-F]{8}$/),
            amount: fc.integer({ min: 0, max: 999_999_999_999 }),
          }),
          { maxLength: 4 },
        ),
        fc.integer({ min: 0, max: 999_999_999_999 }),
        (api, atc, log, amount) => {
          const proof = replenishMacData(api, atc, atc, log);
          // A CVN 0x43 input begins with 9F02 (n12): its first byte is two decimal digits.
          const firstCryptogramByte = Number.parseInt(String(amount).padStart(12, '0').slice(0, 2), 16);
          assert.ok(firstCryptogramByte <= 0x99);
          assert.notEqual(proof[0], firstCryptogramByte);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
  it('refuses input out of syntax', () => {
    assert.throws(() => replenishMacData('612340', 1, 1, []), RangeError);
    assert.throws(() => replenishMacData('6123401', 0x10000, 1, []), RangeError);
    assert.throws(() => replenishMacData('6123401', 1, 1, [{ atc: 1, un: 'xyz', amount: 1 }]), RangeError);
  });
});
