// Visa CVN 10/18/'22' and Mastercard CVN 16/17/20/21 against pyemv's HSM-checked values
// (tests/test_cvn_hsm.py), IAD layouts, the CVN bit field and the registry.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/codec/index.js';
import { macIso9797Alg3 } from '../../src/crypto/index.js';
import { generateArpcMethod1, generateArpcMethod2 } from '../../src/cryptogram/index.js';
import {
  type AcTransactionData,
  cardGenerateCryptogram,
  cvnProfiles,
  findCvnProfile,
  getCvnProfile,
  getCvnProfileByCvn,
  issuerDeriveAcKey,
  issuerVerifyCryptogram,
  minimumDataSet,
  visaCvn18,
  visaCvn22,
} from '../../src/cvn/index.js';
import { deriveEmvCommonSessionKey, deriveIccMkOptionA, deriveMastercardSkd } from '../../src/keys/index.js';

const IMK_AC = '0123456789ABCDEFFEDCBA9876543210';
const PAN = '1234567890123456';

const visaTx: AcTransactionData = {
  amountAuthorized: '000000004000',
  amountOther: '000000000000',
  terminalCountryCode: '0124',
  tvr: '8000048000',
  transactionCurrencyCode: '0124',
  transactionDate: '191105',
  transactionType: '01',
  unpredictableNumber: '52BF4585',
  aip: '1800',
  atc: '001C',
};

const mcTx: AcTransactionData = {
  amountAuthorized: '000000009999',
  amountOther: '000000000000',
  terminalCountryCode: '0124',
  tvr: '8000000000',
  transactionCurrencyCode: '0124',
  transactionDate: '209906',
  transactionType: '00',
  unpredictableNumber: 'ABCDEF12',
  aip: '1800',
  atc: '001C',
};

describe('pyemv test_cvn_hsm.py end to end, issuer side', () => {
  const cases: Array<{
    id: string;
    tx: AcTransactionData;
    arqc: string;
    arpc: string;
    arc?: string;
    csu?: string;
  }> = [
    {
      id: 'visa-10',
      tx: { ...visaTx, cvr: '03A06010' },
      arqc: '29CCA15AE665FA2E',
      arpc: '28993816AFAE4AEB',
      arc: '3030',
    },
    {
      id: 'visa-18',
      tx: { ...visaTx, iad: '06011203A0B800' },
      arqc: '7A788EA6B8A3E733',
      arpc: '9AF514C1',
      csu: '00000000',
    },
    {
      id: 'mc-16',
      tx: { ...mcTx, cvr: 'A00003220000' },
      arqc: '24CCF3DEE3158C70',
      arpc: '73F6BBF389A6586C',
      arc: '0010',
    },
    {
      id: 'mc-17',
      tx: { ...mcTx, iad: '0111A00003220000000000000000000322FF' },
      arqc: 'EAE8A620A75648D8',
      arpc: '29CF11FBDB9CA650',
      arc: '0010',
    },
    {
      id: 'mc-20',
      tx: { ...mcTx, cvr: 'A00003220000' },
      arqc: 'CD29615D6452E70E',
      arpc: 'DFD0956606B68D64',
      arc: '0010',
    },
    {
      id: 'mc-21',
      tx: { ...mcTx, cvr: 'A00003220000', counters: '00000000000322FF' },
      arqc: 'C30E54BE496CF5E5',
      arpc: '4F51F9CC63CE8B3C',
      arc: '0010',
    },
  ];
  for (const c of cases) {
    test(`${c.id}: ARQC verifies and the ARPC matches`, () => {
      const profile = getCvnProfile(c.id);
      const base = { ...c.tx, imkAc: IMK_AC, pan: PAN, psn: '00', arc: c.arc, csu: c.csu };
      const r = issuerVerifyCryptogram(profile, { ...base, arqc: c.arqc });
      assert.equal(r.valid, true);
      assert.equal(bytesToHex(r.arpc!), c.arpc);
      const bad = hexToBytes(c.arqc);
      bad[0]! ^= 0x80;
      const r2 = issuerVerifyCryptogram(profile, { ...base, arqc: bad });
      assert.equal(r2.valid, false);
      assert.equal(r2.arpc, undefined);
      // Card side with the ICC MK agrees.
      const mk = deriveIccMkOptionA(IMK_AC, PAN, '00');
      assert.equal(bytesToHex(cardGenerateCryptogram(profile, { ...c.tx, iccMk: mk }).ac), c.arqc);
    });
  }
  test('visa-22: same cryptography as CVN 18 over its own IAD', () => {
    const iad = visaCvn22.buildIad({ dki: 1, cvr: '03A0B80000' });
    const mk = deriveIccMkOptionA(IMK_AC, PAN, '00');
    const sk = deriveEmvCommonSessionKey(mk, '001C000000000000');
    const data = concatBytes(minimumDataSet(visaTx), iad);
    const ac = macIso9797Alg3(sk, data, 2);
    const r = issuerVerifyCryptogram(visaCvn22, {
      ...visaTx,
      iad,
      imkAc: IMK_AC,
      pan: PAN,
      arqc: ac,
      csu: '00000000',
    });
    assert.equal(r.valid, true);
    assert.deepEqual(r.arpc, generateArpcMethod2(sk, ac, '00000000'));
  });
});

