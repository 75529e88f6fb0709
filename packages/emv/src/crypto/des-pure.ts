/**
 * Internal: DES (FIPS 46-3) and TDEA (NIST SP 800-67: EDE with two or three keys) in plain
 * JavaScript, for the pure-JavaScript backend (pure-backend.ts). Not exported from the package.
 *
 * Written from the tables of FIPS 46-3 (IP, E, P, PC-1, PC-2, the key shifts and S1–S8, bit 1
 * being the most significant bit of the first byte). At load it derives faster tables from them:
 * IP and IP⁻¹ as byte lookups, and each S-box merged with P (SP tables), so that a round is eight
 * table lookups. Consecutive DES stages of TDES skip the IP⁻¹/IP pair between them (they cancel).
 * Checked by the NIST SP 800-17 / SP 800-20 known-answer tests and against OpenSSL on random
 * keys and data (packages/emv/test/crypto/backends.test.ts).
 *
 * Side channels: the S-box lookups index tables with key-dependent values, so timing may depend
 * on the key through the data cache; there is no constant-time guarantee (docs/mobile.md).
 * Hygiene: key schedules and block state are zeroed after every call.
 */

// FIPS 46-3 tables (1-based bit numbers).
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40,
  32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5,
  63, 55, 47, 39, 31, 23, 15, 7,
];
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22,
  11, 4, 25,
];
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47,
  55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const S = [
  [
    14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3,
    8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6,
    13,
  ],
  [
    15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11,
    5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5,
    14, 9,
  ],
  [
    10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15,
    1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2,
    12,
  ],
  [
    7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14,
    9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2,
    14,
  ],
  [
    2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8,
    6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4,
    5, 3,
  ],
  [
    12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3,
    8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8,
    13,
  ],
  [
    4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8,
    6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3,
    12,
  ],
  [
    13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9,
    2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6,
    11,
  ],
];

/**
 * A 64-bit permutation as byte lookups: for input byte i and value v, the output bits it sets,
 * as two 32-bit halves (hi: bits 1–32, lo: bits 33–64).
 */
function permutationTables(table: number[]): { hi: Uint32Array; lo: Uint32Array } {
  const hi = new Uint32Array(8 * 256);
  const lo = new Uint32Array(8 * 256);
  for (let out = 0; out < 64; out++) {
    const src = table[out]! - 1;
    const byte = src >> 3;
    const mask = 0x80 >> (src & 7);
    for (let v = 0; v < 256; v++) {
      if ((v & mask) === 0) continue;
      if (out < 32) hi[byte * 256 + v]! |= (0x80000000 >>> out) >>> 0;
      else lo[byte * 256 + v]! |= (0x80000000 >>> (out - 32)) >>> 0;
    }
  }
  return { hi, lo };
}

const IP_INV = (() => {
  const inv = new Array<number>(64);
  for (let i = 0; i < 64; i++) inv[IP[i]! - 1] = i + 1;
  return inv;
})();
const IP_T = permutationTables(IP);
const FP_T = permutationTables(IP_INV);

/** SP[j * 64 + v]: S-box j (0..7) applied to the 6-bit v, placed in its nibble, then P. */
const SP = (() => {
  const sp = new Uint32Array(8 * 64);
  for (let j = 0; j < 8; j++) {
    for (let v = 0; v < 64; v++) {
      const row = ((v >> 4) & 2) | (v & 1);
      const col = (v >> 1) & 0xf;
      const pre = (S[j]![row * 16 + col]! << (28 - 4 * j)) >>> 0;
      let w = 0;
      for (let k = 0; k < 32; k++) if ((pre >>> (31 - (P[k]! - 1))) & 1) w |= 0x80000000 >>> k;
      sp[j * 64 + v] = w >>> 0;
    }
  }
  return sp;
})();

/** The 16 round keys of an 8-byte key, as 16 × 8 six-bit values (FIPS 46-3 key schedule). */
export function desKeySchedule(key: Uint8Array, offset = 0): Uint8Array {
  const ks = new Uint8Array(128);
  const cd = new Uint8Array(56); // C ‖ D, one bit per byte
  const bit = (n: number) => (key[offset + ((n - 1) >> 3)]! >>> (7 - ((n - 1) & 7))) & 1;
  for (let i = 0; i < 56; i++) cd[i] = bit(PC1[i]!);
  const rotated = new Uint8Array(56);
  let shift = 0;
  for (let r = 0; r < 16; r++) {
    shift += SHIFTS[r]!;
    for (let i = 0; i < 28; i++) {
      rotated[i] = cd[(i + shift) % 28]!;
      rotated[28 + i] = cd[28 + ((i + shift) % 28)]!;
    }
    for (let j = 0; j < 8; j++) {
      let v = 0;
      for (let b = 0; b < 6; b++) v = (v << 1) | rotated[PC2[j * 6 + b]! - 1]!;
      ks[r * 8 + j] = v;
    }
  }
  cd.fill(0);
  rotated.fill(0);
  return ks;
}

