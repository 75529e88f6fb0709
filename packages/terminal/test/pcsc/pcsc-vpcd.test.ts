/**
 * End to end through real PC/SC (docs/pcsc.md §1–§5): terminal (koffi → libpcsclite) →
 * pcscd → vpcd → the CBP SDK's vicc → the scripted test cards. Full Kernel 3 and Kernel 2
 * transactions with the cryptograms verified issuer-side, an independently written reader
 * (OpenSC's opensc-tool) against the same card, and the per-APDU round trip through the
 * quickack loopback route.
 *
 * Needs pcscd + vsmartcard-vpcd (sudo scripts/pcsc-up.sh); skipped loudly when they are
 * missing, failed instead when OPENVSE_REQUIRE_SYSTEM=1. All PC/SC tests live in this one file
 * so that they never compete for the two vpcd slots.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import {
  encodeCommandApdu,
  getProcessingOptions,
  parseTlvSingle,
  selectByName,
  selectPpse,
  tlvToMap,
} from '@openvse/emv';
import {
  connectPcsc,
  listReaders,
  type PcscTransport,
  runTransaction,
  TerminalError,
} from '../../src/index.js';
import { createProfileMCard } from '../fixtures/profile-m-card.js';
import { createProfileVCard } from '../fixtures/profile-v-card.js';
import { TEST_PAN_V } from '../fixtures/test-issuer.js';
import { verifyChipData } from '../helpers/issuer.js';
import { needSystem } from '../helpers/system.js';
import { loadVicc } from '../helpers/vicc.js';

const run = promisify(execFile);
const READER_0 = 'Virtual PCD 00 00'; // vpcd TCP 35963
const READER_1 = 'Virtual PCD 00 01'; // vpcd TCP 35964
const FIXED = {
  clock: () => new Date('2026-11-28T10:20:30Z'),
  unpredictableNumber: () => Uint8Array.of(1, 2, 3, 4),
};

type Processor = (c: Uint8Array) => Promise<Uint8Array>;

/** Attaches a vicc card, waits until pcscd sees it, connects the terminal; cleans up after. */
async function withCard<T>(
  port: 35963 | 35964,
  host: string,
  processApdu: Processor,
  body: (t: PcscTransport) => Promise<T>,
  atr?: Uint8Array,
): Promise<T> {
  const { attachViccCard } = await loadVicc();
  const card = attachViccCard({ host, port, processApdu, atr });
  const reader = port === 35963 ? READER_0 : READER_1;
  try {
    await card.waitConnected(5000);
    const t = await connectWhenPresent(reader, 5000);
    try {
      return await body(t);
    } finally {
      await t.close();
    }
  } finally {
    await card.close();
    await waitAbsent(reader, 5000);
  }
}

/**
 * After a vicc leaves, wait until pcscd has seen the card go (it polls the ATR): a new vicc on
 * the same slot before that inherits a stale connection in vpcd and the first exchange fails
 * with SCARD_E_NOT_TRANSACTED.
 */
