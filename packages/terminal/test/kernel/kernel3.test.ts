/**
 * Kernel 3 (EMV Contactless Book C-3, qVSDC) against the scripted profile V card, in process:
 * the terminal's chip data must carry an ARQC the issuer can verify from its master key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@openvse/emv';
import { createInProcessTransport, runTransaction, TerminalErrorCode } from '../../src/index.js';
import { createProfileVCard } from '../fixtures/profile-v-card.js';
import { TEST_PAN_V } from '../fixtures/test-issuer.js';
import { chipDataMap, verifyChipData } from '../helpers/issuer.js';

const FIXED = {
  clock: () => new Date('2026-11-28T10:20:30Z'),
  unpredictableNumber: () => Uint8Array.of(1, 2, 3, 4),
};

describe('Kernel 3 (qVSDC) with the profile V test card', () => {
  it('small amount: ONLINE_REQUEST with a cryptogram the issuer verifies', async () => {
    const card = createProfileVCard();
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 1234 }, FIXED);
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.equal(o.kernel, 3);
    assert.equal(o.pan, TEST_PAN_V);
    assert.equal(o.panSequence, '01');
    assert.equal(o.cryptogramType, 'ARQC');
    assert.equal(o.cvm, 'NO_CVM');
    assert.equal(o.aid, 'A0000000031010');
    const m = chipDataMap(o);
    assert.equal(bytesToHex(m.get('9F02')!), '000000001234');
    assert.equal(bytesToHex(m.get('5F2A')!), '0978');
    assert.equal(bytesToHex(m.get('9A')!), '261128');
    assert.equal(bytesToHex(m.get('9F37')!), '01020304');
    assert.equal(bytesToHex(m.get('9F66')!), '20804000');
    for (const t of [
      '9F26',
      '9F27',
      '9F10',
      '9F36',
      '95',
      '9C',
      '82',
      '9F1A',
      '9F03',
      '9F33',
      '9F34',
      '9F35',
      '9F6E',
      '5F34',
    ])
      assert.ok(m.has(t), `chip data has ${t}`);
    const v = verifyChipData(o);
    assert.equal(v.profile, 'openvse-v');
    assert.equal(v.valid, true);
  });

  it('a tampered amount in the chip data no longer verifies', async () => {
    const card = createProfileVCard();
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 1234 }, FIXED);
    const bad = { ...o, chipData: new Uint8Array(o.chipData!) };
    const i = Buffer.from(bad.chipData).indexOf(Buffer.from('9F0206000000001234', 'hex'));
    bad.chipData[i + 8] = 0x35;
    assert.equal(verifyChipData(bad).valid, false);
  });

  it('over the CVM limit with CDCVM done: ONLINE_REQUEST, CVM = CDCVM', async () => {
    const card = createProfileVCard({ cdcvmVerified: true });
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 8000 }, FIXED);
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.equal(o.cvm, 'CDCVM');
    assert.equal(bytesToHex(chipDataMap(o).get('9F66')!), '20C04000');
    assert.equal(verifyChipData(o).valid, true);
  });

  it('over the CVM limit without CDCVM, card answers 6986: SEE_PHONE', async () => {
    const card = createProfileVCard();
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 8000 }, FIXED);
    assert.equal(o.type, 'SEE_PHONE');
    assert.equal(o.reason?.code, TerminalErrorCode.CDCVM_REQUIRED);
    assert.equal(o.chipData, undefined);
  });

  it('over the CVM limit without CDCVM, card still sends an ARQC: reader CVM gives SEE_PHONE', async () => {
    const card = createProfileVCard({ overLimitBehaviour: 'arqc' });
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 8000 }, FIXED);
    assert.equal(o.type, 'SEE_PHONE');
    assert.equal(o.reason?.code, TerminalErrorCode.CDCVM_REQUIRED);
  });

  it('second tap after verification on the phone goes online', async () => {
    const first = await runTransaction(
      createInProcessTransport(createProfileVCard().processApdu),
      { amount: 8000 },
      FIXED,
    );
    assert.equal(first.type, 'SEE_PHONE');
    const second = await runTransaction(
      createInProcessTransport(createProfileVCard({ cdcvmVerified: true }).processApdu),
      { amount: 8000 },
      FIXED,
    );
    assert.equal(second.type, 'ONLINE_REQUEST');
  });

  it('AAC: DECLINED with the chip data', async () => {
    const card = createProfileVCard({ cid: 0x00 });
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 100 }, FIXED);
    assert.equal(o.type, 'DECLINED');
    assert.equal(o.reason?.code, TerminalErrorCode.CARD_DECLINED);
    assert.ok(o.chipData);
  });

  it('TC: DECLINED, this reader grants no offline approval without fDDA', async () => {
    const o = await runTransaction(
      createInProcessTransport(createProfileVCard({ cid: 0x40 }).processApdu),
      { amount: 100 },
      FIXED,
    );
    assert.equal(o.type, 'DECLINED');
    assert.equal(o.reason?.code, TerminalErrorCode.OFFLINE_APPROVAL_UNSUPPORTED);
  });

  it('reads the records the AFL names', async () => {
    const card = createProfileVCard({ withRecords: true });
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 100 }, FIXED);
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.ok(card.log.some((c) => c.startsWith('00B2010C')));
    assert.equal(o.expiry, '281231');
    assert.equal(Buffer.from(o.data.get('5F20')!).toString(), 'OPENVSE/TEST');
  });

  it('missing 9F26: END_APPLICATION / ERR_CARD_DATA_MISSING', async () => {
    const o = await runTransaction(
      createInProcessTransport(createProfileVCard({ omit: ['9F26'] }).processApdu),
      { amount: 100 },
      FIXED,
    );
    assert.equal(o.type, 'END_APPLICATION');
    assert.equal(o.reason?.code, TerminalErrorCode.CARD_DATA_MISSING);
    assert.equal(o.reason?.details?.tag, '9F26');
  });

  for (const tag of ['57', '82', '9F10', '9F36']) {
    it(`missing ${tag}: END_APPLICATION`, async () => {
      const o = await runTransaction(
        createInProcessTransport(createProfileVCard({ omit: [tag] }).processApdu),
        { amount: 100 },
        FIXED,
      );
      assert.equal(o.type, 'END_APPLICATION');
      assert.equal(o.reason?.code, TerminalErrorCode.CARD_DATA_MISSING);
      assert.equal(o.reason?.details?.tag, tag);
    });
  }

  it('missing 9F27: the reader assumes an ARQC', async () => {
    const o = await runTransaction(
      createInProcessTransport(createProfileVCard({ omit: ['9F27'] }).processApdu),
      { amount: 100 },
      FIXED,
    );
    assert.equal(o.type, 'ONLINE_REQUEST');
    assert.equal(verifyChipData(o).valid, true);
  });

  it('bad SW on GPO: END_APPLICATION / ERR_CARD_STATUS', async () => {
    const card = createProfileVCard({
      tamper: (step, r) => (step === 'GPO' ? Uint8Array.of(0x6a, 0x80) : r),
    });
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 100 }, FIXED);
    assert.equal(o.type, 'END_APPLICATION');
    assert.equal(o.reason?.code, TerminalErrorCode.CARD_STATUS);
    assert.equal(o.reason?.details?.sw, '6A80');
  });

  it('each tap uses the next ATC', async () => {
    const card = createProfileVCard({ atc: 41 });
    const t = createInProcessTransport(card.processApdu);
    const a = await runTransaction(t, { amount: 100 }, FIXED);
    const b = await runTransaction(t, { amount: 100 }, FIXED);
    assert.equal(bytesToHex(chipDataMap(a).get('9F36')!), '002A');
    assert.equal(bytesToHex(chipDataMap(b).get('9F36')!), '002B');
    assert.equal(verifyChipData(b).valid, true);
  });
});
