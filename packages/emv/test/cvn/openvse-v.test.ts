// OpenVSE profile V (docs/design.md "Profile V"): the cryptogram is rebuilt here field by field
// from the test issuer's IMK_AC: Option A → MK_AC → LUK = CSK(MK_AC, 00000000 || BCD("0"||API)) →
// IAD(32) → PDOL data without TTQ || AIP || ATC || IAD → MAC algorithm 3, padding 2.
// Card side and issuer side must agree; any changed byte must fail verification.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, concatBytes, hexToBytes } from '../../src/codec/index.js';
import { macIso9797Alg3 } from '../../src/crypto/index.js';
import { generateArpcMethod1 } from '../../src/cryptogram/index.js';
import {
  type AcTransactionData,
  cardGenerateCryptogram,
  issuerDeriveAcKey,
  issuerVerifyCryptogram,
  openvseProfileV,
  openvseVCdcvmClaimed,
  openvseVPinMac,
} from '../../src/cvn/index.js';
import {
  deriveEmvCommonSessionKey,
  deriveIccMkOptionA,
  deriveIccMkOptionB,
  deriveLuk,
} from '../../src/keys/index.js';

const IMK_AC = '0123456789ABCDEFFEDCBA9876543210';
const PAN = '4761739001010010';
const PSN = '01';
const API = '6123405'; // 2026, hour 1234, 5th LUK of that hour
const DKI = 0x01;
const CVR = '03A02000';

// PDOL data (Book C-3): 9F66 TTQ is first and is NOT MACed; the other 29 bytes are.
const TTQ = '36204000';
// (An array, not an object: JS would order the key '95' before the others.)
const PDOL: Array<[string, string]> = [
  ['9F02', '000000001500'],
  ['9F03', '000000000000'],
  ['9F1A', '0840'],
  ['95', '0000000000'],
  ['5F2A', '0840'],
  ['9A', '261128'],
  ['9C', '00'],
  ['9F37', '1A2B3C4D'],
];
const pdolFields = Object.fromEntries(PDOL) as Record<string, string>;
const AIP = '2000';
const ATC = '0005';

const tx: AcTransactionData = {
  amountAuthorized: pdolFields['9F02']!,
  amountOther: pdolFields['9F03']!,
  terminalCountryCode: pdolFields['9F1A']!,
  tvr: pdolFields['95']!,
  transactionCurrencyCode: pdolFields['5F2A']!,
  transactionDate: pdolFields['9A']!,
  transactionType: pdolFields['9C']!,
  unpredictableNumber: pdolFields['9F37']!,
  aip: AIP,
  atc: ATC,
};

function byHand() {
  const mkAc = deriveIccMkOptionA(IMK_AC, PAN, PSN);
  const luk = deriveEmvCommonSessionKey(mkAc, `00000000${'0'}${API}`);
  const iad = hexToBytes(`1F43${'01'}${CVR}0${API}${'00'.repeat(21)}`);
  assert.equal(iad.length, 32);
  const pdol = hexToBytes(TTQ + PDOL.map(([, v]) => v).join(''));
  assert.equal(pdol.length, 33);
  const pdolWithoutTtq = pdol.subarray(4);
  assert.equal(pdolWithoutTtq.length, 29);
  const acData = concatBytes(pdolWithoutTtq, hexToBytes(AIP), hexToBytes(ATC), iad);
  assert.equal(acData.length, 65);
  const ac = macIso9797Alg3(luk, acData, 2);
  return { mkAc, luk, iad, acData, ac };
}

