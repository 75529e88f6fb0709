/**
 * HCE card emulation, APDU by APDU (ISO/IEC 7816-4 status words; EMV Book 1 §11–12, Contactless
 * Book B §3.3, C-2 §5, C-3 §5), with a scripted provider that only counts: selection, PDOL,
 * GPO for both profiles, READ RECORD, GENERATE AC, GET DATA and every wrong-state / wrong-field
 * answer. The property tests feed random and mutated APDUs and check that nothing throws, every
 * answer is an R-APDU, and only a well-formed GPO / GENERATE AC in the right state reaches the
 * provider (nothing else consumes a credential).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex, findTagPath, hexToBytes, parseTlv } from '@openvse/emv';
import fc from 'fast-check';

// Repeatable in CI; FC_SEED=<n> replays a seed, FC_SEED=random explores.
const FC_SEED = process.env.FC_SEED === 'random' ? {} : { seed: Number(process.env.FC_SEED ?? 20261128) };

import { createHceService, type TapEvent } from '../../src/hce/hce-service.js';
import { cardM, cardV, FakeProvider } from '../helpers/fake-provider.js';

const h = hexToBytes;
const swOf = (r: Uint8Array): string => bytesToHex(r.subarray(r.length - 2));
const SELECT_PPSE = h('00A404000E325041592E5359532E444446303100');
const SELECT_V = h('00A4040007A000000003101000');
const SELECT_M = h('00A4040007A000000004101000');
/** 9F66 TTQ ‖ 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 = 33 bytes. */
const PDOL_DATA =
  '36004000' +
  '000000001000' +
  '000000000000' +
  '0250' +
  '0000000000' +
  '0978' +
  '261128' +
  '00' +
  '11223344';
const GPO_V = h(`80A8000023 8321${PDOL_DATA}00`.replace(/ /g, ''));
const GPO_M = h('80A80000028300 00'.replace(/ /g, ''));
const CDOL_DATA =
  '000000001000' +
  '000000000000' +
  '0250' +
  '0000000000' +
  '0978' +
  '261128' +
  '00' +
  '11223344' +
  '22' +
  '0000' +
  '0000000000000000' +
  '1F0002';
const GENAC = h(`80AE80002B${CDOL_DATA}00`);

function service(p = new FakeProvider(), def?: string) {
  const taps: TapEvent[] = [];
  const hce = createHceService({
    provider: p,
    cards: [cardV(), cardM()],
    defaultCardId: () => def,
    onTap: (e) => taps.push(e),
  });
  return { hce, p, taps };
}

describe('HCE: selection', () => {
  it('SELECT PPSE lists every card, default first with priority 1, kernel ids 03 / 02', async () => {
    const { hce } = service(undefined, 'card-m');
    const r = await hce.processApdu(SELECT_PPSE);
    assert.equal(swOf(r), '9000');
    const fci = parseTlv(r.subarray(0, -2));
    assert.equal(
      bytesToHex(findTagPath(fci, ['6F', '84'])!.value!),
      bytesToHex(Buffer.from('2PAY.SYS.DDF01')),
    );
    const dir = findTagPath(fci, ['6F', 'A5', 'BF0C'])!;
    const entries = dir.children!.filter((n) => n.tag === '61');
    assert.equal(entries.length, 2);
    const get = (i: number, t: string) => bytesToHex(entries[i]!.children!.find((n) => n.tag === t)!.value!);
    assert.equal(get(0, '4F'), 'A0000000041010');
    assert.equal(get(0, '87'), '01');
    assert.equal(get(0, '9F2A'), '02');
    assert.equal(get(1, '4F'), 'A0000000031010');
    assert.equal(get(1, '87'), '02');
    assert.equal(get(1, '9F2A'), '03');
    assert.equal(Buffer.from(h(get(1, '50'))).toString(), 'OPENVSE VISA');
  });

  it('SELECT AID: profile V carries the Kernel 3 PDOL, profile M none; unknown AID 6A82', async () => {
    const { hce } = service();
    const v = await hce.processApdu(SELECT_V);
    assert.equal(swOf(v), '9000');
    const fv = parseTlv(v.subarray(0, -2));
    assert.equal(
      bytesToHex(findTagPath(fv, ['6F', 'A5', '9F38'])!.value!),
      '9F66049F02069F03069F1A0295055F2A029A039C019F3704',
    );
    const m = await hce.processApdu(SELECT_M);
    assert.equal(swOf(m), '9000');
    assert.equal(findTagPath(parseTlv(m.subarray(0, -2)), ['6F', 'A5', '9F38']), undefined);
    assert.equal(swOf(await hce.processApdu(h('00A4040007A000000099999900'))), '6A82');
    assert.equal(swOf(await hce.processApdu(h('00A4040C07A000000003101000'))), '6A86');
  });

  it('no cards: SELECT PPSE answers 6A82', async () => {
    const hce = createHceService({ provider: new FakeProvider(), cards: [] });
    assert.equal(swOf(await hce.processApdu(SELECT_PPSE)), '6A82');
  });
});

