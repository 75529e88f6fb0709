/**
 * Attack 2: a TA reads neither another TA's storage nor its keys, and cannot reach process,
 * require, dynamic import(), Function/eval escapes, the worker's globalThis or host objects
 * (docs/design.md "TA compartments"; GP TEE Internal Core API v1.3 §5.7 TEE_STORAGE_PRIVATE;
 * OP-TEE per-context object lists). A malicious TA tries each and reports what it got.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startVos, TeeResult, type VosClient } from '../../src/index.js';
import { bundle, runScript, SCRIPT_TA_CODE, signer, tempDir } from '../runtime/fixture.js';

const VICTIM = 'aaaaaaaa-0000-4000-8000-000000000001';
const ATTACKER = 'aaaaaaaa-0000-4000-8000-000000000002';
const ESCAPER = 'aaaaaaaa-0000-4000-8000-000000000003';
const ALL_CAPS = [
  'attest',
  'clock',
  'counter',
  'crypto.aes',
  'crypto.ec',
  'crypto.ed25519',
  'crypto.hkdf',
  'crypto.sha',
  'crypto.tdes',
  'keys',
  'log',
  'random',
  'storage',
];

/** Each probe returns a string describing what it reached; 'blocked:…' when it failed. */
const ESCAPE_TA = `
function attempt(fn) {
  try { const v = fn(); return v === undefined ? 'undefined' : typeof v === 'string' ? v : typeof v; }
  catch (e) { return 'blocked:' + (e && e.name ? e.name : typeof e); }
}
function report() {
  const im = 'im' + 'port';
  return {
    typeofProcess: typeof process,
    typeofRequire: typeof require,
    typeofModule: typeof module,
    typeofBuffer: typeof Buffer,
    typeofSetTimeout: typeof setTimeout,
    typeofFetch: typeof fetch,
    typeofWebAssembly: typeof WebAssembly,
    typeofSharedArrayBuffer: typeof SharedArrayBuffer,
    dateNow: attempt(() => Date.now()),
    typeofMathRandom: attempt(() => Math.random()),
    lockdownAgain: attempt(() => { lockdown(); return 'relocked'; }),
    globalProcess: attempt(() => typeof globalThis.process),
    globalKeys: Object.getOwnPropertyNames(globalThis).filter((k) => !['TEE', 'TeeError'].includes(k) && typeof globalThis[k] === 'object' && k !== 'globalThis' && k[0] === k[0].toLowerCase()).join(','),
    functionCtorEscape: attempt(() => (function () {}).constructor('return typeof process')()),
    functionCtorThis: attempt(() => { const g = Function('return this')(); return typeof g.process; }),
    asyncFunctionCtor: attempt(() => Object.getPrototypeOf(async function () {}).constructor('return 1')),
    generatorCtor: attempt(() => Object.getPrototypeOf(function* () {}).constructor('yield 1')),
    evalProcess: attempt(() => (0, eval)('typeof process')),
    dynamicImport: attempt(() => (0, eval)(im + '("node:fs")')),
    dynamicImportFn: attempt(() => Function('return ' + im + '("node:child_process")')()),
    syscallCtor: attempt(() => TeeError.constructor('return process')()),
    endowmentCtor: attempt(() => TEE.PARAM_TYPES.constructor('return process')()),
    caller: attempt(() => TEE.PARAM_TYPES.caller),
    sloppyThis: attempt(() => typeof (function () { return this; })()),
    prototypePollution: attempt(() => { Object.prototype.polluted = 1; return 'polluted'; }),
    arrayPollution: attempt(() => { Array.prototype.push = () => 0; return 'polluted'; }),
    endowmentWrite: attempt(() => { TEE.SUCCESS = 1; return 'written'; }),
    taIdentityWrite: attempt(() => { TEE.ta.uuid = 'x'; return 'written'; }),
    errorHook: attempt(() => { Error.prepareStackTrace = (e, s) => s; const st = new Error('x').stack; return typeof st === 'object' ? 'frames' : 'no frames'; }),
    captureStack: attempt(() => { const o = {}; Error.captureStackTrace(o); return typeof o.stack; }),
    nestedCompartment: attempt(() => new Compartment({}).evaluate('typeof process')),
    promiseHost: attempt(() => typeof Promise.resolve().constructor.constructor('return process')()),
    symbolHunt: attempt(() => { for (const s of Object.getOwnPropertySymbols(Object.getPrototypeOf(globalThis))) return String(s); return 'none'; }),
  };
}
function bytes(s) { const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 255; return b; }
function TA_InvokeCommandEntryPoint(session, cmd, params) {
  params[0].data = bytes(JSON.stringify(report()));
}
`;

