/**
 * The vicc card transport against a fake vpcd (vsmartcard vpcd/vicc protocol: u16 big-endian
 * length framing, 1-byte control messages 00 off / 01 on / 02 reset / 04 ATR, APDUs otherwise).
 * The fake sends the length and the payload in two writes, as Debian's vpcd 3.3 does. No pcscd
 * needed: the end-to-end PC/SC tests live in packages/e2e/test/pcsc.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  attachViccCard,
  frameViccMessage,
  type ViccEvent,
  ViccFrameReader,
} from '../../src/transport/index.js';

function fakeVpcd(): Promise<{ server: Server; port: number; next: () => Promise<Socket> }> {
  const server = createServer();
  const waiting: Array<(s: Socket) => void> = [];
  const queued: Socket[] = [];
  server.on('connection', (s) => {
    s.setNoDelay(true);
    const w = waiting.shift();
    if (w) w(s);
    else queued.push(s);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        server,
        port,
        next: () => (queued.length ? Promise.resolve(queued.shift()!) : new Promise((r) => waiting.push(r))),
      });
    });
  });
}

/** Sends like vpcd 3.3 (length, then payload, two writes) and reads one framed answer. */
async function ask(s: Socket, payload: number[]): Promise<Uint8Array> {
  const reader = new ViccFrameReader();
  const got = new Promise<Uint8Array>((resolve) => {
    const on = (d: Buffer) => {
      const m = reader.push(d);
      if (m.length) {
        s.off('data', on);
        resolve(m[0]!);
      }
    };
    s.on('data', on);
  });
  s.write(Buffer.from([payload.length >> 8, payload.length & 0xff]));
  s.write(Buffer.from(payload));
  return got;
}

function send(s: Socket, payload: number[]): void {
  s.write(frameViccMessage(Uint8Array.from(payload)));
}

describe('vicc framing', () => {
  it('reassembles frames split anywhere and keeps the tail', () => {
    const r = new ViccFrameReader();
    const all = Buffer.concat([frameViccMessage(Uint8Array.of(4)), frameViccMessage(Uint8Array.of(1, 2, 3))]);
    const out: Uint8Array[] = [];
    for (const b of all) out.push(...r.push(Uint8Array.of(b)));
    assert.deepEqual(
      out.map((m) => [...m]),
      [[4], [1, 2, 3]],
    );
  });
});

describe('vicc against a fake vpcd', async () => {
  const vpcd = await fakeVpcd();
  after(() => vpcd.server.close());

  it('answers get-ATR, ignores power control, answers APDUs, one write per reply', async () => {
    const events: ViccEvent['type'][] = [];
    const card = attachViccCard({
      host: '127.0.0.1',
      port: vpcd.port,
      processApdu: async (c) => Uint8Array.of(...c.subarray(0, 2), 0x90, 0x00),
      onEvent: (e) => events.push(e.type),
    });
    try {
      const s = await vpcd.next();
      await card.waitConnected();
      assert.deepEqual([...(await ask(s, [0x04]))], [0x3b, 0x80, 0x80, 0x01, 0x01]);
      send(s, [0x01]);
      send(s, [0x02]);
      const origWrite = Socket.prototype.write;
      let writes = 0;
      Socket.prototype.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
        writes++;
        return origWrite.apply(this, args);
      } as Socket['write'];
      let r: Uint8Array;
      try {
        r = await ask(s, [0x00, 0xa4, 0x04, 0x00, 0x00]);
      } finally {
        Socket.prototype.write = origWrite;
      }
      assert.deepEqual([...r], [0x00, 0xa4, 0x90, 0x00]);
      // two writes from the fake vpcd, one from the card
      assert.equal(writes, 3);
      send(s, [0x00]);
      await new Promise((res) => setTimeout(res, 20));
      assert.ok(
        events.includes('power-on') &&
          events.includes('reset') &&
          events.includes('power-off') &&
          events.includes('apdu'),
      );
    } finally {
      await card.close();
    }
  });

  it('a processApdu that throws answers 6F00 and the card stays up', async () => {
    const card = attachViccCard({
      host: '127.0.0.1',
      port: vpcd.port,
      atr: Uint8Array.of(0x3b, 0x00),
      processApdu: async (c) => {
        if (c[1] === 0xee) throw new Error('boom');
        return Uint8Array.of(0x90, 0x00);
      },
    });
    try {
      const s = await vpcd.next();
      assert.deepEqual([...(await ask(s, [0x80, 0xee, 0x00, 0x00]))], [0x6f, 0x00]);
      assert.deepEqual([...(await ask(s, [0x80, 0xca, 0x9f, 0x36, 0x00]))], [0x90, 0x00]);
      assert.deepEqual([...(await ask(s, [0x04]))], [0x3b, 0x00]);
    } finally {
      await card.close();
    }
  });

  it('reconnects when vpcd drops the connection, and stops after close()', async () => {
    let connects = 0;
    const card = attachViccCard({
      host: '127.0.0.1',
      port: vpcd.port,
      reconnectDelayMs: 50,
      processApdu: async () => Uint8Array.of(0x90, 0x00),
      onEvent: (e) => {
        if (e.type === 'connected') connects++;
      },
    });
    const s1 = await vpcd.next();
    await card.waitConnected();
    s1.destroy();
    const s2 = await vpcd.next();
    assert.deepEqual([...(await ask(s2, [0x00, 0xb2, 0x01, 0x0c, 0x00]))], [0x90, 0x00]);
    assert.equal(connects, 2);
    await card.close();
    assert.equal(card.isConnected, false);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(connects, 2);
  });

  it('keeps trying while nothing listens, then connects', async () => {
    const late = createServer();
    await new Promise<void>((r) => late.listen(0, '127.0.0.1', () => r()));
    const port = (late.address() as { port: number }).port;
    await new Promise<void>((r) => late.close(() => r()));
    const card = attachViccCard({
      host: '127.0.0.1',
      port,
      reconnectDelayMs: 50,
      processApdu: async () => Uint8Array.of(0x90, 0x00),
    });
    try {
      await new Promise((r) => setTimeout(r, 120));
      assert.equal(card.isConnected, false);
      const again = createServer();
      again.listen(port, '127.0.0.1');
      await once(again, 'listening');
      await card.waitConnected(2000);
      assert.equal(card.isConnected, true);
      await card.close();
      again.close();
    } finally {
      await card.close();
    }
  });
});