describe('HCE: profile V (Kernel 3)', () => {
  it('GPO → 77 with the provider elements; the tap is reported with amount, currency, ATC, type', async () => {
    const { hce, p, taps } = service();
    await hce.processApdu(SELECT_PPSE);
    await hce.processApdu(SELECT_V);
    const r = await hce.processApdu(GPO_V);
    assert.equal(swOf(r), '9000');
    assert.equal(r[0], 0x77);
    assert.equal(p.calls.length, 1);
    assert.equal(bytesToHex(p.calls[0]!.data), PDOL_DATA);
    assert.equal(taps.length, 1);
    assert.deepEqual(
      {
        amount: taps[0]!.amount,
        currency: taps[0]!.currency,
        atc: taps[0]!.atc,
        type: taps[0]!.cryptogramType,
      },
      { amount: 1000, currency: '0978', atc: 1, type: 'ARQC' },
    );
    // The transaction is over: a second GPO needs a new SELECT.
    assert.equal(swOf(await hce.processApdu(GPO_V)), '6985');
    // GET DATA ATC after the tap.
    assert.equal(bytesToHex(await hce.processApdu(h('80CA9F3600'))), '9F360200019000');
    assert.equal(swOf(await hce.processApdu(h('80CA9F1700'))), '6A88');
  });

  it('CDCVM required → 6986 (see phone), nothing consumed, SELECT kept for the second tap', async () => {
    const p = new FakeProvider();
    p.reason = 6;
    const { hce, taps } = service(p);
    await hce.processApdu(SELECT_V);
    assert.equal(swOf(await hce.processApdu(GPO_V)), '6986');
    assert.equal(taps[0]!.outcome, 'SEE_PHONE');
    assert.equal(p.atc.get('card-v') ?? 0, 0);
  });

  it('a threshold reason gives the AAC elements and a DECLINED tap with the reason name', async () => {
    const p = new FakeProvider();
    p.reason = 3;
    const { hce, taps } = service(p);
    await hce.processApdu(SELECT_V);
    const r = await hce.processApdu(GPO_V);
    assert.equal(swOf(r), '9000');
    assert.equal(taps[0]!.outcome, 'DECLINED');
    assert.equal(taps[0]!.reasonName, 'LUK_MAX_TRANSACTIONS');
    assert.equal(taps[0]!.cryptogramType, 'AAC');
  });

  it('GPO: before SELECT 6985, wrong P1P2 6A86, wrong PDOL length 6700, not template 83 6A80', async () => {
    const { hce, p } = service();
    assert.equal(swOf(await hce.processApdu(GPO_V)), '6985');
    await hce.processApdu(SELECT_V);
    assert.equal(swOf(await hce.processApdu(h(`80A8010023 8321${PDOL_DATA}00`.replace(/ /g, '')))), '6A86');
    assert.equal(swOf(await hce.processApdu(h('80A8000004830211 2200'.replace(/ /g, '')))), '6700');
    assert.equal(swOf(await hce.processApdu(h(`80A80000237021${PDOL_DATA}00`))), '6A80');
    assert.equal(p.calls.length, 0);
  });

  it('provider failure → 6F00, an ERROR tap, never a throw', async () => {
    const p = new FakeProvider();
    p.gpoV = async () => {
      throw new Error('TA gone');
    };
    const { hce, taps } = service(p);
    await hce.processApdu(SELECT_V);
    assert.equal(swOf(await hce.processApdu(GPO_V)), '6F00');
    assert.equal(taps[0]!.outcome, 'ERROR');
  });
});

