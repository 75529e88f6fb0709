/**
 * Properties of the contract's tables: every CBP TA error crosses the boundary as exactly one GP
 * result and comes back as itself; the TA-specific results stay out of GP's ranges; the command
 * ids and parameter layouts are what the docs list; the replenishment proof encodes as specified.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
      assert.match(teeResultName(v), /^0xCB00000[1-4]$/);
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
    assert.equal(CbpParamTypes.CDCVM, 0x0001);
  });
});

describe('replenishMacData', () => {
  it('encodes BCD("0"‖API) ‖ first ‖ last ‖ Σ(ATC ‖ UN ‖ n12)', () => {
    const d = replenishMacData('6123401', 0x0102, 0x0203, [
      { atc: 0x0102, un: 'deadbeef', amount: 123456789012 },
    ]);
    assert.equal(Buffer.from(d).toString('hex'), '0612340101020203' + '0102deadbeef123456789012');
  });
  it('refuses input out of syntax', () => {
    assert.throws(() => replenishMacData('612340', 1, 1, []), RangeError);
    assert.throws(() => replenishMacData('6123401', 0x10000, 1, []), RangeError);
    assert.throws(() => replenishMacData('6123401', 1, 1, [{ atc: 1, un: 'xyz', amount: 1 }]), RangeError);
  });
});
