/**
 * Attack 7: code in the main thread monkey-patches the messaging and crypto primitives AFTER
 * V-OS started (docs/design.md "The host"; docs/threat-model.md attack 7): EventEmitter.prototype
 * emit/on, MessagePort.prototype postMessage/on, EventTarget dispatch (including Node's internal
 * hybrid-dispatch symbol), worker_threads.Worker, structuredClone, globalThis.crypto and the
 * node:crypto functions. The patches record everything they see. They must see nothing of the
 * command data and change no result — also across a watchdog restart of the worker.
 */
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { after, before, describe, it } from 'node:test';
import * as wt from 'node:worker_threads';
import { macIso9797Alg3 } from '@openvse/emv';
import { startVos, TeeResult, type VosClient } from '../../src/index.js';
import { bundle, signer, tempDir } from '../runtime/fixture.js';

const require = createRequire(import.meta.url);
const MAC_TA = 'ffffffff-0000-4000-8000-000000000001';
const KEY = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const MARKER = Buffer.from('CMD-DATA-7f3a9c-do-not-leak');
const MARKER_VALUE = 0xc0ffee11;

const CODE = `
let k = 0;
function TA_InvokeCommandEntryPoint(s, cmd, params) {
  if (cmd === 0) { k = keys.import('DES3', params[0].data, ['mac']); return; }
  if (cmd === 1) { params[1].data = crypto.mac(k, 'ISO9797_ALG3_M2', params[0].data); params[2].a = params[2].a; return; }
  if (cmd === 2) { params[1].a = (params[0].a ^ 0xffffffff) >>> 0; params[1].b = params[0].b; return; }
  if (cmd === 3) { for (;;) {} }
}`;

type Seen = { where: string; sample: string };

