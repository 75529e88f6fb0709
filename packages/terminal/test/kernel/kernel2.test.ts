/**
 * Kernel 2 (EMV Contactless Book C-2, M/Chip) against the scripted profile M card, in process:
 * GPO, records, TVR (EMV Book 3 Annex C5), terminal action analysis, GENERATE AC, CID checks,
 * and the issuer's recomputation of the ARQC (and the MD cryptogram) from IMK_AC / IMK_MD.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@openvse/emv';
import { createInProcessTransport, runTransaction, TerminalErrorCode, TVR, Tvr } from '../../src/index.js';
import { createProfileMCard } from '../fixtures/profile-m-card.js';
import { TEST_PAN_M } from '../fixtures/test-issuer.js';
import { chipDataMap, verifyChipData } from '../helpers/issuer.js';

const FIXED = {
  clock: () => new Date('2026-11-28T10:20:30Z'),
  unpredictableNumber: () => Uint8Array.of(0xca, 0xfe, 0xba, 0xbe),
};

function tvrOf(hex: string): Tvr {
  const t = new Tvr();
  t.bytes.set(Buffer.from(hex, 'hex'));
  return t;
}

describe('Kernel 2 (M/Chip) with the profile M test card', () => {
  it('small amount: ARQC → ONLINE_REQUEST, UMD and MD cryptograms verify at the issuer', async () => {
    const card = createProfileMCard();
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 1234 }, FIXED);
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.equal(o.kernel, 2);
    assert.equal(o.pan, TEST_PAN_M);
    assert.equal(o.panSequence, '00');
    assert.equal(o.expiry, '281231');
    assert.equal(o.cryptogramType, 'ARQC');
    assert.equal(o.cvm, 'NO_CVM');
    assert.equal(card.lastGacP1, 0x80);
    const m = chipDataMap(o);
    assert.equal(bytesToHex(m.get('9F37')!), 'CAFEBABE');
    assert.equal(bytesToHex(m.get('9F34')!), '1F0002');
    // ODA not performed (no CDA in this reader) + over the floor limit (0).
    const tvr = tvrOf(bytesToHex(m.get('95')!));
    assert.ok(tvr.isSet(TVR.ODA_NOT_PERFORMED));
    assert.ok(tvr.isSet(TVR.EXCEEDS_FLOOR_LIMIT));
    assert.ok(!tvr.isSet(TVR.EXPIRED_APPLICATION));
    assert.equal(o.tvr, bytesToHex(m.get('95')!));
    const v = verifyChipData(o);
    assert.equal(v.profile, 'openvse-m');
    assert.equal(v.acValid, true);
    assert.equal(v.mdValid, true);
    assert.equal(v.valid, true);
    assert.equal(card.remaining, 9);
  });

  it('over the CVM limit with CDCVM: ONLINE_REQUEST, CVM results 010002', async () => {
    const o = await runTransaction(
      createInProcessTransport(createProfileMCard({ cdcvmVerified: true }).processApdu),
      { amount: 9000 },
      FIXED,
    );
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.equal(o.cvm, 'CDCVM');
    assert.equal(bytesToHex(chipDataMap(o).get('9F34')!), '010002');
    assert.equal(verifyChipData(o).valid, true);
  });

  it('over the CVM limit without CDCVM: AAC with POSCII → SEE_PHONE, credential still consumed', async () => {
    const card = createProfileMCard();
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 9000 }, FIXED);
    assert.equal(o.type, 'SEE_PHONE');
    assert.equal(o.reason?.code, TerminalErrorCode.CDCVM_REQUIRED);
    assert.equal(card.remaining, 9);
  });

  it('AAC without POSCII hint: DECLINED', async () => {
    const o = await runTransaction(
      createInProcessTransport(createProfileMCard({ forceCid: 0x00 }).processApdu),
      { amount: 100 },
      FIXED,
    );
    assert.equal(o.type, 'DECLINED');
    assert.equal(o.reason?.code, TerminalErrorCode.CARD_DECLINED);
    assert.equal(o.cryptogramType, 'AAC');
    assert.ok(o.chipData);
  });

  it('TC asked and given (below floor limit, IACs allow it): APPROVED offline', async () => {
    const card = createProfileMCard({
      allowOffline: true,
      iac: { denial: '0000000000', online: '0000000000', default: '0000000000' },
    });
    const o = await runTransaction(
      createInProcessTransport(card.processApdu),
      { amount: 500 },
      {
        ...FIXED,
        floorLimit: 1000,
        kernel2: { tacOnline: '0000000000', tacDefault: '0000000000' },
      },
    );
    assert.equal(card.lastGacP1, 0x40);
    assert.equal(o.type, 'APPROVED', o.reason?.message);
    assert.equal(o.cryptogramType, 'TC');
    assert.equal(verifyChipData(o).valid, true);
  });

  it('a TC when an ARQC was asked for: END_APPLICATION / ERR_CARD_CID_INVALID', async () => {
    const o = await runTransaction(
      createInProcessTransport(createProfileMCard({ forceCid: 0x40 }).processApdu),
      { amount: 100 },
      FIXED,
    );
    assert.equal(o.type, 'END_APPLICATION');
    assert.equal(o.reason?.code, TerminalErrorCode.CARD_CID_INVALID);
  });

  it('TAC-Denial hit: the terminal asks for an AAC and declines', async () => {
    const card = createProfileMCard();
    const o = await runTransaction(
      createInProcessTransport(card.processApdu),
      { amount: 100 },
      {
        ...FIXED,
        kernel2: { tacDenial: '8000000000' },
      },
    );
    assert.equal(card.lastGacP1, 0x00);
    assert.equal(o.type, 'DECLINED');
  });

  it('expired application sets TVR byte 2 b7 and still goes online', async () => {
    const o = await runTransaction(
      createInProcessTransport(createProfileMCard({ expiry: '251231' }).processApdu),
      { amount: 100 },
      FIXED,
    );
    assert.equal(o.type, 'ONLINE_REQUEST');
    assert.ok(tvrOf(o.tvr!).isSet(TVR.EXPIRED_APPLICATION));
    assert.equal(verifyChipData(o).valid, true);
  });

  it('over the CVM limit and a card without on-device CVM: TVR "cardholder verification not successful"', async () => {
    const o = await runTransaction(
      createInProcessTransport(createProfileMCard({ aip: '1880', cdcvmVerified: true }).processApdu),
      { amount: 9000 },
      FIXED,
    );
    assert.equal(o.cvm, 'FAILED');
    assert.ok(tvrOf(o.tvr!).isSet(TVR.CVM_NOT_SUCCESSFUL));
    assert.equal(bytesToHex(chipDataMap(o).get('9F34')!), '3F0001');
  });

  for (const tag of ['5A', '5F24', '8C']) {
    it(`record without ${tag}: END_APPLICATION / ERR_CARD_DATA_MISSING`, async () => {
      const o = await runTransaction(
        createInProcessTransport(createProfileMCard({ omitRecordTags: [tag] }).processApdu),
        { amount: 100 },
        FIXED,
      );
      assert.equal(o.type, 'END_APPLICATION');
      assert.equal(o.reason?.code, TerminalErrorCode.CARD_DATA_MISSING);
      assert.equal(o.reason?.details?.tag, tag);
    });
  }

  for (const tag of ['9F26', '9F27', '9F36']) {
    it(`GENERATE AC answer without ${tag}: END_APPLICATION`, async () => {
      const o = await runTransaction(
        createInProcessTransport(createProfileMCard({ omitGacTags: [tag] }).processApdu),
        { amount: 100 },
        FIXED,
      );
      assert.equal(o.type, 'END_APPLICATION');
      assert.equal(o.reason?.code, TerminalErrorCode.CARD_DATA_MISSING);
      assert.equal(o.reason?.details?.tag, tag);
    });
  }

  it('bad SW on READ RECORD: END_APPLICATION / ERR_CARD_STATUS', async () => {
    const card = createProfileMCard({
      tamper: (step, r) => (step === 'READ_RECORD' ? Uint8Array.of(0x6a, 0x83) : r),
    });
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 100 }, FIXED);
    assert.equal(o.type, 'END_APPLICATION');
    assert.equal(o.reason?.code, TerminalErrorCode.CARD_STATUS);
    assert.equal(o.kernel, 2);
  });

  it('bad SW on GENERATE AC: END_APPLICATION', async () => {
    const card = createProfileMCard({
      tamper: (step, r) => (step === 'GENERATE_AC' ? Uint8Array.of(0x69, 0x85) : r),
    });
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 100 }, FIXED);
    assert.equal(o.type, 'END_APPLICATION');
    assert.equal(o.reason?.code, TerminalErrorCode.CARD_STATUS);
  });

  it('a redundant data object across records: END_APPLICATION / ERR_CARD_DATA_REDUNDANT', async () => {
    const card = createProfileMCard({
      tamper: (step, r, c) =>
        step === 'READ_RECORD' && c.p2 >> 3 === 1 ? Buffer.from('70045F3401009000', 'hex') : r,
    });
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 100 }, FIXED);
    assert.equal(o.reason?.code, TerminalErrorCode.CARD_DATA_REDUNDANT);
  });

  it('GENERATE AC Format 1 (80) is understood', async () => {
    const card = createProfileMCard({
      tamper: (step, r) => {
        if (step !== 'GENERATE_AC') return r;
        const hex = Buffer.from(r).toString('hex').toUpperCase();
        const get = (t: string, n: number) =>
          hex.slice(hex.indexOf(t) + t.length + 2, hex.indexOf(t) + t.length + 2 + n * 2);
        const body = get('9F27', 1) + get('9F36', 2) + get('9F26', 8) + get('9F10', 18);
        return Buffer.from(`80${(body.length / 2).toString(16).padStart(2, '0')}${body}9000`, 'hex');
      },
    });
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 100 }, FIXED);
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.equal(verifyChipData(o).valid, true);
  });
});
