// OpenVSE profile M (docs/design.md "Profile M"; docs/emv-cryptography.md §4.4–§4.5):
// cross-checked with the MCBP mcbp-generate-ac-umd-md vector, then rebuilt field by field from the
// test issuer's IMK_AC and IMK_MD: CDOL1 bytes 0..28 || AIP || ATC || CVR(6); 9F26 under SK_UMD;
// MD under SK_MD into IAD bytes 11..15. Card and issuer agree; wrong PIN = UMD bad / MD good; a
// changed byte fails.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/codec/index.js';
import { macIso9797Alg3 } from '../../src/crypto/index.js';
import { generateArpcMethod1 } from '../../src/cryptogram/index.js';
import {
  type AcTransactionData,
  cardGenerateCryptogram,
  issuerDeriveAcKey,
  issuerDeriveMdKey,
  issuerVerifyCryptogram,
  openvseProfileM,
} from '../../src/cvn/index.js';
import { deriveEmvCommonSessionKey, deriveIccMkOptionA, mixMobilePin } from '../../src/keys/index.js';

describe('profile M against the MCBP SDK vector', () => {
  const input = '00000000050000000000000000560020000000097814120300935306871B800001A54100040000';
  const cut = (from: number, n: number) => input.slice(from * 2, (from + n) * 2);
  const tx: AcTransactionData = {
    amountAuthorized: cut(0, 6),
    amountOther: cut(6, 6),
    terminalCountryCode: cut(12, 2),
    tvr: cut(14, 5),
    transactionCurrencyCode: cut(19, 2),
    transactionDate: cut(21, 3),
    transactionType: cut(24, 1),
    unpredictableNumber: cut(25, 4),
    aip: cut(29, 2),
    atc: cut(31, 2),
    cvr: cut(33, 6),
  };
  const SK_UMD = '9E40C928DA0D2E8F38E7B1FB3CF521B6';
  const SK_MD = '225BC8E86ED81A00F9CF9C74A6653BD5';

  test('same 39-byte layout', () => {
    assert.equal(bytesToHex(openvseProfileM.buildAcData(tx)), input);
  });
  test('UMD → 9F26 and MD → IAD bytes 11..15', () => {
    const r = cardGenerateCryptogram(openvseProfileM, {
      ...tx,
      key: SK_UMD,
      mdKey: SK_MD,
      iadFields: { dki: 0x03, cvr: cut(33, 6), dacIdn: '0000', counters: '00' },
    });
    assert.equal(bytesToHex(r.ac), '279F5D1D37EDF611');
    assert.equal(bytesToHex(r.mdCryptogram!), 'D5C912973960126C');
    assert.equal(bytesToHex(r.iad!), '0314A54100040000000000D5C91297390000');
    assert.equal(bytesToHex(r.iad!.subarray(11, 16)), 'D5C9129739');
  });
  test('with a mobile PIN the card receives SUK_UMD and mixes the PIN back', () => {
    const suk = mixMobilePin(SK_UMD, '1234');
    const ok = cardGenerateCryptogram(openvseProfileM, { ...tx, key: suk, mdKey: SK_MD, mobilePin: '1234' });
    assert.equal(bytesToHex(ok.ac), '279F5D1D37EDF611');
    const wrong = cardGenerateCryptogram(openvseProfileM, {
      ...tx,
      key: suk,
      mdKey: SK_MD,
      mobilePin: '1235',
    });
    assert.notEqual(bytesToHex(wrong.ac), '279F5D1D37EDF611');
    assert.equal(bytesToHex(wrong.mdCryptogram!), 'D5C912973960126C');
  });
});

