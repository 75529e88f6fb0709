/**
 * Command APDUs (ISO/IEC 7816-4 §5.1) with the EMV contactless commands (Book 3 §6.5) as
 * known answers: builders, encoding, parsing, case detection and every error.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AcType,
  CDA_REQUESTED,
  type CommandApdu,
  computeCryptographicChecksum,
  encodeCommandApdu,
  generateAcCommand,
  getData,
  getProcessingOptions,
  getResponse,
  PPSE_NAME,
  parseCommandApdu,
  readRecord,
  selectByName,
  selectPpse,
} from '../../src/apdu/index.js';
import { bytesToHex } from '../../src/codec/index.js';
import { EmvErrorCode as C } from '../../src/errors.js';
import { assertEmvError, assertParseError, h } from '../tlv/helpers.js';

const enc = (c: CommandApdu) => bytesToHex(encodeCommandApdu(c));
const PDOL_DATA = '36004000000000001250000000000000082600000000000826261128001A2B3C4D';
const CDOL1_DATA = '00'.repeat(66);

describe('builders: the bytes a contactless reader sends', () => {
  test('SELECT PPSE (docs/emv-cryptography.md §5.1)', () => {
    assert.equal(PPSE_NAME, '2PAY.SYS.DDF01');
    assert.equal(enc(selectPpse()), '00A404000E325041592E5359532E444446303100');
  });

  test('SELECT AID: first and next occurrence', () => {
    assert.equal(enc(selectByName('A0000000031010')), '00A4040007A000000003101000');
    assert.equal(enc(selectByName(h('A0000000041010'), { first: true })), '00A4040007A000000004101000');
    assert.equal(enc(selectByName('A000000004', { next: true })), '00A4040205A00000000400');
  });

  test('GET PROCESSING OPTIONS: empty PDOL (83 00) and 33 bytes of PDOL data', () => {
    assert.equal(enc(getProcessingOptions()), '80A8000002830000');
    assert.equal(enc(getProcessingOptions(new Uint8Array(0))), '80A8000002830000');
    assert.equal(enc(getProcessingOptions(PDOL_DATA)), `80A80000238321${PDOL_DATA}00`);
    // 252 bytes is the most that fits: 83 81 FC + 252 = 255.
    const big = getProcessingOptions(new Uint8Array(252));
    assert.equal(bytesToHex(big.data!.subarray(0, 3)), '8381FC');
    assert.equal(big.data!.length, 255);
  });

  test('READ RECORD: P2 = SFI << 3 | 4', () => {
    assert.equal(enc(readRecord(1, 1)), '00B2010C00');
    assert.equal(enc(readRecord(2, 1)), '00B2011400');
    assert.equal(enc(readRecord(3, 2)), '00B2021C00');
    assert.equal(enc(readRecord(30, 255)), '00B2FFF400');
  });

  test('GENERATE AC: ARQC, TC, AAC, with CDA', () => {
    assert.equal(enc(generateAcCommand(AcType.ARQC, CDOL1_DATA)), `80AE800042${CDOL1_DATA}00`);
    assert.equal(enc(generateAcCommand(AcType.ARQC | CDA_REQUESTED, CDOL1_DATA)).slice(0, 10), '80AE900042');
    assert.equal(generateAcCommand(AcType.TC, '01').p1, 0x40);
    assert.equal(generateAcCommand(AcType.AAC, '01').p1, 0x00);
    assert.equal(generateAcCommand(0x50, '01').p1, 0x50);
  });

  test('GET DATA: two-byte and one-byte tags in P1-P2', () => {
    assert.equal(enc(getData('9F36')), '80CA9F3600');
    assert.equal(enc(getData('9f17')), '80CA9F1700');
    assert.equal(enc(getData('C1')), '80CA00C100');
  });

  test('GET RESPONSE and COMPUTE CRYPTOGRAPHIC CHECKSUM', () => {
    assert.equal(enc(getResponse(0x10)), '00C0000010');
    assert.equal(enc(getResponse(256)), '00C0000000');
    assert.equal(enc(computeCryptographicChecksum('00001234')), '802A8E800400001234' + '00');
  });

  test('builder misuse is ERR_APDU_BAD_FIELD', () => {
    for (const [sfi, rec] of [
      [0, 1],
      [31, 1],
      [1, 0],
      [1, 256],
      [1.5, 1],
    ] as const)
      assertEmvError(() => readRecord(sfi, rec), C.APDU_BAD_FIELD);
    for (const p1 of [0xc0, 0x20, 0x81, 0x08, 0x100, -1])
      assertEmvError(() => generateAcCommand(p1, '00'), C.APDU_BAD_FIELD);
    assertEmvError(() => generateAcCommand(0x80, ''), C.APDU_BAD_FIELD);
    assertEmvError(() => generateAcCommand(0x80, new Uint8Array(256)), C.APDU_BAD_FIELD);
    assertEmvError(() => getData('DF8117'), C.APDU_BAD_FIELD);
    assertEmvError(() => getData('9F'), C.TLV_BAD_TAG);
    assertEmvError(() => selectByName(''), C.APDU_BAD_FIELD);
    assertEmvError(() => selectByName(new Uint8Array(17)), C.APDU_BAD_FIELD);
    assertEmvError(() => selectByName('A0000000031010', { first: true, next: true }), C.APDU_BAD_FIELD);
    assertEmvError(() => selectByName('2PAY.SYS.DDF01'), C.HEX_INVALID);
    assertEmvError(() => getProcessingOptions(new Uint8Array(253)), C.APDU_BAD_FIELD);
    assertEmvError(() => getResponse(0), C.APDU_BAD_FIELD);
    assertEmvError(() => getResponse(257), C.APDU_BAD_FIELD);
    assertEmvError(() => computeCryptographicChecksum(''), C.APDU_BAD_FIELD);
  });
});

describe('parseCommandApdu', () => {
  test('the four cases', () => {
    assert.deepEqual(parseCommandApdu(h('00700000')), { cla: 0, ins: 0x70, p1: 0, p2: 0, case: 1 });
    assert.deepEqual(parseCommandApdu(h('80CA9F3600')), {
      cla: 0x80,
      ins: 0xca,
      p1: 0x9f,
      p2: 0x36,
      le: 256,
      case: 2,
    });
    assert.deepEqual(parseCommandApdu(h('00C0000010')).le, 16);
    assert.deepEqual(parseCommandApdu(h('00A4040002A000')), {
      cla: 0,
      ins: 0xa4,
      p1: 4,
      p2: 0,
      data: h('A000'),
      case: 3,
    });
    const ppse = parseCommandApdu(h('00A404000E325041592E5359532E444446303100'));
    assert.equal(ppse.case, 4);
    assert.equal(new TextDecoder().decode(ppse.data), '2PAY.SYS.DDF01');
    assert.equal(ppse.le, 256);
    assert.equal(parseCommandApdu(h('80AE80000101 20')).le, 0x20);
  });

  test('a parsed GPO gives back its PDOL data; data is a copy', () => {
    const bytes = h(`80A80000238321${PDOL_DATA}00`);
    const gpo = parseCommandApdu(bytes);
    assert.equal(bytesToHex(gpo.data!), `8321${PDOL_DATA}`);
    bytes.fill(0);
    assert.equal(bytesToHex(gpo.data!.subarray(0, 2)), '8321');
  });

  test('ERR_APDU_TOO_SHORT (offset: the length)', () => {
    assertParseError(() => parseCommandApdu(new Uint8Array(0)), C.APDU_TOO_SHORT, 0);
    assertParseError(() => parseCommandApdu(h('00A404')), C.APDU_TOO_SHORT, 3);
  });

  test('ERR_APDU_BAD_LENGTH (offset 4: the length byte)', () => {
    assertParseError(() => parseCommandApdu(h('00A40400 05 0102')), C.APDU_BAD_LENGTH, 4);
    assertParseError(() => parseCommandApdu(h('00A40400 02 010203 00')), C.APDU_BAD_LENGTH, 4);
    assertParseError(() => parseCommandApdu(h('00A40400 00 01')), C.APDU_BAD_LENGTH, 4);
    assertParseError(() => parseCommandApdu(h('00A40400 00 0002 01')), C.APDU_BAD_LENGTH, 4);
    assertParseError(() => parseCommandApdu(h('00A40400 00 0000 0102')), C.APDU_BAD_LENGTH, 4);
  });

  test('ERR_APDU_EXTENDED_UNSUPPORTED: cases 2E, 3E, 4E', () => {
    assertParseError(() => parseCommandApdu(h('00B2010C 00 0100')), C.APDU_EXTENDED_UNSUPPORTED, 4);
    assertParseError(() => parseCommandApdu(h('80AE8000 00 0003 010203')), C.APDU_EXTENDED_UNSUPPORTED, 4);
    assertParseError(
      () => parseCommandApdu(h('80AE8000 00 0003 010203 0000')),
      C.APDU_EXTENDED_UNSUPPORTED,
      4,
    );
    const long = new Uint8Array(7 + 300);
    long.set(h('80AE8000 00 012C'));
    assertParseError(() => parseCommandApdu(long), C.APDU_EXTENDED_UNSUPPORTED, 4);
  });

  test("ERR_APDU_BAD_FIELD: CLA 'FF' (offset 0), INS '6X'/'9X' (offset 1)", () => {
    assertParseError(() => parseCommandApdu(h('FFCA000000')), C.APDU_BAD_FIELD, 0);
    assertParseError(() => parseCommandApdu(h('00600000')), C.APDU_BAD_FIELD, 1);
    assertParseError(() => parseCommandApdu(h('809F0000')), C.APDU_BAD_FIELD, 1);
  });

  test('misuse', () => {
    assertEmvError(() => parseCommandApdu(undefined as unknown as Uint8Array), C.BAD_ARGUMENT);
  });
});

describe('encodeCommandApdu', () => {
  const base = { cla: 0x00, ins: 0xa4, p1: 0x04, p2: 0x00 };

  test('case by fields; empty data is no data; Le 256 is 00', () => {
    assert.equal(enc(base), '00A40400');
    assert.equal(enc({ ...base, le: 256 }), '00A4040000');
    assert.equal(enc({ ...base, le: 1 }), '00A4040001');
    assert.equal(enc({ ...base, data: h('A0') }), '00A4040001A0');
    assert.equal(enc({ ...base, data: new Uint8Array(0), le: 255 }), '00A40400FF');
    assert.equal(enc({ ...base, data: new Uint8Array(255).fill(1), le: 256 }).length, (6 + 255) * 2);
  });

  test('ERR_APDU_BAD_FIELD for out-of-range fields', () => {
    const bad: Partial<CommandApdu>[] = [
      { cla: 256 },
      { cla: -1 },
      { ins: 1.5 },
      { p1: Number.NaN },
      { p2: '00' as unknown as number },
      { cla: 0xff },
      { ins: 0x6a },
      { ins: 0x90 },
      { data: new Uint8Array(256) },
      { data: [1, 2] as unknown as Uint8Array },
      { le: 0 },
      { le: 257 },
      { le: 2.5 },
    ];
    for (const b of bad) assertEmvError(() => encodeCommandApdu({ ...base, ...b }), C.APDU_BAD_FIELD);
    assertEmvError(() => encodeCommandApdu(null as unknown as CommandApdu), C.APDU_BAD_FIELD);
  });
});
