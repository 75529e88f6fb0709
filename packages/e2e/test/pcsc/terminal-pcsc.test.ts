/**
 * The POS terminal's PC/SC transport end to end, through the real stack (docs/pcsc.md §1–§5):
 * terminal (@openvse/terminal `connectPcsc` / `listReaders` / `runTransaction`, koffi →
 * libpcsclite) → pcscd → vsmartcard's vpcd → a vicc card (@openvse/cbp-sdk `attachViccCard`,
 * docs/cbp-sdk.md) whose APDUs a REAL wallet answers: a @openvse/test-bench `TestBench` (the
 * CBP server in process with the documented test issuer, the CBP TA in V-OS, a profile V and a
 * profile M card provisioned through the production path), its HCE service as the card — what
 * `openvse wallet pcsc --test-card` does (packages/cli/src/commands/wallet.ts).
 *
 * Covered: the two vpcd readers and the ATR; a Kernel 3 (EMV Contactless Book C-3) transaction
 * with the profile V card and a Kernel 2 (Book C-2) one with the profile M card, each ending
 * ONLINE_REQUEST and approved by the server's POST /v1/authorizations (docs/server-api.md), which
 * verifies the ARQC (and, for M, the MD cryptogram) with the issuer keys — also checked here with
 * the keys docs/cbp-sdk.md documents; a T=0 card (ATR 3B 00, docs/pcsc.md §3); the two-tap over
 * the CVM limit (SEE_PHONE, then ONLINE_REQUEST after CDCVM on the wallet); an independently
 * written reader (OpenSC's opensc-tool, docs/pcsc.md §5) getting 9000 and the qVSDC cryptogram;
 * the per-APDU round trip through the quickack loopback route (docs/pcsc.md §4), printed.
 *
 * Needs pcscd + vsmartcard-vpcd + libpcsclite (scripts/pcsc-up.sh, as root), the quickack route
 * and opensc-tool for the tests that say so: `needSystem` (packages/e2e/src/system.ts) skips with
 * the SYSTEM tag, a failure under OPENVSE_REQUIRE_SYSTEM=1. All of the terminal's PC/SC tests
 * live in this one file so that they never compete for the two vpcd slots, and the file holds
 * the slots' lock (./vpcd.ts) against the other PC/SC suites (cli-wallet.test.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { attachViccCard } from '@openvse/cbp-sdk';
import { encodeCommandApdu, getProcessingOptions, selectByName, selectPpse } from '@openvse/emv';
import { connectPcsc, listReaders, type PcscTransport, runTransaction } from '@openvse/terminal';
import { TestBench } from '@openvse/test-bench';
import { needSystem, type SystemNeed } from '../../src/system.js';
import {
  connectWhenPresent,
  openscLastAnswer,
  openscStatusWords,
  type Processor,
  QUICKACK_HOST,
  READER_0,
  READER_1,
  template77,
  VpcdSlots,
  verifyWithDocumentedKeys,
  waitAbsent,
  withCard,
} from './vpcd.js';

/** The mobile PIN of the profile V card (its CDCVM above the CVM limit; docs/cdcvm.md). */
const PIN = '2468';

const run = promisify(execFile);
const FIXED = {
  clock: () => new Date('2026-11-28T10:20:30Z'),
  unpredictableNumber: () => Uint8Array.of(1, 2, 3, 4),
};
/** The CVM limit of the bench's cards (50.00, as `openvse wallet pcsc --test-card` sets it). */
const CVM_LIMIT = 5000;

function stats(ms: number[]): { median: number; p90: number; p99: number; n: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p90: at(0.9), p99: at(0.99), n: s.length };
}

const apduMs = (entries: readonly { ms: number }[]) => entries.reduce((n, e) => n + e.ms, 0).toFixed(2);

const fmt = (x: { median: number; p90: number; p99: number; n: number }) =>
  `median ${x.median.toFixed(3)} ms, p90 ${x.p90.toFixed(3)} ms, p99 ${x.p99.toFixed(3)} ms (n=${x.n})`;