describe('profile V built field by field', () => {
  const hand = byHand();

  test('profile constants', () => {
    assert.equal(openvseProfileV.cvn, 0x43);
    assert.equal(openvseProfileV.paddingMethod, 2);
    assert.equal(openvseProfileV.sessionKey, 'openvse-luk');
  });

  test('LUK and IAD', () => {
    assert.deepEqual(deriveLuk(hand.mkAc, API), hand.luk);
    assert.deepEqual(
      issuerDeriveAcKey(openvseProfileV, { imkAc: IMK_AC, pan: PAN, psn: PSN, api: API }),
      hand.luk,
    );
    const iad = openvseProfileV.buildIad({ dki: DKI, cvr: CVR, api: API });
    assert.deepEqual(iad, hand.iad);
    const parsed = openvseProfileV.parseIad(iad);
    assert.equal(parsed.api, API);
    assert.equal(parsed.dki, DKI);
    assert.equal(bytesToHex(parsed.cvr), CVR);
  });

  test('card side (with the LUK, or with MK_AC) produces the hand-built cryptogram', () => {
    const withLuk = cardGenerateCryptogram(openvseProfileV, {
      ...tx,
      key: hand.luk,
      iadFields: { dki: DKI, cvr: CVR, api: API },
    });
    assert.deepEqual(withLuk.acData, hand.acData);
    assert.deepEqual(withLuk.iad, hand.iad);
    assert.deepEqual(withLuk.ac, hand.ac);
    const withMk = cardGenerateCryptogram(openvseProfileV, {
      ...tx,
      iccMk: hand.mkAc,
      iadFields: { dki: DKI, cvr: CVR, api: API },
    });
    assert.deepEqual(withMk.ac, hand.ac);
  });

  test('issuer side verifies it (API read from the IAD) and answers with ARPC method 1 under the LUK', () => {
    const r = issuerVerifyCryptogram(openvseProfileV, {
      ...tx,
      iad: hand.iad,
      imkAc: IMK_AC,
      pan: PAN,
      psn: PSN,
      arqc: hand.ac,
      arc: '3030',
    });
    assert.equal(r.valid, true);
    assert.deepEqual(r.arpc, generateArpcMethod1(hand.luk, hand.ac, '3030'));
  });

  test('every changed byte of the MACed data fails verification', () => {
    const good = { ...tx, iad: hand.iad, imkAc: IMK_AC, pan: PAN, psn: PSN, arqc: hand.ac };
    const fields: Array<keyof AcTransactionData> = [
      'amountAuthorized',
      'amountOther',
      'terminalCountryCode',
      'tvr',
      'transactionCurrencyCode',
      'transactionDate',
      'transactionType',
      'unpredictableNumber',
      'aip',
      'atc',
    ];
    for (const f of fields) {
      const b = hexToBytes(good[f] as string);
      b[b.length - 1]! ^= 0x01;
      assert.equal(issuerVerifyCryptogram(openvseProfileV, { ...good, [f]: b }).valid, false, f);
    }
    // IAD: a changed CVR byte, a changed padding byte.
    for (const i of [4, 20]) {
      const iad = new Uint8Array(hand.iad);
      iad[i]! ^= 0x01;
      assert.equal(issuerVerifyCryptogram(openvseProfileV, { ...good, iad }).valid, false);
    }
    // The API in the IAD picks the LUK: another API gives another LUK.
    const otherApi = openvseProfileV.buildIad({ dki: DKI, cvr: CVR, api: '6123406' });
    assert.equal(issuerVerifyCryptogram(openvseProfileV, { ...good, iad: otherApi }).valid, false);
    // An API given by the caller that contradicts the IAD is refused.
    assert.equal(issuerVerifyCryptogram(openvseProfileV, { ...good, api: '6123406' }).valid, false);
    assert.equal(issuerVerifyCryptogram(openvseProfileV, { ...good, api: API }).valid, true);
    // Wrong PAN / PSN → different MK.
    assert.equal(issuerVerifyCryptogram(openvseProfileV, { ...good, psn: '00' }).valid, false);
    const ac = new Uint8Array(hand.ac);
    ac[3]! ^= 0x10;
    assert.equal(issuerVerifyCryptogram(openvseProfileV, { ...good, arqc: ac }).valid, false);
  });

  test('PANs over 16 digits use Option B', () => {
    const pan19 = '4761739001010010123';
    const luk = deriveLuk(deriveIccMkOptionB(IMK_AC, pan19, PSN), API);
    assert.deepEqual(
      issuerDeriveAcKey(openvseProfileV, { imkAc: IMK_AC, pan: pan19, psn: PSN, api: API }),
      luk,
    );
    assert.notDeepEqual(luk, deriveLuk(deriveIccMkOptionA(IMK_AC, pan19, PSN), API));
  });

  test('bad IADs and APIs', () => {
    assert.throws(() => openvseProfileV.parseIad(hand.iad.subarray(0, 31)), { code: 'ERR_IAD_INVALID' });
    assert.throws(() => openvseProfileV.buildIad({ cvr: CVR }), { code: 'ERR_IAD_INVALID' });
    assert.throws(() => openvseProfileV.buildIad({ cvr: CVR, api: '12345' }), { code: 'ERR_API_INVALID' });
    assert.throws(() => openvseProfileV.buildAcData({ ...tx, iad: hand.iad.subarray(0, 18) }), {
      code: 'ERR_IAD_INVALID',
    });
  });
});

