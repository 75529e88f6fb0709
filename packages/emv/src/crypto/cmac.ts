/**
 * AES-CMAC: RFC 4493 / NIST SP 800-38B (= ISO/IEC 9797-1 MAC algorithm 5), the MAC EMV Book 2
 * (§8.1.2, Annex A1.2.2) uses for AES application cryptograms (leftmost 8 bytes).
 *
 * Subkeys K1, K2 are derived here (SP 800-38B §6.1) from L = AES(K)[0^128] by a left shift and a
 * conditional XOR with R_128 = 0x87; the MAC is the last block of AES-CBC (IV = 0) over the
 * message whose last block is XORed with K1 (complete) or padded 10* and XORed with K2.
 * The message is never pre-padded by callers. Accepts AES-128/192/256 keys.
 */
import { zeroize } from '../codec/bytes.js';
import { toBytes } from '../codec/hex.js';
import { AES_BLOCK_SIZE, aesCbcEncrypt, aesEcbEncrypt } from './aes.js';

type Bytes = Uint8Array | string;

/** SP 800-38B §6.1: doubling in GF(2^128); returns a new block. */
function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(AES_BLOCK_SIZE);
  for (let i = 0; i < AES_BLOCK_SIZE; i++) {
    const next = i + 1 < AES_BLOCK_SIZE ? block[i + 1]! : 0;
    out[i] = ((block[i]! << 1) | (next >>> 7)) & 0xff;
  }
  if (block[0]! & 0x80) out[AES_BLOCK_SIZE - 1]! ^= 0x87;
  return out;
}

/** Returns the CMAC subkeys K1, K2 for `key` (the caller must zero them). */
export function aesCmacSubkeys(key: Bytes): { k1: Uint8Array; k2: Uint8Array } {
  const l = aesEcbEncrypt(key, new Uint8Array(AES_BLOCK_SIZE));
  try {
    const k1 = dbl(l);
    return { k1, k2: dbl(k1) };
  } finally {
    zeroize(l);
  }
}

/** AES-CMAC of `data` (16 bytes, untruncated). */
export function aesCmac(key: Bytes, data: Bytes): Uint8Array {
  const k = toBytes(key, 'key');
  let sub: { k1: Uint8Array; k2: Uint8Array } | undefined;
  let m: Uint8Array | undefined;
  let cbc: Uint8Array | undefined;
  try {
    sub = aesCmacSubkeys(k); // validates the key length first
    const msg = toBytes(data, 'data');
    const complete = msg.length > 0 && msg.length % AES_BLOCK_SIZE === 0;
    const n = complete ? msg.length : (Math.floor(msg.length / AES_BLOCK_SIZE) + 1) * AES_BLOCK_SIZE;
    m = new Uint8Array(n);
    m.set(msg);
    if (!complete) m[msg.length] = 0x80;
    msg.fill(0);
    const sk = complete ? sub.k1 : sub.k2;
    for (let i = 0; i < AES_BLOCK_SIZE; i++) m[n - AES_BLOCK_SIZE + i]! ^= sk[i]!;
    cbc = aesCbcEncrypt(k, m);
    return cbc.slice(cbc.length - AES_BLOCK_SIZE);
  } finally {
    zeroize(k, m, cbc, sub?.k1, sub?.k2);
  }
}
