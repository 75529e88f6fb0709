/**
 * The process channel's encoding and framing (channel/wire-json.ts, channel/frames.ts;
 * docs/process-boundary.md "The channel"): values survive the round trip, bytes and bigints come
 * back as themselves, and garbage decodes to data or `undefined`, never to a throw, a prototype
 * change or code.
 */
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_FRAME, readFrames } from '../../src/channel/frames.js';
import { decodeMessage, encodeMessage } from '../../src/channel/wire-json.js';

/** JSON-safe values with bytes and bigints mixed in (what requests and replies carry). */
const wireValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string(),
    fc.uint8Array({ maxLength: 64 }),
    fc.bigInt({ min: -(1n << 100n), max: 1n << 100n }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

function normal(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (typeof v === 'bigint') return { big: v.toString() };
  if (Array.isArray(v)) return v.map(normal);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)]));
  return v;
}

describe('wire-json', () => {
  it('round-trips values with bytes and bigints', () => {
    fc.assert(
      fc.property(wireValue, (v) => {
        const back = decodeMessage(encodeMessage(v));
        assert.deepEqual(normal(back), normal(v));
      }),
      { numRuns: 500 },
    );
  });

  it('brings bytes back as Uint8Array and bigints as bigint, at any depth', () => {
    const msg = { id: 7, p: [{ t: 5, d: new Uint8Array([1, 2, 255]) }, { n: 12345678901234567890n }] };
    const back = decodeMessage(encodeMessage(msg)) as typeof msg;
    assert.ok(back.p[0]!.d instanceof Uint8Array);
    assert.deepEqual([...back.p[0]!.d], [1, 2, 255]);
    assert.equal((back.p[1] as { n: bigint }).n, 12345678901234567890n);
  });

  it('leaves look-alike objects as plain data', () => {
    for (const text of [
      '{"$u8":"not base64!"}',
      '{"$u8":"AQI=","x":1}',
      '{"$big":"12a"}',
      `{"$big":"${'9'.repeat(41)}"}`,
      '{"$u8":5}',
    ]) {
      const back = decodeMessage(Buffer.from(text));
      assert.deepEqual(back, JSON.parse(text), text);
    }
  });

  it('never sets a prototype from the wire ("__proto__" stays an own data property)', () => {
    const back = decodeMessage(
      Buffer.from('{"__proto__":{"$u8":"AQI="},"a":{"__proto__":{"polluted":true}}}'),
    ) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.ok(Object.hasOwn(back, '__proto__'));
    assert.ok((Object.getOwnPropertyDescriptor(back, '__proto__')!.value as unknown) instanceof Uint8Array);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  it('decodes any bytes to data or undefined, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        decodeMessage(Buffer.from(bytes));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.json(), (text) => {
        decodeMessage(Buffer.from(text));
      }),
      { numRuns: 1000 },
    );
    assert.equal(decodeMessage(Buffer.from('{"a":')), undefined);
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    decodeMessage(Buffer.from(deep)); // deeper than the walk goes: left as it is, no stack overflow
  });
});

/** A stream whose 'data' events are what the test pushes. */
function fakeSocket() {
  const d = new Duplex({
    read() {},
    write(_c, _e, cb) {
      cb();
    },
  });
  return d as unknown as import('node:net').Socket & Duplex;
}

function frame(m: unknown): Buffer {
  const body = encodeMessage(m);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

describe('frames', () => {
  it('reassembles frames however the stream splits them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.dictionary(fc.string({ maxLength: 4 }), fc.integer()), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
        async (messages, cuts) => {
          const s = fakeSocket();
          const got: unknown[] = [];
          readFrames(
            s,
            (m) => got.push(m),
            (why) => assert.fail(why),
          );
          const all = Buffer.concat(messages.map(frame));
          let at = 0;
          for (let i = 0; at < all.length; i++) {
            const n = cuts[i % cuts.length]!;
            s.push(all.subarray(at, at + n));
            at += n;
          }
          await new Promise((r) => setImmediate(r));
          assert.deepEqual(normal(got), normal(messages));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a frame that is not JSON is undefined; a frame over the limit stops reading once', async () => {
    const s = fakeSocket();
    const got: unknown[] = [];
    const bad: string[] = [];
    readFrames(
      s,
      (m) => got.push(m),
      (why) => bad.push(why),
    );
    const junk = Buffer.from('not json');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(junk.length);
    s.push(Buffer.concat([head, junk]));
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(MAX_FRAME + 1);
    s.push(huge);
    s.push(frame({ after: true }));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, [undefined]);
    assert.equal(bad.length, 1);
    assert.match(bad[0]!, /over the/);
  });
});