async function waitAbsent(reader: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      await (await connectPcsc(reader)).close();
    } catch (e) {
      if (e instanceof TerminalError && e.details.pcsc === 'SCARD_E_NO_SMARTCARD') return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** pcscd polls the ATR, so a freshly attached card shows up after a moment. */
async function connectWhenPresent(reader: string, timeoutMs: number): Promise<PcscTransport> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connectPcsc(reader);
    } catch (e) {
      const name = e instanceof TerminalError ? e.details.pcsc : undefined;
      const retry =
        name === 'SCARD_E_NO_SMARTCARD' ||
        name === 'SCARD_W_REMOVED_CARD' ||
        name === 'SCARD_E_READER_UNAVAILABLE';
      if (!retry || Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function stats(ms: number[]): { median: number; p90: number; p99: number; n: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p90: at(0.9), p99: at(0.99), n: s.length };
}

const apduMs = (entries: readonly { ms: number }[]) => entries.reduce((n, e) => n + e.ms, 0).toFixed(2);

const fmt = (x: { median: number; p90: number; p99: number; n: number }) =>
  `median ${x.median.toFixed(3)} ms, p90 ${x.p90.toFixed(3)} ms, p99 ${x.p99.toFixed(3)} ms (n=${x.n})`;

const gate = (t: TestContext) => needSystem(t, ['libpcsclite', 'pcscd', 'vpcd']);

describe('PC/SC through pcscd + vpcd + vicc', () => {
  it('lists the two vpcd readers and connects with the ATR the card gives', async (t) => {
    if (!gate(t)) return;
    const readers = await listReaders();
    assert.ok(readers.includes(READER_0) && readers.includes(READER_1), `readers: ${readers.join(', ')}`);
    await withCard(
      35963,
      '127.0.0.2',
      async () => Uint8Array.of(0x90, 0x00),
      async (tr) => {
        assert.equal(Buffer.from(tr.atr).toString('hex'), '3b80800101');
        assert.equal(tr.protocol, 'T1');
        assert.equal(tr.readerName, READER_0);
      },
    );
    await assert.rejects(connectPcsc('No Such Reader 00 00'), /not found; pcscd knows/);
  });

  it('Kernel 3 (qVSDC) transaction with the profile V card: ONLINE_REQUEST, ARQC verified', async (t) => {
    if (!gate(t)) return;
    const card = createProfileVCard();
    const o = await withCard(35963, '127.0.0.2', card.processApdu, (tr) =>
      runTransaction(tr, { amount: 1999 }, FIXED),
    );
    t.diagnostic(o.trace.render());
    console.log(
      `Kernel 3 over PC/SC: ${o.trace.entries.length} APDUs, ${apduMs(o.trace.entries)} ms in exchanges`,
    );
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.equal(o.kernel, 3);
    assert.equal(o.pan, TEST_PAN_V);
    assert.equal(verifyChipData(o).valid, true);
  });

  it('Kernel 2 (M/Chip) transaction with the profile M card: ONLINE_REQUEST, ARQC and MD verified', async (t) => {
    if (!gate(t)) return;
    const card = createProfileMCard();
    const o = await withCard(35964, '127.0.0.2', card.processApdu, (tr) =>
      runTransaction(tr, { amount: 4200 }, FIXED),
    );
    console.log(
      `Kernel 2 over PC/SC: ${o.trace.entries.length} APDUs, ${apduMs(o.trace.entries)} ms in exchanges`,
    );
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.equal(o.kernel, 2);
    const v = verifyChipData(o);
    assert.equal(v.acValid, true);
    assert.equal(v.mdValid, true);
    assert.equal(o.trace.entries.length, 6);
  });

  it('a T=0 card (ATR 3B 00): the terminal connects with T=0 and runs Kernel 2 through it', async (t) => {
    if (!gate(t)) return;
    const card = createProfileMCard();
    const o = await withCard(
      35964,
      '127.0.0.2',
      card.processApdu,
      async (tr) => {
        assert.equal(tr.protocol, 'T0');
        return runTransaction(tr, { amount: 300 }, FIXED);
      },
      Uint8Array.of(0x3b, 0x00),
    );
    assert.equal(o.type, 'ONLINE_REQUEST', o.reason?.message);
    assert.equal(verifyChipData(o).valid, true);
  });

  it('Kernel 3 two-tap over the CVM limit: SEE_PHONE, then ONLINE_REQUEST after CDCVM', async (t) => {
    if (!gate(t)) return;
    const first = await withCard(35963, '127.0.0.2', createProfileVCard().processApdu, (tr) =>
      runTransaction(tr, { amount: 7500 }, FIXED),
    );
    assert.equal(first.type, 'SEE_PHONE');
    const second = await withCard(
      35963,
      '127.0.0.2',
      createProfileVCard({ cdcvmVerified: true }).processApdu,
      (tr) => runTransaction(tr, { amount: 7500 }, FIXED),
    );
    assert.equal(second.type, 'ONLINE_REQUEST');
    assert.equal(second.cvm, 'CDCVM');
  });

  it('an independent reader (opensc-tool) gets 9000 and the qVSDC cryptogram from the vicc card', async (t) => {
    if (!needSystem(t, ['libpcsclite', 'pcscd', 'vpcd', 'opensc-tool'])) return;
    const { attachViccCard } = await loadVicc();
    const card = createProfileVCard();
    const vicc = attachViccCard({ host: '127.0.0.2', port: 35963, processApdu: card.processApdu });
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
      const received = [...stdout.matchAll(/Received \(SW1=0x([0-9A-Fa-f]{2}), SW2=0x([0-9A-Fa-f]{2})\)/g)];
      assert.equal(received.length, 3, stdout);
      for (const m of received) assert.equal(`${m[1]}${m[2]}`.toUpperCase(), '9000');
      // The GPO answer: hex dump lines after the last "Received".
      const tail = stdout.slice(stdout.lastIndexOf('Received'));
      const bytes: number[] = [];
      for (const line of tail.split('\n').slice(1)) {
        for (const tok of line.trim().split(' ')) {
          if (!/^[0-9A-F]{2}$/.test(tok)) break;
          bytes.push(Number.parseInt(tok, 16));
        }
      }
      const t77 = parseTlvSingle(Uint8Array.from(bytes));
      assert.equal(t77.tag, '77');
      const m = tlvToMap(t77.children!);
      for (const tag of ['9F26', '9F27', '9F36', '9F10', '57', '82'])
        assert.ok(m.has(tag), `GPO answer has ${tag}`);
      assert.match(stdout, /9F 26 08/);
    } finally {
      await vicc.close();
      await waitAbsent(READER_0, 5000);
    }
  });

  it('PC/SC round trip through the quickack route: prints the figures, sanity bound median < 20 ms', async (t) => {
    if (!needSystem(t, ['libpcsclite', 'pcscd', 'vpcd', 'quickack-route'])) return;
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
    const quick0 = await withCard(35963, '127.0.0.2', echo, (tr) => measure(tr, 200, getData));
    const quick1 = await withCard(35964, '127.0.0.2', echo, (tr) => measure(tr, 200, ping));
    // For comparison, the same without the route (127.0.0.1): Debian vpcd 3.3's two send() calls
    // meet Nagle + delayed ACK. Few samples: each costs ~40 ms.
    const plain = await withCard(35964, '127.0.0.1', echo, (tr) => measure(tr, 20, ping));
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
