/**
 * Attack 1: no method of the client object, for any command and parameters, returns key bytes
 * (docs/design.md "Key objects": no export path). Known key bytes are imported through a
 * TA, then the whole API surface is exercised — every command with fuzzed parameters (well- and
 * ill-formed), status, attest, install and open errors, thrown objects — and every result, out
 * param, message and stack is scanned for the key bytes, their hex (either case) and base64(url).
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startVos, type VosClient, type VosSession } from '../../src/index.js';
import { bundle, signer, tempDir } from '../runtime/fixture.js';

const VAULT = 'eeeeeeee-0000-4000-8000-000000000001';
const ecdh = createECDH('prime256v1');
ecdh.generateKeys();
const KEYS = {
  AES: randomBytes(32),
  DES3: randomBytes(16),
  HMAC: randomBytes(32),
  GENERIC_SECRET: randomBytes(32),
  EC_P256: ecdh.getPrivateKey(),
  ED25519: randomBytes(32),
} as const;
const TYPE_IDS = Object.keys(KEYS) as Array<keyof typeof KEYS>;

// The vault imports keys (cmd 1: value a = type index, memref key) and then offers every key
// operation on them by handle; it wipes its copy of the imported bytes.
const VAULT_CODE = `
const TYPES = ${JSON.stringify(TYPE_IDS)};
const USAGE = { AES: ['encrypt', 'decrypt'], DES3: ['mac', 'encrypt', 'decrypt'], HMAC: ['mac'], GENERIC_SECRET: ['derive'], EC_P256: ['sign', 'verify'], ED25519: ['sign', 'verify'] };
const handles = [];
function put(p, bytes) { if (p && p.type === 'memref' && p.dir !== 'in') p.data = bytes; }
function val(p, a, b) { if (p && p.type === 'value' && p.dir !== 'in') { p.a = a >>> 0; p.b = b >>> 0; } }
function data(p) { return p && p.type === 'memref' && p.dir !== 'out' ? p.data : new Uint8Array(16); }
async function TA_InvokeCommandEntryPoint(s, cmd, params) {
  const h = handles.length ? handles[(params[0] && params[0].type === 'value' ? params[0].a : 0) % handles.length] : 0;
  switch (cmd) {
    case 1: {
      const t = TYPES[params[0].a];
      const k = keys.import(t, params[1].data, USAGE[t]);
      params[1].data.fill(0);
      handles.push(k);
      await keys.persist(k, 'k' + handles.length);
      val(params[2], k, handles.length);
      return;
    }
    case 2: put(params[1], new Uint8Array(Array.from(JSON.stringify(keys.info(h)), (c) => c.charCodeAt(0)))); return;
    case 3: put(params[1], keys.kcv(h)); return;
    case 4: put(params[1], keys.exportPublic(h)); return;
    case 5: put(params[1], crypto.mac(h, 'HMAC_SHA256', data(params[2]))); return;
    case 6: put(params[1], crypto.mac(h, 'ISO9797_ALG3_M2', data(params[2]))); return;
    case 7: put(params[1], crypto.cipher(h, 'AES_CBC', 'encrypt', data(params[2]), new Uint8Array(16))); return;
    case 8: put(params[1], crypto.cipher(h, 'DES3_ECB', 'decrypt', data(params[2]))); return;
    case 9: put(params[1], crypto.sign(h, data(params[2]))); return;
    case 10: { const k = await keys.load('k' + (1 + (params[0] && params[0].a || 0) % 6)); put(params[1], keys.exportPublic(k)); return; }
    case 11: { const d = keys.derive(h, { alg: 'HKDF_SHA256', info: data(params[2]) }, 'AES', ['encrypt']); put(params[1], crypto.cipher(d, 'AES_ECB', 'encrypt', new Uint8Array(16))); return; }
    case 12: put(params[1], new Uint8Array(Array.from(JSON.stringify(await storage.list()), (c) => c.charCodeAt(0)))); return;
    case 13: { for (const id of await storage.list()) await storage.read(id); return; }
    case 14: put(params[1], new Uint8Array(Array.from(await attest.statement({ nonce: new Uint8Array(16), keys: handles.slice(4) }), (c) => c.charCodeAt(0)))); return;
    case 15: await keys.restrictUsage(h, ['sign']); return;
    default: return TEE.ERROR_NOT_SUPPORTED;
  }
}`;

type Finding = { where: string; what: string };

function needles(): Array<{ name: string; bytes: Buffer; strings: string[] }> {
  return Object.entries(KEYS).map(([name, k]) => ({
    name,
    bytes: Buffer.from(k),
    strings: [
      k.toString('hex'),
      k.toString('hex').toUpperCase(),
      k.toString('base64'),
      k.toString('base64url'),
    ].concat(
      // Also any 12-byte window of the hex (a partial leak is a leak).
      [0, 4, 8, 16].map((o) => k.toString('hex').slice(o * 2, o * 2 + 24)).filter((w) => w.length === 24),
    ),
  }));
}

/** Walks any value and records where a key (or a 8-byte window of one) appears. */
function scan(value: unknown, where: string, out: Finding[], seen = new Set<unknown>()): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') {
    const decoded: string[] = [value];
    // JWS / base64url segments: scan their decoded bytes too.
    for (const part of value.split('.')) {
      if (/^[A-Za-z0-9_-]{16,}$/.test(part)) decoded.push(Buffer.from(part, 'base64url').toString('latin1'));
    }
    for (const n of needles()) {
      for (const s of n.strings)
        if (decoded.some((d) => d.includes(s))) out.push({ where, what: `${n.name} as text` });
      for (let o = 0; o + 8 <= n.bytes.length; o += 4) {
        const win = n.bytes.subarray(o, o + 8).toString('latin1');
        if (decoded.some((d) => d.includes(win)))
          out.push({ where, what: `${n.name} bytes in decoded text` });
      }
    }
    return;
  }
  if (typeof value !== 'object' && typeof value !== 'function') return;
  if (seen.has(value)) return;
  seen.add(value);
  if (value instanceof Uint8Array) {
    const b = Buffer.from(value);
    for (const n of needles()) {
      for (let o = 0; o + 8 <= n.bytes.length; o += 4) {
        if (b.indexOf(n.bytes.subarray(o, o + 8)) >= 0) out.push({ where, what: `${n.name} bytes` });
      }
    }
    scan(b.toString('latin1'), `${where} (as text)`, out, seen);
    return;
  }
  if (value instanceof Error) {
    scan(value.message, `${where}.message`, out, seen);
    scan(value.stack, `${where}.stack`, out, seen);
  }
  for (const key of Reflect.ownKeys(value)) {
    let v: unknown;
    try {
      v = (value as Record<PropertyKey, unknown>)[key];
    } catch {
      continue;
    }
    scan(v, `${where}.${String(key)}`, out, seen);
  }
}

