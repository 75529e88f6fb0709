/**
 * Entry Point (EMV Contactless Book B §3): pre-processing, PPSE directory, candidate list order
 * (priority, 9F2A kernel identifier), final selection and its failure modes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeTlv, parseTlvSingle, tlv } from '@openvse/emv';
import {
  buildCandidateList,
  createInProcessTransport,
  DEFAULT_TERMINAL_CONFIG,
  parsePpseDirectory,
  runTransaction,
  TerminalErrorCode,
} from '../../src/index.js';
import { ppseFci } from '../fixtures/card-toolkit.js';
import { createProfileMCard } from '../fixtures/profile-m-card.js';

describe('Entry Point', () => {
  it('parses the PPSE directory and orders candidates by priority, then directory order', () => {
    const fci = ppseFci([
      { aid: 'A0000000031010', label: 'VISA', priority: 2 },
      { aid: 'A0000000041010', label: 'MC', priority: 1, kernelId: '02' },
      { aid: 'A0000000251010', label: 'AMEX', priority: 1 },
      { aid: 'A000000003101001', label: 'VISA 2', priority: 0 },
    ]);
    const dir = parsePpseDirectory(parseTlvSingle(fci.subarray(0, fci.length - 2)));
    assert.deepEqual(
      dir.map((d) => [d.aid, d.priority, d.label]),
      [
        ['A0000000031010', 2, 'VISA'],
        ['A0000000041010', 1, 'MC'],
        ['A0000000251010', 1, 'AMEX'],
        ['A000000003101001', 0, 'VISA 2'],
      ],
    );
    const c = buildCandidateList(dir, DEFAULT_TERMINAL_CONFIG.supportedAids);
    assert.deepEqual(
      c.map((x) => [x.entry.aid, x.kernel]),
      [
        ['A0000000041010', 2],
        ['A0000000031010', 3],
        ['A000000003101001', 3],
      ],
    );
  });

  it('drops an entry whose 9F2A asks for another kernel, and entries without a valid 4F', () => {
    const fci = encodeTlv(
      tlv('6F', [
        tlv('84', '325041592E5359532E4444463031'),
        tlv('A5', [
          tlv('BF0C', [
            tlv('61', [tlv('4F', 'A0000000041010'), tlv('9F2A', '03')]),
            tlv('61', [tlv('4F', 'A000')]),
            tlv('61', [tlv('50', '4D43')]),
            tlv('61', [tlv('4F', 'A0000000031010'), tlv('9F2A', '03')]),
          ]),
        ]),
      ]),
    );
    const dir = parsePpseDirectory(parseTlvSingle(fci));
    assert.equal(dir.length, 2);
    const c = buildCandidateList(dir, DEFAULT_TERMINAL_CONFIG.supportedAids);
    assert.deepEqual(
      c.map((x) => x.entry.aid),
      ['A0000000031010'],
    );
  });

  it('selects the highest-priority supported application on a two-application card', async () => {
    const card = createProfileMCard({ dualPpse: true });
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 100 });
    assert.equal(o.kernel, 2);
    assert.equal(o.aid, 'A0000000041010');
    assert.equal(o.applicationLabel, 'MASTERCARD');
  });

  it('tries the next candidate when SELECT AID fails', async () => {
    const card = createProfileMCard({
      dualPpse: true,
      tamper: (step, r) => (step === 'SELECT_AID' ? Uint8Array.of(0x6a, 0x82) : r),
    });
    const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 100 });
    assert.equal(o.type, 'END_APPLICATION');
    assert.equal(o.reason?.code, TerminalErrorCode.NO_SUPPORTED_APPLICATION);
    assert.equal(card.log.filter((c) => c.startsWith('00A4040007')).length, 2);
  });

  it('PPSE not found: END_APPLICATION / ERR_PPSE_NOT_AVAILABLE', async () => {
    const o = await runTransaction(
      createInProcessTransport(async () => Uint8Array.of(0x6a, 0x82)),
      { amount: 100 },
    );
    assert.equal(o.type, 'END_APPLICATION');
    assert.equal(o.kernel, null);
    assert.equal(o.reason?.code, TerminalErrorCode.PPSE_NOT_AVAILABLE);
    assert.equal(o.trace.entries.length, 1);
    assert.match(o.trace.render(), /6A82 file or application not found/);
  });

  it('no supported AID: END_APPLICATION / ERR_NO_SUPPORTED_APPLICATION', async () => {
    const amexOnly = ppseFci([{ aid: 'A0000000251010', label: 'AMEX', priority: 1 }]);
    const o = await runTransaction(
      createInProcessTransport(async () => amexOnly),
      { amount: 100 },
    );
    assert.equal(o.reason?.code, TerminalErrorCode.NO_SUPPORTED_APPLICATION);
  });

  it('at or over the contactless transaction limit: END_APPLICATION before any APDU', async () => {
    let sent = 0;
    const t = createInProcessTransport(async () => {
      sent++;
      return Uint8Array.of(0x6a, 0x82);
    });
    for (const amount of [1_000_000, 2_000_000]) {
      const o = await runTransaction(t, { amount });
      assert.equal(o.type, 'END_APPLICATION');
      assert.equal(o.reason?.code, TerminalErrorCode.CONTACTLESS_LIMIT_EXCEEDED);
    }
    assert.equal(sent, 0);
    const below = await runTransaction(t, { amount: 999_999 });
    assert.equal(below.reason?.code, TerminalErrorCode.PPSE_NOT_AVAILABLE);
    assert.equal(sent, 1);
  });

  it('a transport failure is TRY_AGAIN, recorded in the trace', async () => {
    const o = await runTransaction(
      createInProcessTransport(async () => {
        throw new Error('card removed');
      }),
      { amount: 100 },
    );
    assert.equal(o.type, 'TRY_AGAIN');
    assert.equal(o.reason?.code, TerminalErrorCode.TRANSPORT_FAILED);
    assert.match(o.trace.render(), /transport error/);
  });

  it('a bad request or configuration is END_APPLICATION, not an exception', async () => {
    const t = createInProcessTransport(async () => Uint8Array.of(0x90, 0));
    const a = await runTransaction(t, { amount: -1 });
    assert.equal(a.type, 'END_APPLICATION');
    assert.equal(a.reason?.code, TerminalErrorCode.BAD_ARGUMENT);
    const b = await runTransaction(t, { amount: 1 }, { currencyCode: 'EUR' });
    assert.equal(b.reason?.code, TerminalErrorCode.CONFIG_INVALID);
    const c = await runTransaction(t, { amount: 1 }, { unpredictableNumber: () => new Uint8Array(3) });
    assert.equal(c.reason?.code, TerminalErrorCode.CONFIG_INVALID);
  });
});
