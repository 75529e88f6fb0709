/**
 * Small pieces: configuration validation and terminal data (EMV Book 3 Annex A formats), TTQ
 * per transaction and reader CVM (Book C-3), TVR bits (Book 3 Annex C5), terminal action
 * analysis (Book 3 §10.7), AFL and Track 2 parsing, chip data order, trace rendering.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, parseTlv } from '@openvse/emv';
import { parseTrack2 } from '@openvse/emv/codec';
import {
  ApduTrace,
  buildChipData,
  buildTerminalData,
  cryptogramAllowed,
  posciiAsksSeePhone,
  readerCvm,
  resolveTerminalConfig,
  resolveTransaction,
  TerminalError,
  TerminalErrorCode,
  TVR,
  Tvr,
  terminalActionAnalysis,
  transactionTtq,
} from '../../src/index.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

describe('terminal configuration and data', () => {
  it('defaults: EUR, France, qVSDC TTQ with CDCVM, limits', () => {
    const c = resolveTerminalConfig();
    assert.equal(c.currencyCode, '0978');
    assert.equal(c.ttq, '20004000');
    assert.equal(c.cvmRequiredLimit, 5000n);
  });

  it('rejects malformed fields with ERR_TERMINAL_CONFIG_INVALID', () => {
    for (const bad of [
      { currencyCode: '978' },
      { ttq: 'XYZ' },
      { floorLimit: -5 },
      { supportedAids: [] },
      { kernel2: { tacOnline: '00' } },
    ]) {
      assert.throws(
        () => resolveTerminalConfig(bad as never),
        (e: unknown) => e instanceof TerminalError && e.code === TerminalErrorCode.CONFIG_INVALID,
      );
    }
  });

  it('terminal data: amounts n12, date/time from the injected clock, UN, transaction type', () => {
    const c = resolveTerminalConfig({
      clock: () => new Date('2027-01-02T03:04:05Z'),
      unpredictableNumber: () => hex('A1B2C3D4'),
    });
    const tx = resolveTransaction({ amount: 123456789012, amountOther: 5, transactionType: 0x09 }, c);
    const d = buildTerminalData(c, tx);
    assert.equal(bytesToHex(d.get('9F02')!), '123456789012');
    assert.equal(bytesToHex(d.get('9F03')!), '000000000005');
    assert.equal(bytesToHex(d.get('9A')!), '270102');
    assert.equal(bytesToHex(d.get('9F21')!), '030405');
    assert.equal(bytesToHex(d.get('9F37')!), 'A1B2C3D4');
    assert.equal(bytesToHex(d.get('9C')!), '09');
    assert.equal(bytesToHex(d.get('95')!), '0000000000');
  });

  it('the default UN is random', () => {
    const c = resolveTerminalConfig();
    const a = resolveTransaction({ amount: 1 }, c).unpredictableNumber;
    const b = resolveTransaction({ amount: 1 }, c).unpredictableNumber;
    assert.equal(a.length, 4);
    assert.notDeepEqual(a, b);
  });
});

describe('Kernel 3 qualifiers and reader CVM', () => {
  const c = resolveTerminalConfig();
  const tx = (amount: number) => resolveTransaction({ amount }, c);
  it('TTQ: online cryptogram required over the floor limit, CVM required over the CVM limit', () => {
    assert.equal(bytesToHex(transactionTtq(c, tx(100))), '20804000');
    assert.equal(bytesToHex(transactionTtq(c, tx(5001))), '20C04000');
    const offline = resolveTerminalConfig({ floorLimit: 1000 });
    assert.equal(
      bytesToHex(transactionTtq(offline, resolveTransaction({ amount: 100 }, offline))),
      '20004000',
    );
  });

  it('reader CVM from the CTQ', () => {
    const req = hex('20C04000');
    assert.deepEqual(readerCvm(hex('20804000'), hex('0000'), true), { cvm: 'NO_CVM' });
    assert.deepEqual(readerCvm(req, hex('0080'), true), { cvm: 'CDCVM' });
    assert.deepEqual(readerCvm(req, hex('0000'), true), { seePhone: true });
    assert.deepEqual(readerCvm(req, hex('0000'), false), { failed: true });
    assert.deepEqual(readerCvm(hex('22C04000'), hex('4000'), false), { cvm: 'SIGNATURE' });
    assert.deepEqual(readerCvm(hex('24C04000'), hex('8000'), true), { cvm: 'ONLINE_PIN' });
    assert.deepEqual(readerCvm(hex('22C04000'), undefined, true), { cvm: 'SIGNATURE' });
    assert.deepEqual(readerCvm(hex('20804000'), undefined, true), { cvm: 'NO_CVM' });
    assert.deepEqual(readerCvm(hex('24804000'), hex('8000'), true), { cvm: 'ONLINE_PIN' });
    assert.deepEqual(readerCvm(hex('20804000'), hex('0080'), true), { cvm: 'CDCVM' });
  });
});

describe('TVR and terminal action analysis', () => {
  it('sets Book 3 bit positions', () => {
    const t = new Tvr().set(TVR.ODA_NOT_PERFORMED).set(TVR.EXPIRED_APPLICATION).set(TVR.EXCEEDS_FLOOR_LIMIT);
    assert.equal(bytesToHex(t.bytes), '8040008000');
    assert.deepEqual(t.describe(), [
      TVR.ODA_NOT_PERFORMED.name,
      TVR.EXPIRED_APPLICATION.name,
      TVR.EXCEEDS_FLOOR_LIMIT.name,
    ]);
  });

  it('chooses AAC / ARQC / TC per Book 3 §10.7', () => {
    const z = hex('0000000000');
    const tvr = new Tvr().set(TVR.EXCEEDS_FLOOR_LIMIT);
    const both = { onlineCapable: true, offlineCapable: true };
    assert.equal(
      terminalActionAnalysis(tvr, { tacDenial: hex('0000008000'), tacOnline: z, tacDefault: z }, both),
      'AAC',
    );
    assert.equal(
      terminalActionAnalysis(tvr, { tacDenial: z, tacOnline: z, tacDefault: z }, both),
      'ARQC',
      'absent IAC-Online = all ones',
    );
    assert.equal(
      terminalActionAnalysis(tvr, { tacDenial: z, tacOnline: z, tacDefault: z, iacOnline: z }, both),
      'TC',
    );
    assert.equal(
      terminalActionAnalysis(
        new Tvr(),
        { tacDenial: z, tacOnline: z, tacDefault: z, iacOnline: z },
        { onlineCapable: true, offlineCapable: false },
      ),
      'ARQC',
    );
    assert.equal(
      terminalActionAnalysis(
        tvr,
        { tacDenial: z, tacOnline: z, tacDefault: z },
        { onlineCapable: false, offlineCapable: true },
      ),
      'AAC',
    );
    assert.ok(cryptogramAllowed('ARQC', 'AAC'));
    assert.ok(!cryptogramAllowed('ARQC', 'TC'));
    assert.ok(cryptogramAllowed('TC', 'ARQC'));
    assert.ok(!cryptogramAllowed('AAC', 'ARQC'));
  });

  it('POSCII "see phone" mask', () => {
    assert.equal(posciiAsksSeePhone(hex('000100')), true);
    assert.equal(posciiAsksSeePhone(hex('000000')), false);
    assert.equal(posciiAsksSeePhone(undefined), false);
  });
});

describe('card data formats', () => {
  it('Track 2', () => {
    assert.deepEqual(parseTrack2(hex('4761739001010010D28122010000000000F')), {
      pan: '4761739001010010',
      expiry: '2812',
      serviceCode: '201',
      discretionary: '0000000000',
    });
    assert.equal(parseTrack2(hex('47617390')), undefined);
  });

  it('chip data in field 55 order, only present tags', () => {
    const m = new Map([
      ['9F02', hex('000000000100')],
      ['9F26', hex('0102030405060708')],
      ['9F27', hex('80')],
      ['DF4B', hex('000000')],
    ]);
    const tags = parseTlv(buildChipData(m)).map((n) => n.tag);
    assert.deepEqual(tags, ['9F26', '9F27', '9F02']);
  });
});

describe('APDU trace', () => {
  it('names commands, status words and tags; keeps unparsable data', () => {
    const t = new ApduTrace();
    t.add('SELECT PPSE', hex('00A404000E325041592E5359532E444446303100'), {
      rapdu: hex('6F0A8408A0000000031010109000'),
      ms: 0.2,
    });
    t.add('GPO', hex('80A8000002830000'), { rapdu: hex('FFFF9000'), ms: 0.1 });
    t.add('READ RECORD', hex('00B2010C00'), { error: new Error('gone'), ms: 1 });
    const text = t.render();
    assert.match(text, /SELECT .*"2PAY.SYS.DDF01"/);
    assert.match(text, /SW 9000 success/);
    assert.match(text, /84 Dedicated File \(DF\) Name/);
    assert.match(text, /data is not BER-TLV/);
    assert.match(text, /transport error after 1.00 ms: gone/);
    assert.equal(t.entries[0]!.sw, 0x9000);
    assert.ok(JSON.stringify(t).includes('00A404000E'));
  });
});