describe('terminal over PC/SC: pcscd → vpcd → vicc → a real wallet (TestBench, CBP TA in V-OS)', () => {
  const slots = new VpcdSlots();
  let dir: string | undefined;
  let bench: TestBench | undefined;
  let cardV = '';
  let cardM = '';

  /** The system gate, then the vpcd slots (held until the suite ends). */
  const ready = async (t: TestContext, needs: SystemNeed[] = []): Promise<boolean> => {
    if (!needSystem(t, ['libpcsclite', 'pcscd', 'vpcd', ...needs])) return false;
    await slots.hold();
    return true;
  };

  /** The wallet, started on first use (nothing to start when the system gate skips everything). */
  const wallet = async (): Promise<TestBench> => {
    if (bench) return bench;
    dir = mkdtempSync(join(tmpdir(), 'openvse-e2e-pcsc-'));
    bench = await TestBench.start({
      dir,
      provider: 'vos',
      server: { cardDefaults: { cvmLimit: CVM_LIMIT } },
    });
    cardV = await bench.addCard('V', { mobilePin: PIN });
    cardM = await bench.addCard('M');
    return bench;
  };

  /** The wallet's HCE service as the card, with the default card `cardId`; a new field resets it. */
  const walletCard = async (cardId: () => string) => {
    const b = await wallet();
    b.wallet.setDefaultCard(cardId());
    const hce = b.wallet.hce();
    hce.reset();
    return { bench: b, processApdu: hce.processApdu, onFieldReset: () => hce.reset() };
  };

  after(async () => {
    await bench?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await slots.release();
  });

  it('lists the two vpcd readers and connects with the ATR the card gives', async (t) => {
    if (!(await ready(t))) return;
    const readers = await listReaders();
    assert.ok(readers.includes(READER_0) && readers.includes(READER_1), `readers: ${readers.join(', ')}`);
    const { processApdu, onFieldReset } = await walletCard(() => cardV);
    await withCard(
      35963,
      processApdu,
      async (tr) => {
        assert.equal(Buffer.from(tr.atr).toString('hex'), '3b80800101');
        assert.equal(tr.protocol, 'T1');
        assert.equal(tr.readerName, READER_0);
      },
      { onFieldReset },
    );
    await assert.rejects(connectPcsc('No Such Reader 00 00'), /not found; pcscd knows/);
  });

  it('Kernel 3 (qVSDC) transaction with the profile V card: ONLINE_REQUEST, the server verifies the ARQC → APPROVE', async (t) => {
    if (!(await ready(t))) return;
    const { bench: b, processApdu, onFieldReset } = await walletCard(() => cardV);
    const o = await withCard(35963, processApdu, (tr) => runTransaction(tr, { amount: 1999 }, FIXED), {
      onFieldReset,
    });
    t.diagnostic(o.trace.render());
    console.log(
      `Kernel 3 over PC/SC: ${o.trace.entries.length} APDUs, ${apduMs(o.trace.entries)} ms in exchanges`,
    );
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.equal(o.kernel, 3);
    assert.equal(o.pan, b.wallet.card(cardV)!.pan);
    assert.equal(verifyWithDocumentedKeys(o).valid, true, 'ARQC verifies under the documented IMK_AC');
    const auth = await b.authorize(o, 1999);
    assert.equal(auth.decision, 'APPROVE', JSON.stringify(auth));
  });

  it('Kernel 2 (M/Chip) transaction with the profile M card: ONLINE_REQUEST, ARQC and MD verified → APPROVE', async (t) => {
    if (!(await ready(t))) return;
    const { bench: b, processApdu, onFieldReset } = await walletCard(() => cardM);
    const o = await withCard(35964, processApdu, (tr) => runTransaction(tr, { amount: 4200 }, FIXED), {
      onFieldReset,
    });
    console.log(
      `Kernel 2 over PC/SC: ${o.trace.entries.length} APDUs, ${apduMs(o.trace.entries)} ms in exchanges`,
    );
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.equal(o.kernel, 2);
    assert.equal(o.pan, b.wallet.card(cardM)!.pan);
    const v = verifyWithDocumentedKeys(o);
    assert.equal(v.acValid, true);
    assert.equal(v.mdValid, true);
    // The wallet's profile M has one record in its AFL (the old scripted fixture card had two: 6 APDUs).
    assert.deepEqual(
      o.trace.entries.map((e) => [e.step, e.sw]),
      [
        ['SELECT PPSE', 0x9000],
        ['SELECT AID A0000000041010', 0x9000],
        ['GET PROCESSING OPTIONS', 0x9000],
        ['READ RECORD SFI 1 record 1', 0x9000],
        ['GENERATE AC (ARQC)', 0x9000],
      ],
    );
    const auth = await b.authorize(o, 4200);
    assert.equal(auth.decision, 'APPROVE', JSON.stringify(auth));
  });

  it('a T=0 card (ATR 3B 00): the terminal connects with T=0 and runs Kernel 2 through it → APPROVE', async (t) => {
    if (!(await ready(t))) return;
    const { bench: b, processApdu, onFieldReset } = await walletCard(() => cardM);
    const o = await withCard(
      35964,
      processApdu,
      async (tr) => {
        assert.equal(tr.protocol, 'T0');
        return runTransaction(tr, { amount: 300 }, FIXED);
      },
      { atr: Uint8Array.of(0x3b, 0x00), onFieldReset },
    );
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.equal(o.kernel, 2);
    assert.equal(verifyWithDocumentedKeys(o).valid, true);
    const auth = await b.authorize(o, 300);
    assert.equal(auth.decision, 'APPROVE', JSON.stringify(auth));
  });

  it('Kernel 3 two-tap over the CVM limit: SEE_PHONE, then ONLINE_REQUEST after CDCVM on the wallet → APPROVE', async (t) => {
    if (!(await ready(t))) return;
    const { bench: b, processApdu, onFieldReset } = await walletCard(() => cardV);
    await b.wallet.forgetCardholderVerification();
    const first = await withCard(35963, processApdu, (tr) => runTransaction(tr, { amount: 7500 }, FIXED), {
      onFieldReset,
    });
    assert.equal(first.type, 'SEE_PHONE', first.reason?.message);
    // The cardholder unlocks the phone (CDCVM), then taps again: a new field, a new vicc.
    await b.wallet.verifyCardholder(cardV, PIN);
    try {
      const second = await withCard(35963, processApdu, (tr) => runTransaction(tr, { amount: 7500 }, FIXED), {
        onFieldReset,
      });
      assert.equal(second.type, 'ONLINE_REQUEST', second.reason?.message);
      assert.equal(second.cvm, 'CDCVM');
      const auth = await b.authorize(second, 7500);
      assert.equal(auth.decision, 'APPROVE', JSON.stringify(auth));
    } finally {
      await b.wallet.forgetCardholderVerification();
    }
  });

  it('an independent reader (opensc-tool) gets 9000 and the qVSDC cryptogram from the wallet card', async (t) => {
    if (!(await ready(t, ['opensc-tool']))) return;
    const { bench: b, processApdu, onFieldReset } = await walletCard(() => cardV);
    const atcBefore = b.wallet.card(cardV)!.atc;
    const vicc = attachViccCard({
      host: QUICKACK_HOST,
      port: 35963,
      processApdu,
      onEvent: (e) => {
        if (e.type === 'power-off' || e.type === 'reset' || e.type === 'disconnected') onFieldReset();
      },
    });
    try {
      await vicc.waitConnected(5000);
      // Wait until pcscd reports the card, using our own client (released right away).
      await (await connectWhenPresent(READER_0, 5000)).close();
      const hex = (a: Uint8Array) => Buffer.from(a).toString('hex').toUpperCase();
      // PDOL data: TTQ 20804000, amount 10.00, other 0, country 0250, TVR 0, EUR, 2026-11-28, purchase, UN 01020304
      const pdolData =
        '20804000' +
        '000000001000' +
        '000000000000' +
        '0250' +
        '0000000000' +
        '0978' +
        '261128' +
        '00' +
        '01020304';
      const apdus = [
        hex(encodeCommandApdu(selectPpse())),
        hex(encodeCommandApdu(selectByName('A0000000031010'))),
        hex(encodeCommandApdu(getProcessingOptions(pdolData))),
      ];
      const { stdout } = await run('opensc-tool', ['-r', READER_0, ...apdus.flatMap((a) => ['-s', a])], {
        timeout: 20000,
      });
      t.diagnostic(stdout);
      const sws = openscStatusWords(stdout);
      assert.equal(sws.length, 3, stdout);
      for (const sw of sws) assert.equal(sw, '9000', stdout);
      const gpo = template77(openscLastAnswer(stdout));
      assert.equal(gpo.tag, '77');
      for (const tag of ['9F26', '9F27', '9F36', '9F10', '57', '82'])
        assert.ok(gpo.objects.has(tag), `GPO answer has ${tag}`);
      assert.match(stdout, /9F 26 08/);
      // The wallet counted it as a tap with an ARQC.
      await b.wallet.idle();
      const last = b.wallet.history().at(-1)!;
      assert.deepEqual([last.cardId, last.amount, last.cryptogramType], [cardV, 1000, 'ARQC']);
      assert.ok(b.wallet.card(cardV)!.atc > atcBefore, 'the ATC moved on');
    } finally {
      await vicc.close();
      await waitAbsent(READER_0, 5000);
    }
  });

  it('PC/SC round trip through the quickack route: prints the figures, sanity bound median < 20 ms', async (t) => {
    if (!(await ready(t, ['quickack-route']))) return;
    // The card here is an echo (the wallet's own time is not what is measured).
    const echo: Processor = async (c) => Uint8Array.of(...c.subarray(5, 5 + (c[4] ?? 0)), 0x90, 0x00);
    const getData = Uint8Array.of(0x80, 0xca, 0x9f, 0x36, 0x00);
    const ping = Uint8Array.of(0x80, 0xee, 0x00, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04, 0x00);
    const measure = async (tr: PcscTransport, n: number, capdu: Uint8Array) => {
      for (let i = 0; i < 10; i++) await tr.transmit(capdu);
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await tr.transmit(capdu);
        ms.push(performance.now() - t0);
      }
      return stats(ms);
    };
    const quick0 = await withCard(35963, echo, (tr) => measure(tr, 200, getData));
    const quick1 = await withCard(35964, echo, (tr) => measure(tr, 200, ping));
    // For comparison, the same without the route (127.0.0.1): Debian vpcd 3.3's two send() calls
    // meet Nagle + delayed ACK. Few samples: each costs ~40 ms.
    const plain = await withCard(35964, echo, (tr) => measure(tr, 20, ping), { host: '127.0.0.1' });
    const lines = [
      `PC/SC round trip, terminal → pcscd → vpcd → vicc → back (one open connection):`,
      `  ${READER_0} via 127.0.0.2 (quickack route), GET DATA 5 B: ${fmt(quick0)}`,
      `  ${READER_1} via 127.0.0.2 (quickack route), case 4, 10 B: ${fmt(quick1)}`,
      `  ${READER_1} via 127.0.0.1 (no quickack),   case 4, 10 B: ${fmt(plain)}`,
    ];
    console.log(lines.join('\n'));
    t.diagnostic(lines.join(' | '));
    assert.ok(quick0.median < 20, `median ${quick0.median} ms: is the quickack route missing?`);
    assert.ok(quick1.median < 20, `median ${quick1.median} ms: is the quickack route missing?`);
  });
});
