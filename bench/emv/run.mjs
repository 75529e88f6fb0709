// bench/emv: throughput of the EMV library's hot paths on one core, against raw node:crypto
// 3DES-ECB block operations measured in the same process.
//   arqc_generate   card side: EMV CSK session key from MK_AC + retail MAC over 37 bytes of AC data
//   arqc_verify     issuer side, what a payment HSM's "verify ARQC" call does: Option A MK from
//                   IMK_AC + CSK + retail MAC + constant-time compare
//   retail_mac_32   ISO 9797-1 MAC algorithm 3 over 32 bytes
//   aes_cmac_32     AES-128 CMAC over 32 bytes
//   baseline        one 8-byte 3DES-ECB encryption with node:crypto (createCipheriv + update + final)
import { createCipheriv } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  aesCmac,
  deriveEmvCommonSessionKey,
  deriveIccMkOptionA,
  generateAc,
  hexToBytes,
  macIso9797Alg3,
  verifyAc,
} from '@openvse/emv';
import { machine, opsPerSecond, writeResult } from '../lib/measure.mjs';

// Where the result goes (scripts/run-bench.mjs, docs/benchmarks.md): bench/results/local/, which git
// ignores, unless OPENVSE_BENCH_RESULTS names another folder (`npm run bench -- --update` names the
// committed bench/results/). Progress lines go to stderr.
const RESULTS =
  process.env.OPENVSE_BENCH_RESULTS || fileURLToPath(new URL('../results/local/', import.meta.url));
const progress = (step) => process.stderr.write(`[bench emv] ${step}\n`);

const imk = hexToBytes('0123456789ABCDEFFEDCBA9876543210');
const pan = '5413330089010434';
const atc = hexToBytes('001C');
const r = new Uint8Array([...atc, 0, 0, 0, 0, 0, 0]);
const acData = hexToBytes('000000001000000000000000097800000000000978261128005E1A2B3C3800001C03A0A00000');
const mk = deriveIccMkOptionA(imk, pan, '00');
const sk = deriveEmvCommonSessionKey(mk, r);
const arqc = generateAc({ key: sk, data: acData, paddingMethod: 2 });
const data32 = hexToBytes('00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF');
const aesKey = hexToBytes('2B7E151628AED2A6ABF7158809CF4F3C');
const block = hexToBytes('0011223344556677');

function arqcGenerate() {
  const k = deriveEmvCommonSessionKey(mk, r);
  generateAc({ key: k, data: acData, paddingMethod: 2 });
  k.fill(0);
}
function arqcVerify() {
  const m = deriveIccMkOptionA(imk, pan, '00');
  const k = deriveEmvCommonSessionKey(m, r);
  if (!verifyAc({ key: k, data: acData, paddingMethod: 2, ac: arqc })) throw new Error('ARQC did not verify');
  m.fill(0);
  k.fill(0);
}
function baseline() {
  const c = createCipheriv('des-ede-ecb', sk, null).setAutoPadding(false);
  c.update(block);
  c.final();
}

const series = {
  baseline_3des_ecb_block: baseline,
  arqc_generate: arqcGenerate,
  arqc_verify: arqcVerify,
  retail_mac_32: () => macIso9797Alg3(sk, data32, 2),
  aes_cmac_32: () => aesCmac(aesKey, data32),
};
const results = {};
for (const [i, [name, fn]] of Object.entries(series).entries()) {
  progress(`${i + 1}/${Object.keys(series).length} ${name} (5 rounds of 0.5 s)`);
  results[name] = opsPerSecond(fn);
}
const b = results.baseline_3des_ecb_block;
const ratios = Object.fromEntries(
  Object.entries(results)
    .filter(([k]) => !k.startsWith('baseline'))
    .map(([k, v]) => [`${k}_per_baseline_op`, Number((v / b).toFixed(4))]),
);
const target = 25_000; // 10 x a payment HSM's top licence tier (2,500 calls/s)
const out = {
  suite: 'emv',
  unit: 'operations per second, one core, median of 5 rounds of 0.5 s',
  machine: machine(),
  results,
  ratios,
  goal: { arqc_verify_per_second: target, met: results.arqc_verify >= target },
};
const file = join(RESULTS, 'emv.json');
writeResult(file, out);
progress(`wrote ${file}`);
console.table(results);
console.log(ratios);
console.log(`ARQC verify: ${results.arqc_verify}/s (goal ${target}/s: ${out.goal.met ? 'met' : 'NOT met'})`);