/** Block state between stages (L, R after IP), zeroed by the callers after each call. */
const state = new Uint32Array(2);

/** 16 Feistel rounds on `state` under `ks`, in reverse key order to decrypt; ends with the swap. */
function rounds(ks: Uint8Array, decrypt: boolean): void {
  let l = state[0]!;
  let r = state[1]!;
  for (let i = 0; i < 16; i++) {
    const k = (decrypt ? 15 - i : i) * 8;
    const t = (r >>> 1) | (r << 31);
    const f =
      SP[(((t >>> 26) & 0x3f) ^ ks[k]!) + 0]! |
      SP[(((t >>> 22) & 0x3f) ^ ks[k + 1]!) + 64]! |
      SP[(((t >>> 18) & 0x3f) ^ ks[k + 2]!) + 128]! |
      SP[(((t >>> 14) & 0x3f) ^ ks[k + 3]!) + 192]! |
      SP[(((t >>> 10) & 0x3f) ^ ks[k + 4]!) + 256]! |
      SP[(((t >>> 6) & 0x3f) ^ ks[k + 5]!) + 320]! |
      SP[(((t >>> 2) & 0x3f) ^ ks[k + 6]!) + 384]! |
      SP[((((t & 0xf) << 2) | (t >>> 30)) ^ ks[k + 7]!) + 448]!;
    const next = l ^ f;
    l = r;
    r = next;
  }
  // The output of the last round is R16 ‖ L16; as the next stage's input (after IP⁻¹ then IP,
  // which cancel) it is its L0 ‖ R0.
  state[0] = r;
  state[1] = l;
}

function loadIp(b: Uint8Array, o: number): void {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 8; i++) {
    const v = b[o + i]!;
    hi |= IP_T.hi[i * 256 + v]!;
    lo |= IP_T.lo[i * 256 + v]!;
  }
  state[0] = hi;
  state[1] = lo;
}

function storeFp(out: Uint8Array, o: number): void {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 8; i++) {
    const v = (state[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
    hi |= FP_T.hi[i * 256 + v]!;
    lo |= FP_T.lo[i * 256 + v]!;
  }
  out[o] = hi >>> 24;
  out[o + 1] = hi >>> 16;
  out[o + 2] = hi >>> 8;
  out[o + 3] = hi;
  out[o + 4] = lo >>> 24;
  out[o + 5] = lo >>> 16;
  out[o + 6] = lo >>> 8;
  out[o + 7] = lo;
}

/**
 * DES (one key schedule) or TDEA (three: EDE encryption E_K3(D_K2(E_K1(x))), decryption
 * D_K1(E_K2(D_K3(y)))) over whole 8-byte blocks in ECB or CBC mode. `schedules` are from
 * {@link desKeySchedule}; the caller zeroes them.
 */
export function desCrypt(
  schedules: Uint8Array[],
  mode: 'ecb' | 'cbc',
  encrypt: boolean,
  data: Uint8Array,
  iv: Uint8Array | undefined,
): Uint8Array {
  const out = new Uint8Array(data.length);
  const chain = new Uint8Array(8);
  const x = new Uint8Array(8);
  if (mode === 'cbc' && iv) chain.set(iv);
  const n = schedules.length;
  try {
    for (let o = 0; o < data.length; o += 8) {
      if (encrypt) {
        for (let i = 0; i < 8; i++) x[i] = mode === 'cbc' ? data[o + i]! ^ chain[i]! : data[o + i]!;
        loadIp(x, 0);
        for (let s = 0; s < n; s++) rounds(schedules[s]!, s % 2 === 1);
        storeFp(out, o);
        if (mode === 'cbc') chain.set(out.subarray(o, o + 8));
      } else {
        loadIp(data, o);
        for (let s = n - 1; s >= 0; s--) rounds(schedules[s]!, (n - 1 - s) % 2 === 0);
        storeFp(out, o);
        if (mode === 'cbc') {
          for (let i = 0; i < 8; i++) out[o + i]! ^= chain[i]!;
          chain.set(data.subarray(o, o + 8));
        }
      }
    }
    return out;
  } finally {
    state.fill(0);
    chain.fill(0);
    x.fill(0);
  }
}