describe('attack 2: TA isolation', () => {
  let vos: VosClient;
  before(async () => {
    vos = await startVos({ dataDir: tempDir(), pinnedTaKeys: [signer.publicKeyPem] });
    await vos.installTa(bundle({ uuid: VICTIM, code: SCRIPT_TA_CODE, capabilities: ALL_CAPS }));
    await vos.installTa(bundle({ uuid: ATTACKER, code: SCRIPT_TA_CODE, capabilities: ALL_CAPS }));
    await vos.installTa(bundle({ uuid: ESCAPER, code: ESCAPE_TA, capabilities: [] }));
  });
  after(async () => {
    await vos.shutdown();
  });

  it('cannot reach process, require, import(), Function/eval escapes, globals or host objects', async () => {
    const s = await vos.openSession(ESCAPER);
    const r = await s.invoke(0, [{ type: 'memref', dir: 'out', size: 65536 }]);
    assert.equal(r.result, TeeResult.SUCCESS);
    const out = r.params[0];
    assert.equal(out?.type, 'memref');
    const rep = JSON.parse(new TextDecoder().decode(out.data)) as Record<string, string>;
    if (process.env.VOS_TEST_VERBOSE) console.log(rep);
    for (const k of [
      'typeofProcess',
      'typeofRequire',
      'typeofModule',
      'typeofBuffer',
      'typeofSetTimeout',
      'typeofFetch',
      'typeofWebAssembly',
      'typeofSharedArrayBuffer',
    ]) {
      assert.equal(rep[k], 'undefined', k);
    }
    assert.equal(rep.globalProcess, 'undefined');
    assert.equal(rep.globalKeys, '', 'no granted objects without capabilities');
    assert.match(rep.typeofMathRandom!, /^blocked:/, 'Math.random needs the random capability');
    for (const k of [
      'functionCtorEscape',
      'asyncFunctionCtor',
      'generatorCtor',
      'dynamicImport',
      'dynamicImportFn',
      'syscallCtor',
      'endowmentCtor',
      'dateNow',
      'prototypePollution',
      'arrayPollution',
      'endowmentWrite',
      'taIdentityWrite',
      'promiseHost',
      'lockdownAgain',
    ]) {
      assert.match(rep[k]!, /^blocked:/, `${k} gave ${rep[k]}`);
    }
    assert.match(
      rep.functionCtorThis!,
      /^(undefined|blocked:TypeError)$/,
      'Function("return this") has no process',
    );
    assert.match(rep.caller!, /^(undefined|blocked:TypeError)$/, 'no caller chain');
    assert.equal(rep.evalProcess, 'undefined');
    assert.equal(rep.sloppyThis, 'undefined', 'compartment code is strict');
    assert.equal(rep.nestedCompartment, 'undefined');
    assert.notEqual(rep.errorHook, 'frames', 'no V8 stack frame objects (callers) through prepareStackTrace');
    await s.close();
  });

  it("cannot read another TA's storage or use its keys", async () => {
    const victim = await vos.openSession(VICTIM);
    const attacker = await vos.openSession(ATTACKER);
    const planted = await runScript(
      victim,
      `await storage.write('secret', bytes('victim-data'));
       const h = keys.import('AES', unhex('00112233445566778899aabbccddeeff'), ['encrypt']);
       await keys.persist(h, 'victim-key');
       state.h = h;
       return h;`,
    );
    assert.equal(planted.ok, true, planted.message);
    const victimHandle = planted.value as number;

    const tries = await runScript(
      attacker,
      `const out = {};
       out.read = await storage.read('secret');
       out.list = await storage.list();
       out.keyList = await keys.listPersistent();
       try { await keys.load('victim-key'); out.load = 'loaded'; } catch (e) { out.load = e.code; }
       for (const id of ['../secret', 'ta:${VICTIM}/secret', 'key/victim-key', '/etc/passwd']) {
         try { await storage.read(id); out[id] = 'read'; } catch (e) { out[id] = e.code; }
       }
       out.handles = [];
       for (let d = -4; d <= 4; d++) {
         try { keys.info(${victimHandle} + d); out.handles.push('found ' + (${victimHandle} + d)); } catch (e) { out.handles.push(e.code); }
       }
       try { crypto.cipher(${victimHandle}, 'AES_ECB', 'encrypt', new Uint8Array(16)); out.useVictim = 'used'; } catch (e) { out.useVictim = e.code; }
       return out;`,
    );
    assert.equal(tries.ok, true, tries.message);
    const v = tries.value as Record<string, unknown>;
    assert.equal(v.read, null);
    assert.deepEqual(v.list, []);
    assert.deepEqual(v.keyList, []);
    assert.equal(v.load, TeeResult.ERROR_ITEM_NOT_FOUND);
    for (const id of ['../secret', `ta:${VICTIM}/secret`, 'key/victim-key', '/etc/passwd']) {
      assert.equal(v[id], TeeResult.ERROR_BAD_PARAMETERS, id);
    }
    assert.ok((v.handles as unknown[]).every((c) => c === TeeResult.ERROR_ITEM_NOT_FOUND));
    assert.equal(v.useVictim, TeeResult.ERROR_ITEM_NOT_FOUND);

    // The victim still has its own data and key.
    const mine = await runScript(
      victim,
      `const d = await storage.read('secret'); const k = await keys.load('victim-key');
       return [utf8(d), keys.info(k).type, keys.info(state.h).type];`,
    );
    assert.deepEqual(mine.value, ['victim-data', 'AES', 'AES']);
    await victim.close();
    await attacker.close();
  });

  it('cannot read its own key objects as data, nor export secret key bytes', async () => {
    const s = await vos.openSession(ATTACKER);
    const r = await runScript(
      s,
      `const h = keys.generate('DES3', ['mac']);
       await keys.persist(h, 'k1');
       const out = {};
       try { await storage.read('key/k1'); out.raw = 'read'; } catch (e) { out.raw = e.code; }
       try { keys.exportPublic(h); out.export = 'exported'; } catch (e) { out.export = e.code; }
       out.names = Object.keys(keys).sort().join(',');
       out.info = keys.info(h);
       return out;`,
    );
    const v = r.value as Record<string, unknown>;
    assert.equal(v.raw, TeeResult.ERROR_BAD_PARAMETERS);
    assert.equal(v.export, TeeResult.ERROR_ACCESS_DENIED);
    assert.doesNotMatch(String(v.names), /secret|raw|bytes|extract/i);
    assert.deepEqual(Object.keys(v.info as object).sort(), [
      'extractable',
      'persistentId',
      'size',
      'type',
      'usage',
    ]);
    await s.close();
  });
});