describe('HCE: profile M (Kernel 2)', () => {
  it('GPO → AIP + AFL, READ RECORD serves the profile records, GENERATE AC → 77', async () => {
    const { hce, p, taps } = service();
    await hce.processApdu(SELECT_M);
    assert.equal(swOf(await hce.processApdu(GENAC)), '6985');
    assert.equal(swOf(await hce.processApdu(h('00B2010C00'))), '6985');
    const g = await hce.processApdu(GPO_M);
    assert.equal(bytesToHex(g), '770A820219809404080101009000');
    assert.equal(bytesToHex(await hce.processApdu(h('00B2010C00'))), '700A5A0853558000123456789000');
    assert.equal(swOf(await hce.processApdu(h('00B2020C00'))), '6A83');
    assert.equal(swOf(await hce.processApdu(h('00B2011400'))), '6A83');
    assert.equal(swOf(await hce.processApdu(h('00B2010000'))), '6A86');
    assert.equal(swOf(await hce.processApdu(h('00B2000C00'))), '6A86');
    assert.equal(swOf(await hce.processApdu(h(`80AE80002A${CDOL_DATA.slice(2)}00`))), '6700');
    assert.equal(swOf(await hce.processApdu(h(`80AE80012B${CDOL_DATA}00`))), '6A86');
    const r = await hce.processApdu(GENAC);
    assert.equal(swOf(r), '9000');
    assert.equal(r[0], 0x77);
    assert.equal(p.calls.length, 1);
    assert.equal(p.calls[0]!.p1, 0x80);
    assert.equal(taps[0]!.amount, 1000);
    assert.equal(swOf(await hce.processApdu(GENAC)), '6985');
    assert.equal(p.calls.length, 1);
  });
});

describe('HCE: profile M above the CVM limit', () => {
  it('CDCVM required → an AAC with POSCII "see phone" (DF4B 000100), random AC, nothing consumed', async () => {
    const p = new FakeProvider();
    p.reason = 6;
    const { hce, taps } = service(p);
    await hce.processApdu(SELECT_M);
    await hce.processApdu(GPO_M);
    const r = await hce.processApdu(GENAC);
    assert.equal(swOf(r), '9000');
    const t77 = parseTlv(r.subarray(0, -2))[0]!;
    const get = (tag: string) => bytesToHex(t77.children!.find((n) => n.tag === tag)!.value!);
    assert.equal(get('9F27'), '00');
    assert.equal(get('DF4B'), '000100');
    assert.equal(get('9F26').length, 16);
    assert.equal(get('9F10').slice(0, 6), '011480');
    assert.equal(taps[0]!.outcome, 'SEE_PHONE');
    assert.equal(p.atc.get('card-m') ?? 0, 0);
  });
});

describe('HCE: status words for what it does not accept', () => {
  it('CLA 6E00, INS 6D00, short or inconsistent lengths 6700, CLA/INS mismatch 6E00', async () => {
    const { hce } = service();
    assert.equal(swOf(await hce.processApdu(h('84A4040000'))), '6E00');
    assert.equal(swOf(await hce.processApdu(h('0020000000'))), '6D00');
    assert.equal(swOf(await hce.processApdu(h('00A404'))), '6700');
    assert.equal(swOf(await hce.processApdu(new Uint8Array(0))), '6700');
    assert.equal(swOf(await hce.processApdu(h('00A404000E325041'))), '6700');
    assert.equal(swOf(await hce.processApdu(h('80A4040007A000000003101000'))), '6E00');
    assert.equal(swOf(await hce.processApdu(h('00A8000002830000'))), '6E00');
    assert.equal(swOf(await hce.processApdu(h('80CA9F3600'))), '6985');
  });
});

