/**
 * When is the wallet's card "in the reader" (vicc.ts `waitForReader`, docs/pcsc.md §3), and what
 * ATR does it show (atr.ts, docs/pcsc.md "The card's ATR")? Against fake vpcds: one that talks
 * (resolves), one that accepts the connection and stays silent as vpcd does for a second card on
 * a held slot (ERR_VPCD_PORT_BUSY), and a closed port (ERR_VPCD_UNREACHABLE, at once). The ATR is
 * parsed here independently of atr.ts (ISO/IEC 7816-3 §8.2: T0, TDi chain, historical bytes, TCK).
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import {
  attachViccCard,
  contactlessAtr,
  frameViccMessage,
  paymentDeviceAtr,
  ViccError,
} from '../../src/transport/index.js';

function listen(onConnection: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    ),
  );
}

const card = (port: number) =>
  attachViccCard({
    host: '127.0.0.1',
    port,
    processApdu: () => Uint8Array.of(0x90, 0x00),
    reconnectDelayMs: 50,
  });

describe('waitForReader', () => {
  it('resolves once vpcd has spoken (an ATR request) on the connection', async () => {
    const { server, port } = await listen((s) =>
      setTimeout(() => s.write(frameViccMessage(Uint8Array.of(0x04))), 30),
    );
    const c = card(port);
    try {
      assert.equal(c.isInReader, false);
      await c.waitForReader({ timeoutMs: 2000, silenceMs: 1000 });
      assert.equal(c.isInReader, true);
    } finally {
      await c.close();
      server.close();
    }
  });

  it('connected but silent: ERR_VPCD_PORT_BUSY (another card holds the slot)', async () => {
    const held: Socket[] = [];
    const { server, port } = await listen((s) => held.push(s));
    const c = card(port);
    try {
      const t0 = Date.now();
      await assert.rejects(c.waitForReader({ timeoutMs: 5000, silenceMs: 300 }), (e: unknown) => {
        assert.ok(e instanceof ViccError);
        assert.equal(e.code, 'ERR_VPCD_PORT_BUSY');
        assert.match(e.message, /another card holds this reader slot/);
        return true;
      });
      assert.ok(Date.now() - t0 < 2000);
    } finally {
      await c.close();
      for (const s of held) s.destroy();
      server.close();
    }
  });

  it('a closed port: ERR_VPCD_UNREACHABLE at the first refused attempt, naming the errno', async () => {
    const { server, port } = await listen(() => {});
    await new Promise<void>((r) => server.close(() => r()));
    const c = card(port);
    try {
      const t0 = Date.now();
      await assert.rejects(c.waitForReader({ timeoutMs: 5000 }), (e: unknown) => {
        assert.ok(e instanceof ViccError);
        assert.equal(e.code, 'ERR_VPCD_UNREACHABLE');
        assert.match(e.message, /ECONNREFUSED/);
        return true;
      });
      assert.ok(Date.now() - t0 < 1000);
    } finally {
      await c.close();
    }
  });
});

/** An ATR read byte by byte as ISO/IEC 7816-3 §8.2 lays it out. */
function parseAtr(atr: Uint8Array): { protocols: number[]; historical: number[]; tckOk: boolean } {
  assert.equal(atr[0], 0x3b, 'TS: direct convention');
  let i = 1;
  let y = atr[i]! >> 4;
  const k = atr[i]! & 0x0f;
  i++;
  const protocols: number[] = [];
  while (y) {
    if (y & 1) i++; // TA
    if (y & 2) i++; // TB
    if (y & 4) i++; // TC
    if (y & 8) {
      const td = atr[i++]!;
      protocols.push(td & 0x0f);
      y = td >> 4;
    } else y = 0;
  }
  const historical = [...atr.subarray(i, i + k)];
  i += k;
  let x = 0;
  for (const b of atr.subarray(1)) x ^= b;
  assert.equal(i + 1, atr.length, 'exactly one TCK after the historical bytes');
  return { protocols, historical, tckOk: x === 0 };
}

describe('the card ATR (PC/SC Part 3 contactless)', () => {
  it('Visa and Mastercard payment AIDs: 3B 89 80 01 80 F7 <AID> TCK, well-formed, TCK correct', () => {
    const hex = (a: Uint8Array) => Buffer.from(a).toString('hex').toUpperCase();
    assert.equal(hex(paymentDeviceAtr('A0000000031010')), '3B89800180F7A0000000031010DC');
    for (const aid of ['A0000000031010', 'A0000000041010']) {
      const atr = paymentDeviceAtr(aid);
      const p = parseAtr(atr);
      assert.deepEqual(p.protocols, [0, 1], 'TD1 = 80 (T=0, TD2 follows), TD2 = 01 (T=1)');
      assert.ok(p.tckOk, 'T0 ⊕ … ⊕ TCK = 0');
      assert.equal(p.historical[0], 0x80, 'category indicator: compact-TLV');
      assert.equal(p.historical[1], 0xf7, 'compact-TLV tag F (application identifier), 7 bytes');
      assert.equal(hex(Uint8Array.from(p.historical.slice(2))), aid);
    }
  });

  it('contactlessAtr with no historical bytes is the classic 3B 80 80 01 01; refuses more than 15', () => {
    assert.deepEqual([...contactlessAtr(new Uint8Array(0))], [0x3b, 0x80, 0x80, 0x01, 0x01]);
    assert.ok(parseAtr(contactlessAtr(new Uint8Array(15).fill(0x5a))).tckOk);
    assert.throws(() => contactlessAtr(new Uint8Array(16)), RangeError);
    assert.throws(() => paymentDeviceAtr('A000'), RangeError);
  });
});