describe('profile M built field by field from the test issuer keys', () => {
  const IMK_AC = '0123456789ABCDEFFEDCBA9876543210';
  const IMK_MD = 'FEDCBA98765432100123456789ABCDEF';
  const PAN = '5413330089020011';
  const PSN = '00';
  const ATC = '0007';
  const CVR = 'A50000040000';
  const KDI = 0x01;
  // CDOL1 (45 bytes): 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 | 9F35 9F45 9F4C 9F34 9F15 (tail not MACed)
  const cdol1Head = [
    '000000002500',
    '000000000000',
    '0250',
    '0000000000',
    '0978',
    '261128',
    '00',
    'CAFEBABE',
  ];
  const cdol1Tail = ['22', '0000', '0000000000000000', '1F0302', '5411'];
  const cdol1 = hexToBytes(cdol1Head.join('') + cdol1Tail.join(''));
  const AIP = '1980';
  const tx: AcTransactionData = {
    amountAuthorized: cdol1Head[0]!,
    amountOther: cdol1Head[1]!,
    terminalCountryCode: cdol1Head[2]!,
    tvr: cdol1Head[3]!,
    transactionCurrencyCode: cdol1Head[4]!,
    transactionDate: cdol1Head[5]!,
    transactionType: cdol1Head[6]!,
    unpredictableNumber: cdol1Head[7]!,
    aip: AIP,
    atc: ATC,
    cvr: CVR,
  };

  const mkAc = deriveIccMkOptionA(IMK_AC, PAN, PSN);
  const mkMd = deriveIccMkOptionA(IMK_MD, PAN, PSN);
  const skUmd = deriveEmvCommonSessionKey(mkAc, `${ATC}000000000000`);
  const skMd = deriveEmvCommonSessionKey(mkMd, `${ATC}000000000000`);
  const acInput = concatBytes(cdol1.subarray(0, 29), hexToBytes(AIP), hexToBytes(ATC), hexToBytes(CVR));
  const ac = macIso9797Alg3(skUmd, acInput, 2);
  const md = macIso9797Alg3(skMd, acInput, 2);
  const iad = concatBytes(
    new Uint8Array([KDI, 0x14]),
    hexToBytes(CVR),
    hexToBytes('0000'),
    hexToBytes('00'),
    md.subarray(0, 5),
    hexToBytes('0000'),
  );

  test('sizes', () => {
    assert.equal(cdol1.length, 45);
    assert.equal(acInput.length, 39);
    assert.equal(iad.length, 18);
  });

  test('issuer key derivation', () => {
    const input = { imkAc: IMK_AC, imkMd: IMK_MD, pan: PAN, psn: PSN, atc: ATC };
    assert.deepEqual(issuerDeriveAcKey(openvseProfileM, input), skUmd);
    assert.deepEqual(issuerDeriveMdKey(openvseProfileM, input), skMd);
  });

  test('card side equals the hand-built values', () => {
    const r = cardGenerateCryptogram(openvseProfileM, {
      ...tx,
      key: skUmd,
      mdKey: skMd,
      iadFields: { dki: KDI, cvr: CVR, dacIdn: '0000', counters: '00' },
    });
    assert.deepEqual(r.acData, acInput);
    assert.deepEqual(r.ac, ac);
    assert.deepEqual(r.mdCryptogram, md);
    assert.deepEqual(r.iad, iad);
    const parsed = openvseProfileM.parseIad(iad);
    assert.deepEqual(parsed.mdCryptogram, md.subarray(0, 5));
    assert.equal(bytesToHex(parsed.cvr), CVR);
  });

  const good = { ...tx, iad, imkAc: IMK_AC, imkMd: IMK_MD, pan: PAN, psn: PSN, arqc: ac };

  test('issuer verifies UMD and MD, ARPC method 1 under SK_UMD', () => {
    const r = issuerVerifyCryptogram(openvseProfileM, { ...good, arc: '0010' });
    assert.deepEqual([r.valid, r.acValid, r.mdValid], [true, true, true]);
    assert.deepEqual(r.arpc, generateArpcMethod1(skUmd, ac, '0010'));
  });

  test('wrong mobile PIN: UMD invalid, MD valid (device OK, wrong PIN)', () => {
    const suk = mixMobilePin(skUmd, '4321');
    const card = cardGenerateCryptogram(openvseProfileM, {
      ...tx,
      key: suk,
      mobilePin: '9999',
      mdKey: skMd,
      iadFields: { dki: KDI, cvr: CVR },
    });
    const r = issuerVerifyCryptogram(openvseProfileM, { ...good, iad: card.iad, arqc: card.ac });
    assert.deepEqual([r.valid, r.acValid, r.mdValid], [false, false, true]);
    const right = cardGenerateCryptogram(openvseProfileM, {
      ...tx,
      key: suk,
      mobilePin: '4321',
      mdKey: skMd,
      iadFields: { dki: KDI, cvr: CVR },
    });
    assert.equal(
      issuerVerifyCryptogram(openvseProfileM, { ...good, iad: right.iad, arqc: right.ac }).valid,
      true,
    );
  });

  test('counterfeit MD or changed data fails', () => {
    const badIad = new Uint8Array(iad);
    badIad[12]! ^= 0x01;
    const r = issuerVerifyCryptogram(openvseProfileM, { ...good, iad: badIad });
    assert.deepEqual([r.valid, r.acValid, r.mdValid], [false, true, false]);
    const amount = hexToBytes('000000002501');
    const r2 = issuerVerifyCryptogram(openvseProfileM, { ...good, amountAuthorized: amount });
    assert.deepEqual([r2.valid, r2.acValid, r2.mdValid], [false, false, false]);
    const r3 = issuerVerifyCryptogram(openvseProfileM, { ...good, atc: '0008' });
    assert.equal(r3.valid, false);
    assert.equal(r3.arpc, undefined);
  });

  test('IMK_MD and the IAD are required by the issuer; the MD key by the card', () => {
    assert.throws(() => issuerVerifyCryptogram(openvseProfileM, { ...good, imkMd: undefined }), {
      code: 'ERR_BAD_ARGUMENT',
    });
    assert.throws(() => issuerVerifyCryptogram(openvseProfileM, { ...good, iad: undefined }), {
      code: 'ERR_BAD_ARGUMENT',
    });
    assert.throws(() => cardGenerateCryptogram(openvseProfileM, { ...tx, key: skUmd }), {
      code: 'ERR_BAD_ARGUMENT',
    });
    assert.throws(() => openvseProfileM.parseIad(iad.subarray(0, 17)), { code: 'ERR_IAD_INVALID' });
  });
});