function randomParam(rng: () => number): unknown {
  const pick = Math.floor(rng() * 12);
  const dirs = ['in', 'out', 'inout', undefined, 'bogus'];
  const dir = dirs[Math.floor(rng() * dirs.length)];
  switch (pick) {
    case 0:
      return { type: 'none' };
    case 1:
    case 2:
      return { type: 'value', dir, a: Math.floor(rng() * 8), b: Math.floor(rng() * 2 ** 32) };
    case 3:
      return { type: 'value', dir: 'out' };
    case 4:
    case 5:
      return {
        type: 'memref',
        dir,
        data: randomBytes(Math.floor(rng() * 48)),
        size: dir === 'in' ? undefined : 64,
      };
    case 6:
      return { type: 'memref', dir: 'out', size: Math.floor(rng() * 200) };
    case 7:
      return { type: 'memref', data: [1, 2, 3] };
    case 8:
      return { type: 'value', a: -1, b: 1.5 };
    case 9:
      return 42;
    case 10:
      return { type: 'memref', dir: 'inout', data: randomBytes(16), size: 4096 };
    default:
      return { type: 'value', dir: 'in', a: 2 ** 33, b: 0 };
  }
}

describe('attack 1: no key bytes out of the client API', () => {
  let vos: VosClient;
  let s: VosSession;
  const findings: Finding[] = [];
  const responses: unknown[] = [];
  const record = (where: string, v: unknown) => {
    responses.push(v);
    scan(v, where, findings);
  };

  before(async () => {
    vos = await startVos({ dataDir: tempDir(), pinnedTaKeys: [signer.publicKeyPem] });
    await vos.installTa(
      bundle({
        uuid: VAULT,
        code: VAULT_CODE,
        capabilities: [
          'attest',
          'crypto.aes',
          'crypto.ec',
          'crypto.ed25519',
          'crypto.hkdf',
          'crypto.sha',
          'crypto.tdes',
          'keys',
          'storage',
        ],
      }),
    );
    s = await vos.openSession(VAULT);
    for (let i = 0; i < TYPE_IDS.length; i++) {
      const keyCopy = new Uint8Array(KEYS[TYPE_IDS[i]!]);
      const r = await s.invoke(1, [
        { type: 'value', a: i, b: 0 },
        { type: 'memref', data: keyCopy },
        { type: 'value', dir: 'out' },
      ]);
      assert.equal(r.result, 0, `import ${TYPE_IDS[i]}`);
      record(`import ${TYPE_IDS[i]}`, r);
    }
  });
  after(async () => {
    await vos.shutdown();
  });

  it('every command with fuzzed params returns no key material', async () => {
    let seed = 0x5eed;
    const rng = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < 400; i++) {
      const cmd = i < 100 ? 2 + (i % 14) : Math.floor(rng() * 20);
      const n = Math.floor(rng() * 6);
      const params = Array.from({ length: n }, () => randomParam(rng));
      if (i < 100) {
        params[0] = { type: 'value', a: i % 6, b: 0 };
        params[1] = { type: 'memref', dir: 'out', size: 4096 };
      }
      try {
        record(`invoke ${cmd}`, await s.invoke(cmd, params as never));
      } catch (e) {
        record(`invoke ${cmd} threw`, e);
      }
    }
    // Many calls ran the key operations for real.
    const ok = responses.filter((r) => (r as { result?: number }).result === 0).length;
    assert.ok(ok > 50, `only ${ok} successful calls`);
    assert.deepEqual(findings, []);
  });

  it('status, attest, device reports, bad inputs and thrown objects hold no key material', async () => {
    record('status', await vos.status());
    record('attest', await vos.attest(VAULT, randomBytes(32)));
    record('threat report', await vos.signDeviceReport('threat-report', { clean: true, threats: [] }));
    record('heartbeat', await vos.signDeviceReport('heartbeat'));
    const attempts: Array<() => Promise<unknown>> = [
      () => vos.attest(VAULT, new Uint8Array(2)),
      () => vos.attest('eeeeeeee-0000-4000-8000-000000000009', randomBytes(16)),
      () => vos.installTa(new Uint8Array(KEYS.AES)),
      () => vos.installTa(Buffer.concat([Buffer.from('OVTA'), KEYS.DES3]) as never),
      () => vos.openSession('eeeeeeee-0000-4000-8000-000000000009'),
      () => vos.openSession(KEYS.AES.toString('hex')),
      () => vos.reportThreats([KEYS.HMAC.toString('hex').slice(0, 10)]),
      () => vos.signDeviceReport('threat-report', KEYS.AES as never),
      () => vos.signDeviceReport(KEYS.AES.toString('hex') as never),
      () =>
        s.invoke(1, [
          { type: 'value', a: 0, b: 0 },
          { type: 'memref', data: new Uint8Array(3) },
          { type: 'value', dir: 'out' },
        ]),
      () => s.invoke(8, [{ type: 'memref', data: KEYS.DES3 as never }] as never),
    ];
    for (const [i, fn] of attempts.entries()) {
      try {
        record(`attempt ${i}`, await fn());
      } catch (e) {
        record(`attempt ${i} threw`, e);
      }
    }
    assert.deepEqual(findings, []);
  });

  it('the scanner itself finds a planted key (sanity check)', () => {
    const planted: Finding[] = [];
    scan(
      { deep: [{ x: new Uint8Array(Buffer.concat([Buffer.from('xx'), KEYS.DES3])) }] },
      'planted',
      planted,
    );
    scan(new Error(`oops ${KEYS.AES.toString('hex').toUpperCase()}`), 'planted-error', planted);
    assert.ok(planted.some((f) => f.what.startsWith('DES3')));
    assert.ok(planted.some((f) => f.what.startsWith('AES')));
  });
});
