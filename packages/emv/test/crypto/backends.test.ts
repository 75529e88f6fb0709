/**
 * The two crypto backends (src/crypto/backend.ts): node:crypto and pure JavaScript.
 *  - known answers: DES (NIST SP 800-20 tables A.1–A.4, FIPS 46-3, FIPS 81), TDEA (NIST SP 800-67
 *    example, CAVP TMOVS multi-block CBC), AES (FIPS 197 Appendix C, SP 800-38A F.2.1), SHA-1
 *    (FIPS 180-4 examples), on each backend, through the backend and through the public API;
 *  - every EMV vector of test/fixtures/vectors on each backend;
 *  - the backends agree on random keys, IVs and data (fast-check), for every algorithm and mode
 *    and for the EMV functions built on them;
 *  - the choice of backend: explicit wins over the default, `withCryptoBackend` restores it,
 *    typed errors for a missing or broken backend;
 *  - the pure entry point bundles without Node and runs the vectors in a realm without Node
 *    globals once the pure backend is chosen; a Node entry point bundled keeps its default;
 *  - the pure backend zeroes its DES key schedules.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { buildSync } from 'esbuild';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '../../src/codec/index.js';
import { parseVectorFile, runConformance } from '../../src/conformance/index.js';
import {
  aesCmac,
  type BlockCipherRequest,
  desEcbDecrypt,
  desEcbEncrypt,
  type EmvCryptoBackend,
  getCryptoBackend,
  keyCheckValue,
  macIso9797Alg1,
  macIso9797Alg3,
  nodeCryptoBackend,
  setCryptoBackend,
  tdesCbcEncrypt,
  withCryptoBackend,
} from '../../src/crypto/index.js';
import { pureJsCryptoBackend } from '../../src/crypto/pure-backend.js';
import { deriveEmvCommonSessionKey, deriveIccMkOptionB } from '../../src/keys/index.js';
import { desKnownAnswers } from './des-kat.js';

const BACKENDS: EmvCryptoBackend[] = [nodeCryptoBackend, pureJsCryptoBackend];
const vectorText = readFileSync(
  new URL('../../../../../test/fixtures/vectors/emv-public.json', import.meta.url),
  'utf8',
);

function cipher(
  b: EmvCryptoBackend,
  r: Omit<BlockCipherRequest, 'key' | 'data' | 'iv'> & { key: string; data: string; iv?: string },
) {
  return bytesToHex(
    b.blockCipher({
      algorithm: r.algorithm,
      mode: r.mode,
      encrypt: r.encrypt,
      key: hexToBytes(r.key),
      data: hexToBytes(r.data),
      ...(r.iv ? { iv: hexToBytes(r.iv) } : {}),
    }),
  );
}

const TDES_KATS = [
  {
    what: 'NIST SP 800-67 Rev. 1 example, three keys, ECB ("The qufck brown fox jump")',
    algorithm: 'tdes' as const,
    mode: 'ecb' as const,
    key: '0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123',
    data: '54686520717566636B2062726F776E20666F78206A756D70',
    out: 'A826FD8CE53B855FCCE21C8112256FE668D5C05DD9B6B900',
  },
  {
    what: 'NIST CAVP TDES MMT, CBC, one block',
    algorithm: 'tdes' as const,
    mode: 'cbc' as const,
    key: '627F460E08104A1043CD265D5840EAF1313EDF97DF2A8A8C',
    iv: '8E29F75EA77E5475',
    data: '326A494CD33FE756',
    out: 'B22B8D66DE970692',
  },
  {
    what: 'NIST CAVP TDES MMT, CBC, two blocks',
    algorithm: 'tdes' as const,
    mode: 'cbc' as const,
    key: '37AE5EBF46DFF2DC0754B94F31CBB3855E7FD36DC870BFAE',
    iv: '3D1DE3CC132E3B65',
    data: '84401F78FE6C10876D8EA23094EA5309',
    out: '7B1F7C7E3B1C948EBD04A75FFBA7D2F5',
  },
  {
    what: 'FIPS 197 C.1, AES-128',
    algorithm: 'aes' as const,
    mode: 'ecb' as const,
    key: '000102030405060708090A0B0C0D0E0F',
    data: '00112233445566778899AABBCCDDEEFF',
    out: '69C4E0D86A7B0430D8CDB78070B4C55A',
  },
  {
    what: 'FIPS 197 C.2, AES-192',
    algorithm: 'aes' as const,
    mode: 'ecb' as const,
    key: '000102030405060708090A0B0C0D0E0F1011121314151617',
    data: '00112233445566778899AABBCCDDEEFF',
    out: 'DDA97CA4864CDFE06EAF70A0EC0D7191',
  },
  {
    what: 'FIPS 197 C.3, AES-256',
    algorithm: 'aes' as const,
    mode: 'ecb' as const,
    key: '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F',
    data: '00112233445566778899AABBCCDDEEFF',
    out: '8EA2B7CA516745BFEAFC49904B496089',
  },
  {
    what: 'NIST SP 800-38A F.2.1, CBC-AES128, two blocks',
    algorithm: 'aes' as const,
    mode: 'cbc' as const,
    key: '2B7E151628AED2A6ABF7158809CF4F3C',
    iv: '000102030405060708090A0B0C0D0E0F',
    data: '6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51',
    out: '7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2',
  },
];

for (const backend of BACKENDS) {
  describe(`crypto backend ${backend.name}: known answers`, () => {
    test('DES: NIST SP 800-20 tables A.1–A.4, FIPS 46-3 and FIPS 81 examples, both ways', () => {
      const kats = desKnownAnswers();
      assert.equal(kats.length, 64 + 56 + 32 + 19 + 2);
      for (const k of kats) {
        const base = { algorithm: 'des' as const, mode: 'ecb' as const, key: k.key };
        assert.equal(
          cipher(backend, { ...base, encrypt: true, data: k.plaintext }),
          k.ciphertext,
          `${k.table} ${k.key}`,
        );
        assert.equal(
          cipher(backend, { ...base, encrypt: false, data: k.ciphertext }),
          k.plaintext,
          `${k.table} ${k.key}`,
        );
      }
    });
    test('DES through the public API with this backend chosen', () => {
      withCryptoBackend(backend, () => {
        for (const k of desKnownAnswers().slice(0, 20)) {
          assert.equal(bytesToHex(desEcbEncrypt(k.key, k.plaintext)), k.ciphertext);
          assert.equal(bytesToHex(desEcbDecrypt(k.key, k.ciphertext)), k.plaintext);
        }
      });
    });
    for (const k of TDES_KATS) {
      test(k.what, () => {
        const base = { algorithm: k.algorithm, mode: k.mode, key: k.key, ...(k.iv ? { iv: k.iv } : {}) };
        assert.equal(cipher(backend, { ...base, encrypt: true, data: k.data }), k.out);
        assert.equal(cipher(backend, { ...base, encrypt: false, data: k.out }), k.data);
      });
    }
    test('SHA-1: FIPS 180-4 examples', () => {
      const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
      assert.equal(bytesToHex(backend.sha1(ascii('abc'))), 'A9993E364706816ABA3E25717850C26C9CD0D89D');
      assert.equal(bytesToHex(backend.sha1(new Uint8Array(0))), 'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709');
      assert.equal(
        bytesToHex(backend.sha1(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
        '84983E441C3BD26EBAAE4AA1F95129E5E54670F1',
      );
    });
    test('no data is no output', () => {
      for (const [algorithm, key] of [
        ['des', '0101010101010101'],
        ['tdes', '0123456789ABCDEFFEDCBA9876543210'],
        ['aes', '000102030405060708090A0B0C0D0E0F'],
      ] as const)
        assert.equal(cipher(backend, { algorithm, mode: 'ecb', encrypt: true, key, data: '' }), '');
    });
  });

  describe(`crypto backend ${backend.name}: the EMV vectors`, () => {
    test('every vector of test/fixtures/vectors/emv-public.json passes', () => {
      const file = parseVectorFile(vectorText);
      const report = withCryptoBackend(backend, () => runConformance(file));
      assert.equal(report.failed, 0, JSON.stringify(report.results.filter((r) => !r.ok)));
      assert.equal(report.passed, file.vectors.length);
    });
  });
}

describe('the backends agree on random inputs (fast-check)', () => {
  const spec = fc.constantFrom(
    { algorithm: 'des' as const, keyLength: 8, block: 8 },
    { algorithm: 'tdes' as const, keyLength: 16, block: 8 },
    { algorithm: 'tdes' as const, keyLength: 24, block: 8 },
    { algorithm: 'aes' as const, keyLength: 16, block: 16 },
    { algorithm: 'aes' as const, keyLength: 24, block: 16 },
    { algorithm: 'aes' as const, keyLength: 32, block: 16 },
  );
  const request = spec.chain((s) =>
    fc.record({
      algorithm: fc.constant(s.algorithm),
      mode: fc.constantFrom('ecb' as const, 'cbc' as const),
      encrypt: fc.boolean(),
      key: fc.uint8Array({ minLength: s.keyLength, maxLength: s.keyLength }),
      iv: fc.uint8Array({ minLength: s.block, maxLength: s.block }),
      blocks: fc.integer({ min: 0, max: 6 }),
      seed: fc.uint8Array({ minLength: 6 * 16, maxLength: 6 * 16 }),
      block: fc.constant(s.block),
    }),
  );

  test('block cipher: every algorithm, mode and direction', () => {
    fc.assert(
      fc.property(request, (r) => {
        const req: BlockCipherRequest = {
          algorithm: r.algorithm,
          mode: r.mode,
          encrypt: r.encrypt,
          key: r.key,
          data: r.seed.slice(0, r.blocks * r.block),
          ...(r.mode === 'cbc' ? { iv: r.iv } : {}),
        };
        const before = bytesToHex(req.key) + bytesToHex(req.data);
        const a = nodeCryptoBackend.blockCipher(req);
        const b = pureJsCryptoBackend.blockCipher(req);
        assert.equal(bytesToHex(b), bytesToHex(a));
        assert.equal(bytesToHex(req.key) + bytesToHex(req.data), before, 'inputs modified');
      }),
      { numRuns: 1500 },
    );
  });

  test('SHA-1 on random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (d) => {
        assert.equal(bytesToHex(pureJsCryptoBackend.sha1(d)), bytesToHex(nodeCryptoBackend.sha1(d)));
      }),
      { numRuns: 300 },
    );
  });

  test('EMV functions: retail MAC, CBC-MAC, CMAC, KCV, session keys, Option B master keys', () => {
    const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(
        key16,
        fc.uint8Array({ maxLength: 80 }),
        fc.constantFrom(1 as const, 2 as const),
        fc.stringMatching(/^[0-9]{17,19}$/),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (k, data, pad, pan, r) => {
          const run = () =>
            [
              macIso9797Alg3(k, data, pad),
              macIso9797Alg1(k, data, pad),
              aesCmac(k, data),
              keyCheckValue(k),
              keyCheckValue(k, { algorithm: 'aes', length: 8 }),
              deriveEmvCommonSessionKey(k, r),
              deriveIccMkOptionB(k, pan, '01'),
              tdesCbcEncrypt(k, new Uint8Array(16), r),
            ].map(bytesToHex);
          assert.deepEqual(
            withCryptoBackend(pureJsCryptoBackend, run),
            withCryptoBackend(nodeCryptoBackend, run),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('choosing the backend', () => {
  test('the Node entry points install node:crypto as the default; an explicit choice wins; null goes back', () => {
    assert.equal(getCryptoBackend(), nodeCryptoBackend);
    setCryptoBackend(pureJsCryptoBackend);
    try {
      assert.equal(getCryptoBackend(), pureJsCryptoBackend);
    } finally {
      setCryptoBackend(null);
    }
    assert.equal(getCryptoBackend(), nodeCryptoBackend);
  });

  test('withCryptoBackend restores the previous choice, also when fn throws', () => {
    assert.throws(
      () =>
        withCryptoBackend(pureJsCryptoBackend, () => {
          assert.equal(getCryptoBackend(), pureJsCryptoBackend);
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(getCryptoBackend(), nodeCryptoBackend);
  });

  test('withCryptoBackend refuses an async fn (ERR_BAD_ARGUMENT)', () => {
    assert.throws(() => withCryptoBackend(pureJsCryptoBackend, async () => 1), { code: 'ERR_BAD_ARGUMENT' });
    assert.equal(getCryptoBackend(), nodeCryptoBackend);
  });

  test('something that is not a backend → ERR_CRYPTO_BACKEND_INVALID', () => {
    for (const bad of [null, {}, { name: 'x', blockCipher: 1, sha1: () => new Uint8Array(20) }])
      assert.throws(() => withCryptoBackend(bad as unknown as EmvCryptoBackend, () => 1), {
        code: 'ERR_CRYPTO_BACKEND_INVALID',
      });
    assert.throws(() => setCryptoBackend({} as EmvCryptoBackend), { code: 'ERR_CRYPTO_BACKEND_INVALID' });
  });

  test('a backend answering the wrong length → ERR_CRYPTO_BACKEND_INVALID', () => {
    const broken: EmvCryptoBackend = {
      name: 'broken',
      blockCipher: (r) => r.data.slice(1),
      sha1: () => new Uint8Array(20),
    };
    assert.throws(() => withCryptoBackend(broken, () => desEcbEncrypt('0101010101010101', '00'.repeat(8))), {
      code: 'ERR_CRYPTO_BACKEND_INVALID',
    });
  });

  test('key, data and IV errors are the same typed errors on both backends', () => {
    for (const b of BACKENDS)
      withCryptoBackend(b, () => {
        assert.throws(() => desEcbEncrypt('00'.repeat(9), '00'.repeat(8)), { code: 'ERR_KEY_LENGTH' });
        assert.throws(() => desEcbEncrypt('00'.repeat(8), '00'.repeat(7)), { code: 'ERR_DATA_LENGTH' });
        assert.throws(() => tdesCbcEncrypt('00'.repeat(16), '00'.repeat(8), '00'.repeat(4)), {
          code: 'ERR_IV_LENGTH',
        });
      });
    for (const b of BACKENDS)
      assert.throws(
        () =>
          b.blockCipher({
            algorithm: 'tdes',
            mode: 'ecb',
            encrypt: true,
            key: new Uint8Array(8),
            data: new Uint8Array(8),
          }),
        { code: 'ERR_KEY_LENGTH' },
      );
  });
});

describe('module graphs', () => {
  const src = (p: string) => fileURLToPath(new URL(`../../src/${p}`, import.meta.url));

  test('@openvse/emv/pure bundles without Node and runs every vector in a realm without Node globals', () => {
    const out = buildSync({
      stdin: {
        contents: `export * as emv from ${JSON.stringify(src('pure.js'))};`,
        resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      },
      bundle: true,
      write: false,
      platform: 'neutral',
      format: 'iife',
      globalName: 'bundle',
      mainFields: ['module', 'main'],
    });
    const code = out.outputFiles[0]!.text;
    // (the error message names node:crypto; no import or require of a Node module may remain)
    assert.doesNotMatch(code, /["']node:|\brequire\(|\bBuffer\.|\bprocess\./);
    const realm = vm.createContext({ vectorText });
    vm.runInContext(code, realm);
    const r = vm.runInContext(
      `(() => {
        const e = bundle.emv;
        let missing;
        try { e.tdesEcbEncrypt('00'.repeat(16), '00'.repeat(8)); } catch (x) { missing = x.code; }
        e.setCryptoBackend(e.pureJsCryptoBackend);
        const report = e.runConformance(e.parseVectorFile(vectorText));
        return JSON.stringify({ missing, name: e.getCryptoBackend().name, passed: report.passed, failed: report.failed,
          hasRequire: typeof require, hasProcess: typeof process });
      })()`,
      realm,
    ) as string;
    const got = JSON.parse(r);
    const total = parseVectorFile(vectorText).vectors.length;
    assert.deepEqual(got, {
      missing: 'ERR_CRYPTO_BACKEND_MISSING',
      name: 'pure-js',
      passed: total,
      failed: 0,
      hasRequire: 'undefined',
      hasProcess: 'undefined',
    });
  });

  test('a Node entry point, bundled and tree-shaken, keeps its node:crypto default (package.json sideEffects)', () => {
    const out = buildSync({
      stdin: {
        contents: `import { tdesEcbEncrypt } from '@openvse/emv/crypto'; export const r = tdesEcbEncrypt('0123456789ABCDEFFEDCBA9876543210', '0000000000000000');`,
        resolveDir: fileURLToPath(new URL('.', import.meta.url)),
      },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      treeShaking: true,
    });
    assert.match(out.outputFiles[0]!.text, /setDefaultCryptoBackend\(nodeCryptoBackend\)/);
  });
});

describe('pure backend hygiene', () => {
  test('DES key schedules and the block state are zeroed after every call', () => {
    const wiped: number[] = [];
    const original = Uint8Array.prototype.fill;
    Uint8Array.prototype.fill = function (this: Uint8Array, ...a: unknown[]) {
      if (a[0] === 0 && a.length === 1) wiped.push(this.length);
      return (original as (...x: unknown[]) => Uint8Array).apply(this, a);
    } as typeof original;
    try {
      pureJsCryptoBackend.blockCipher({
        algorithm: 'tdes',
        mode: 'cbc',
        encrypt: true,
        key: hexToBytes('0123456789ABCDEFFEDCBA9876543210'),
        iv: new Uint8Array(8),
        data: new Uint8Array(16),
      });
    } finally {
      Uint8Array.prototype.fill = original;
    }
    // Three schedules of 16 × 8 round-key bytes (K1 twice: the same array), the schedule
    // scratch of each derivation, the CBC chain and block.
    assert.ok(wiped.filter((n) => n === 128).length >= 3, `wiped ${wiped}`);
    assert.ok(wiped.filter((n) => n === 8).length >= 2, `wiped ${wiped}`);
  });
});