/** A model of "this APDU may consume a credential": well-formed GPO V / GENAC M in the right state. */
function validApdus(): Uint8Array[] {
  return [SELECT_PPSE, SELECT_V, GPO_V, SELECT_M, GPO_M, h('00B2010C00'), GENAC, h('80CA9F3600')];
}

describe('HCE: garbage never crashes and never consumes a credential', () => {
  it('random bytes: always an R-APDU, never a provider call', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 12 }),
        async (apdus) => {
          const { hce, p } = service();
          for (const a of apdus) {
            // Random bytes that happen to be a valid SELECT are not garbage; skip provider-reaching cases below.
            const r = await hce.processApdu(a);
            assert.ok(r instanceof Uint8Array && r.length >= 2);
          }
          // Without a successful SELECT + valid GPO there can be no call: check that each call had one.
          for (const c of p.calls) assert.ok(c.op === 'gpoV' ? c.data.length === 33 : c.data.length === 43);
        },
      ),
      { numRuns: 400, ...FC_SEED },
    );
  });

  it('mutated valid APDUs: each provider call matches a well-formed command in the right state; ATC moves only then', async () => {
    const valid = validApdus();
    const mutated = fc
      .tuple(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        fc.option(fc.nat({ max: 60 })),
      )
      .map(([i, flips, cut]) => {
        const b = new Uint8Array(valid[i]!);
        for (const [pos, v] of flips) if (b.length > 0) b[pos % b.length] = v;
        return cut === null ? b : b.subarray(0, Math.min(b.length, cut));
      });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(mutated, fc.constantFrom(...valid)), { maxLength: 16 }),
        async (apdus) => {
          const { hce, p } = service();
          let state: 'idle' | 'V' | 'M' | 'Mgpo' = 'idle';
          let expectedCalls = 0;
          for (const a of apdus) {
            const before = p.calls.length;
            const r = await hce.processApdu(a);
            assert.ok(r instanceof Uint8Array && r.length >= 2);
            const ok = swOf(r) === '9000';
            const hex = bytesToHex(a);
            const consumed = p.calls.length - before;
            assert.ok(consumed <= 1);
            if (consumed === 1) {
              // Only a well-formed GPO (V, selected) or GENERATE AC (M, after GPO) gets here.
              if (state === 'V')
                assert.ok(
                  hex.startsWith('80A8000023') && a.length >= 40 && a[5] === 0x83 && a[6] === 0x21,
                  hex,
                );
              else if (state === 'Mgpo')
                assert.ok(hex.startsWith('80AE') && a[4] === 0x2b && a[3] === 0x00, hex);
              else assert.fail(`provider reached in state ${state}: ${hex}`);
              expectedCalls++;
            }
            // Track the card's state as a terminal would see it.
            // A frame shorter than CLA INS P1 P2 is no command at all (6700), so not a SELECT either.
            if (a.length >= 4 && a[0] === 0x00 && a[1] === 0xa4)
              state =
                ok && hex.includes('A0000000031010')
                  ? 'V'
                  : ok && hex.includes('A0000000041010')
                    ? 'M'
                    : 'idle';
            else if (consumed === 1) state = 'idle';
            else if (state === 'M' && a[1] === 0xa8 && ok) state = 'Mgpo';
            else if (state === 'V' && a[1] === 0xa8 && ok) state = 'idle';
          }
          const atcs = [...p.atc.values()].reduce((s, v) => s + v, 0);
          assert.equal(atcs, expectedCalls);
        },
      ),
      { numRuns: 400, ...FC_SEED },
    );
  });
});