// The mobile PIN of a CDCVM claim (docs/emv-cryptography.md §4.6), built by hand: the PIN mask
// (ASCII << 1 into bytes i and i + 8) XORed into the LUK, MAC algorithm 3 / padding 2 over the AC
// data with IAD bytes 11..14 zero, leftmost 4 bytes into those IAD bytes; the AC covers them.
describe('profile V mobile PIN (CDCVM)', () => {
  const hand = byHand();
  const CVR_CDCVM = '83A02000'; // byte 1 bit 8: CDCVM performed
  const PIN = '2468';

  function pinByHand(pin: string) {
    const mixed = new Uint8Array(hand.luk);
    for (let i = 0; i < Math.min(pin.length, 8); i++) {
      const m = (pin.charCodeAt(i) << 1) & 0xff;
      mixed[i]! ^= m;
      mixed[i + 8]! ^= m;
    }
    const iad0 = hexToBytes(`1F43${'01'}${CVR_CDCVM}0${API}${'00'.repeat(21)}`);
    const data0 = concatBytes(hand.acData.subarray(0, 33), iad0);
    const pinMac = macIso9797Alg3(mixed, data0, 2).subarray(0, 4);
    const iad = new Uint8Array(iad0);
    iad.set(pinMac, 11);
    const acData = concatBytes(hand.acData.subarray(0, 33), iad);
    return { pinMac, iad, acData, ac: macIso9797Alg3(hand.luk, acData, 2) };
  }

  test('the CVR bit, the PIN MAC and the card side match the hand-built values', () => {
    assert.equal(openvseVCdcvmClaimed(hexToBytes(CVR_CDCVM)), true);
    assert.equal(openvseVCdcvmClaimed(hexToBytes(CVR)), false);
    const byH = pinByHand(PIN);
    assert.deepEqual(openvseVPinMac(hand.luk, PIN, byH.acData), byH.pinMac);
    // The field's own content does not count: the MAC is over the data with it zeroed.
    assert.deepEqual(
      openvseVPinMac(hand.luk, PIN, concatBytes(hand.acData.subarray(0, 33), byH.iad)),
      byH.pinMac,
    );
    const card = cardGenerateCryptogram(openvseProfileV, {
      ...tx,
      key: hand.luk,
      mobilePin: PIN,
      iadFields: { dki: DKI, cvr: CVR_CDCVM, api: API },
    });
    assert.deepEqual(card.iad, byH.iad);
    assert.deepEqual(card.ac, byH.ac);
    assert.deepEqual(openvseProfileV.parseIad(byH.iad).mobilePinMac, byH.pinMac);
    assert.deepEqual(openvseProfileV.parseIad(hand.iad).mobilePinMac, new Uint8Array(4));
  });

  test('the issuer tells the right PIN, a wrong PIN and a forged PIN MAC apart', () => {
    const byH = pinByHand(PIN);
    const good = { ...tx, iad: byH.iad, imkAc: IMK_AC, pan: PAN, psn: PSN, arqc: byH.ac };
    const right = issuerVerifyCryptogram(openvseProfileV, { ...good, mobilePin: PIN });
    assert.equal(right.valid, true);
    assert.equal(right.mobilePinValid, true);
    for (const wrong of ['2467', '1111', '24680', '8642']) {
      const r = issuerVerifyCryptogram(openvseProfileV, { ...good, mobilePin: wrong });
      assert.equal(r.valid, true, 'the device is genuine');
      assert.equal(r.mobilePinValid, false, wrong);
    }
    // Without a PIN to check, nothing is said about it.
    assert.equal(issuerVerifyCryptogram(openvseProfileV, good).mobilePinValid, undefined);
    // The AC covers the PIN MAC: changing it (to try PINs offline) breaks the AC.
    const iad = new Uint8Array(byH.iad);
    iad[12]! ^= 0x01;
    assert.equal(issuerVerifyCryptogram(openvseProfileV, { ...good, iad, mobilePin: PIN }).valid, false);
  });
});