describe('IAD layouts', () => {
  test('Visa CVN 18: 06 || DKI || 12 || CVR(4), optional IDD', () => {
    const iad = visaCvn18.buildIad({ dki: 1, cvr: '03A0B800' });
    assert.equal(bytesToHex(iad), '06011203A0B800');
    const p = visaCvn18.parseIad(iad);
    assert.equal(p.dki, 1);
    assert.equal(p.cvn, 0x12);
    assert.equal(bytesToHex(p.cvr), '03A0B800');
    const withIdd = visaCvn18.buildIad({ dki: 1, cvr: '03A0B800', issuerDiscretionaryData: 'DEADBEEF' });
    assert.equal(bytesToHex(withIdd), '06011203A0B80004DEADBEEF');
    assert.equal(bytesToHex(visaCvn18.parseIad(withIdd).issuerDiscretionaryData!), 'DEADBEEF');
    // AC data = minimum data set || whole IAD.
    assert.equal(
      bytesToHex(visaCvn18.buildAcData({ ...visaTx, iad })),
      `${bytesToHex(minimumDataSet(visaTx))}06011203A0B800`,
    );
    assert.throws(() => visaCvn18.parseIad('06010A03A0B800'), { code: 'ERR_IAD_INVALID' });
    assert.throws(() => visaCvn18.parseIad('0601'), { code: 'ERR_IAD_INVALID' });
    assert.throws(() => visaCvn18.buildAcData(visaTx), { code: 'ERR_BAD_ARGUMENT' });
  });
  test('Visa CVN 10 reads its CVR from IAD bytes 3..6', () => {
    const p = getCvnProfile('visa-10');
    const iad = p.buildIad({ dki: 1, cvr: '03A06010' });
    assert.equal(bytesToHex(iad), '06010A03A06010');
    assert.deepEqual(p.buildAcData({ ...visaTx, iad }), p.buildAcData({ ...visaTx, cvr: '03A06010' }));
  });
  test('Mastercard: KDI || CVN || CVR(6) || DAC(2) || counters(8)', () => {
    const p = getCvnProfile('mc-17');
    const iad = p.buildIad({ dki: 1, cvr: 'A00003220000', counters: '00000000000322FF' });
    assert.equal(bytesToHex(iad), '0111A00003220000000000000000000322FF');
    const parsed = p.parseIad(iad);
    assert.equal(bytesToHex(parsed.counters!), '00000000000322FF');
    assert.equal(bytesToHex(parsed.dacIdn!), '0000');
    // CVN 17 MACs the counters; CVN 16 does not.
    const with17 = p.buildAcData({ ...mcTx, iad });
    assert.equal(bytesToHex(with17), `${bytesToHex(minimumDataSet(mcTx))}A00003220000` + '00000000000322FF');
    assert.throws(() => p.buildAcData({ ...mcTx, cvr: 'A00003220000' }), { code: 'ERR_BAD_ARGUMENT' });
  });
});

