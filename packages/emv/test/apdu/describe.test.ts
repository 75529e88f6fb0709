/** describeCommand: EMV command names and parameters for APDU traces. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AcType,
  CDA_REQUESTED,
  computeCryptographicChecksum,
  describeCommand,
  encodeCommandApdu,
  generateAcCommand,
  getData,
  getProcessingOptions,
  getResponse,
  readRecord,
  selectByName,
  selectPpse,
} from '../../src/apdu/index.js';
import { h } from '../tlv/helpers.js';

test('names every command of a contactless transaction', () => {
  assert.equal(
    describeCommand(selectPpse()),
    'SELECT 325041592E5359532E4444463031 "2PAY.SYS.DDF01" [00 A4 04 00 Lc=14 Le=256]',
  );
  assert.equal(
    describeCommand(selectByName('A0000000041010')),
    'SELECT A0000000041010 [00 A4 04 00 Lc=7 Le=256]',
  );
  assert.equal(
    describeCommand(selectByName('A000000004', { next: true })),
    'SELECT A000000004 (next) [00 A4 04 02 Lc=5 Le=256]',
  );
  assert.equal(
    describeCommand(getProcessingOptions()),
    'GET PROCESSING OPTIONS PDOL data 0 bytes [80 A8 00 00 Lc=2 Le=256]',
  );
  assert.equal(
    describeCommand(getProcessingOptions(new Uint8Array(200))),
    'GET PROCESSING OPTIONS PDOL data 200 bytes [80 A8 00 00 Lc=203 Le=256]',
  );
  assert.equal(describeCommand(readRecord(2, 1)), 'READ RECORD record 1 of SFI 2 [00 B2 01 14 Le=256]');
  assert.equal(
    describeCommand(generateAcCommand(AcType.ARQC | CDA_REQUESTED, new Uint8Array(66))),
    'GENERATE AC ARQC+CDA, CDOL data 66 bytes [80 AE 90 00 Lc=66 Le=256]',
  );
  assert.equal(
    describeCommand(generateAcCommand(AcType.TC, '00')),
    'GENERATE AC TC, CDOL data 1 bytes [80 AE 40 00 Lc=1 Le=256]',
  );
  assert.equal(
    describeCommand(getData('9F36')),
    'GET DATA 9F36 (Application Transaction Counter (ATC)) [80 CA 9F 36 Le=256]',
  );
  assert.equal(describeCommand(getResponse(16)), 'GET RESPONSE [00 C0 00 00 Le=16]');
  assert.equal(
    describeCommand(computeCryptographicChecksum('00001234')),
    'COMPUTE CRYPTOGRAPHIC CHECKSUM [80 2A 8E 80 Lc=4 Le=256]',
  );
});

test('bytes in, other and unknown instructions, malformed input', () => {
  assert.equal(
    describeCommand(encodeCommandApdu(readRecord(1, 3))),
    'READ RECORD record 3 of SFI 1 [00 B2 03 0C Le=256]',
  );
  assert.equal(describeCommand(h('0084000008')), 'GET CHALLENGE [00 84 00 00 Le=8]');
  assert.equal(describeCommand(h('00EE0000')), 'UNKNOWN INS EE [00 EE 00 00]');
  assert.equal(describeCommand(h('00A404')), 'INVALID APDU (ERR_APDU_TOO_SHORT) 00A404');
  assert.equal(describeCommand(h('00A4040005A0')), 'INVALID APDU (ERR_APDU_BAD_LENGTH) 00A4040005A0');
});