describe('attack 7: monkey-patching after V-OS starts', () => {
  let vos: VosClient;
  const seen: Seen[] = [];
  const calls = new Map<string, number>();
  const restore: Array<() => void> = [];

  const note = (where: string, args: unknown[]) => {
    calls.set(where, (calls.get(where) ?? 0) + 1);
    let sample: string;
    try {
      sample = JSON.stringify(args, (_k, v) =>
        v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : typeof v === 'bigint' ? String(v) : v,
      );
    } catch {
      sample = String(args);
    }
    if (
      sample.includes(MARKER.toString('latin1')) ||
      sample.includes(String(MARKER_VALUE)) ||
      sample.includes(KEY.toString('latin1'))
    ) {
      seen.push({ where, sample: sample.slice(0, 200) });
    }
  };

  function patchMethod(obj: object, key: PropertyKey, where: string) {
    const d = Object.getOwnPropertyDescriptor(obj, key);
    if (!d || typeof d.value !== 'function') return;
    const orig = d.value as (...a: unknown[]) => unknown;
    Object.defineProperty(obj, key, {
      ...d,
      value: function (this: unknown, ...args: unknown[]) {
        note(where, args);
        return Reflect.apply(orig, this, args);
      },
    });
    restore.push(() => Object.defineProperty(obj, key, d));
  }

  // Reference results computed before the attacker arrives (the test's own crypto must not show up).
  const payload = (i: number) => Buffer.concat([MARKER, Buffer.of(i)]);
  const expected = Array.from({ length: 21 }, (_, i) => macIso9797Alg3(KEY, payload(i), 2));

  before(async () => {
    vos = await startVos({ dataDir: tempDir(), pinnedTaKeys: [signer.publicKeyPem] });
    await vos.installTa(
      bundle({ uuid: MAC_TA, code: CODE, capabilities: ['crypto.tdes', 'keys'], timeoutMs: 300 }),
    );

    // --- the attacker arrives after V-OS started ---
    patchMethod(EventEmitter.prototype, 'emit', 'EventEmitter.emit');
    patchMethod(EventEmitter.prototype, 'on', 'EventEmitter.on');
    patchMethod(wt.MessagePort.prototype, 'postMessage', 'MessagePort.postMessage');
    const net = Object.getPrototypeOf(wt.MessagePort.prototype) as object;
    patchMethod(net, 'on', 'MessagePort.on');
    patchMethod(net, 'emit', 'NodeEventTarget.emit');
    const et = Object.getPrototypeOf(net) as object;
    patchMethod(et, 'dispatchEvent', 'EventTarget.dispatchEvent');
    for (const sym of Object.getOwnPropertySymbols(et)) {
      if (String(sym).includes('HybridDispatch')) patchMethod(et, sym, 'EventTarget[kHybridDispatch]');
    }
    patchMethod(wt.Worker.prototype, 'postMessage', 'Worker.postMessage');
    const wtCjs = require('node:worker_threads') as Record<string, unknown>;
    const OrigWorker = wtCjs.Worker as typeof wt.Worker;
    class SpyWorker extends OrigWorker {
      constructor(...args: ConstructorParameters<typeof wt.Worker>) {
        note('new Worker', args as unknown[]);
        super(...args);
      }
    }
    wtCjs.Worker = SpyWorker;
    const origRecv = wtCjs.receiveMessageOnPort as (...a: unknown[]) => unknown;
    wtCjs.receiveMessageOnPort = (...a: unknown[]) => {
      const r = origRecv(...a);
      note('receiveMessageOnPort', [r]);
      return r;
    };
    const cryptoCjs = require('node:crypto') as Record<string, unknown>;
    for (const name of [
      'createCipheriv',
      'createDecipheriv',
      'createHmac',
      'createHash',
      'randomBytes',
      'randomUUID',
      'sign',
      'verify',
    ]) {
      const orig = cryptoCjs[name] as (...a: unknown[]) => unknown;
      cryptoCjs[name] = (...a: unknown[]) => {
        note(`crypto.${name}`, a);
        return orig(...a);
      };
      restore.push(() => {
        cryptoCjs[name] = orig;
      });
    }
    syncBuiltinESMExports();
    const g = globalThis as Record<string, unknown>;
    const origSc = g.structuredClone as (...a: unknown[]) => unknown;
    g.structuredClone = (...a: unknown[]) => {
      note('structuredClone', a);
      return origSc(...a);
    };
    const webcrypto = g.crypto;
    const cryptoDesc = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!;
    Object.defineProperty(globalThis, 'crypto', {
      configurable: true,
      get() {
        note('globalThis.crypto', []);
        return webcrypto;
      },
    });
    restore.push(() => {
      wtCjs.Worker = OrigWorker;
      wtCjs.receiveMessageOnPort = origRecv;
      syncBuiltinESMExports();
      g.structuredClone = origSc;
      Object.defineProperty(globalThis, 'crypto', cryptoDesc);
    });
    assert.equal(wt.Worker, SpyWorker, 'the patch reached the ESM binding too');
    assert.notEqual(nodeCrypto.createHmac.name, 'createHmac', 'node:crypto ESM bindings are patched');
  });

  after(async () => {
    for (const r of restore.reverse()) r();
    await vos.shutdown();
  });

  it('sees no command data and changes no result', async () => {
    const s = await vos.openSession(MAC_TA);
    assert.equal((await s.invoke(0, [{ type: 'memref', data: KEY }])).result, TeeResult.SUCCESS);
    for (let i = 0; i < 20; i++) {
      const data = payload(i);
      const r = await s.invoke(1, [
        { type: 'memref', data },
        { type: 'memref', dir: 'out', size: 8 },
        { type: 'value', dir: 'inout', a: MARKER_VALUE, b: i },
      ]);
      assert.equal(r.result, TeeResult.SUCCESS);
      assert.deepEqual(r.params[1], { type: 'memref', data: expected[i], size: 8 });
      const v = await s.invoke(2, [
        { type: 'value', a: MARKER_VALUE, b: i },
        { type: 'value', dir: 'out' },
      ]);
      assert.deepEqual(v.params[1], { type: 'value', a: (MARKER_VALUE ^ 0xffffffff) >>> 0, b: i });
    }
    await s.close();
    assert.deepEqual(seen, []);
    if (process.env.VOS_TEST_VERBOSE) console.log(Object.fromEntries(calls));
    // The hooks were live: Node dispatched V-OS's wake-ups through the patched internal dispatch.
    assert.ok((calls.get('EventTarget[kHybridDispatch]') ?? 0) > 0, 'the attacker hook ran');
    assert.equal(calls.get('crypto.createCipheriv') ?? 0, 0, 'no main-thread crypto is used by V-OS');
  });

  it('sees nothing through accessors added to Object.prototype', async () => {
    const s = await vos.openSession(MAC_TA);
    assert.equal((await s.invoke(0, [{ type: 'memref', data: KEY }])).result, TeeResult.SUCCESS);
    const names = [
      'type',
      'dir',
      'a',
      'b',
      'data',
      'size',
      'id',
      'g',
      'p',
      'm',
      'v',
      'r',
      'o',
      'sid',
      'timeoutMs',
      'result',
    ];
    const saved = names.map((n) => [n, Object.getOwnPropertyDescriptor(Object.prototype, n)] as const);
    for (const n of names) {
      Object.defineProperty(Object.prototype, n, {
        configurable: true,
        get(this: unknown) {
          note(`Object.prototype.${n} get`, [this]);
          return undefined;
        },
        set(this: object, v: unknown) {
          note(`Object.prototype.${n} set`, [this, v]);
          Object.defineProperty(this, n, { value: v, writable: true, enumerable: true, configurable: true });
        },
      });
    }
    let r: Awaited<ReturnType<typeof s.invoke>>;
    try {
      r = await s.invoke(1, [
        { type: 'memref', data: payload(7) },
        { type: 'memref', dir: 'out', size: 8 },
        { type: 'value', dir: 'inout', a: MARKER_VALUE, b: 7 },
      ]);
    } finally {
      for (const [n, d] of saved) {
        if (d) Object.defineProperty(Object.prototype, n, d);
        else delete (Object.prototype as Record<string, unknown>)[n];
      }
    }
    assert.equal(r.result, TeeResult.SUCCESS);
    assert.deepEqual(r.params[1], { type: 'memref', data: expected[7], size: 8 });
    assert.deepEqual(seen, []);
    await s.close();
  });

  it('still sees nothing after a watchdog restart creates a new worker', async () => {
    const s = await vos.openSession(MAC_TA);
    const dead = await s.invoke(3, []);
    assert.equal(dead.result, TeeResult.ERROR_TARGET_DEAD);
    const s2 = await vos.openSession(MAC_TA);
    assert.equal((await s2.invoke(0, [{ type: 'memref', data: KEY }])).result, TeeResult.SUCCESS);
    const data = payload(20);
    const r = await s2.invoke(1, [
      { type: 'memref', data },
      { type: 'memref', dir: 'out', size: 8 },
      { type: 'value', dir: 'inout', a: MARKER_VALUE, b: 1 },
    ]);
    assert.deepEqual(r.params[1], { type: 'memref', data: expected[20], size: 8 });
    assert.equal(calls.get('new Worker') ?? 0, 0, 'V-OS did not use the patched Worker class');
    assert.deepEqual(seen, []);
    await s2.close();
  });
});