describe('Mastercard CVN bit field (docs/emv-cryptography.md §3.3)', () => {
  for (const id of ['mc-16', 'mc-17', 'mc-20', 'mc-21'] as const) {
    test(id, () => {
      const p = cvnProfiles[id];
      assert.equal(p.sessionKey, (p.cvn & 0x06) === 0 ? 'mastercard-skd' : 'emv-csk');
      assert.equal(p.acDataLayout.includes('counters'), (p.cvn & 0x01) === 1);
      assert.equal(p.arpc.method, 1);
      assert.equal(p.arpc.key, p.sessionKey === 'mastercard-skd' ? 'icc-mk' : 'session-key');
    });
  }
  test('issuerDeriveAcKey follows the profile', () => {
    const mk = deriveIccMkOptionA(IMK_AC, PAN, '00');
    const input = { imkAc: IMK_AC, pan: PAN, psn: '00', atc: '001C', un: 'ABCDEF12' };
    assert.deepEqual(
      issuerDeriveAcKey(cvnProfiles['mc-16'], input),
      deriveMastercardSkd(mk, '001C', 'ABCDEF12'),
    );
    assert.deepEqual(
      issuerDeriveAcKey(cvnProfiles['mc-20'], input),
      deriveEmvCommonSessionKey(mk, '001C000000000000'),
    );
    assert.deepEqual(issuerDeriveAcKey(cvnProfiles['visa-10'], input), mk);
  });
});

describe('registry', () => {
  test('by id and by (scheme, CVN byte)', () => {
    for (const [id, p] of Object.entries(cvnProfiles)) {
      assert.equal(p.id, id);
      assert.equal(getCvnProfile(id), p);
      assert.equal(findCvnProfile(p.scheme, p.cvn), p);
      assert.ok(Object.isFrozen(p));
    }
    assert.equal(getCvnProfileByCvn('mastercard', 0x14).id, 'mc-20');
    assert.equal(getCvnProfileByCvn('openvse', 0x14).id, 'openvse-m');
    assert.equal(getCvnProfileByCvn('openvse', 0x43).id, 'openvse-v');
    assert.equal(getCvnProfileByCvn('visa', 0x22).id, 'visa-22');
    assert.equal(findCvnProfile('visa', 0x43), undefined);
    assert.throws(() => getCvnProfile('visa-17'), { code: 'ERR_UNSUPPORTED_CVN' });
    assert.throws(() => getCvnProfileByCvn('mastercard', 0x12), { code: 'ERR_UNSUPPORTED_CVN' });
  });
  test('transaction field lengths are checked', () => {
    assert.throws(() => minimumDataSet({ ...mcTx, amountAuthorized: '0000009999' }), {
      code: 'ERR_DATA_LENGTH',
    });
    assert.throws(() => minimumDataSet({ ...mcTx, atc: '1C' }), { code: 'ERR_ATC_INVALID' });
    assert.throws(() => getCvnProfile('mc-20').buildAcData({ ...mcTx, cvr: 'A000032200' }), {
      code: 'ERR_DATA_LENGTH',
    });
  });
  test('ARPC of method 1 profiles equals the primitive with the profile key', () => {
    const mk = deriveIccMkOptionA(IMK_AC, PAN, '00');
    const r = issuerVerifyCryptogram(cvnProfiles['mc-16'], {
      ...mcTx,
      cvr: 'A00003220000',
      imkAc: IMK_AC,
      pan: PAN,
      arqc: '24CCF3DEE3158C70',
      arc: '0010',
    });
    assert.deepEqual(r.arpc, generateArpcMethod1(mk, '24CCF3DEE3158C70', '0010'));
  });
});
