/**
 * Case-2/4 response retrieval over T=0 (ISO/IEC 7816-3 §10.3.5, ISO/IEC 7816-4 §5.3.4;
 * EMV Book 1 §9.3.1): SW1 = '61' means "La bytes are waiting, send GET RESPONSE", SW1 = '6C'
 * means "wrong Le, resend the command with Le = SW2". pcsc-lite passes T=0 status words through
 * unchanged, so a PC/SC terminal does this itself. T=1 cards (and vpcd) answer in one go and
 * never trigger it.
 */

/** Sends `capdu`, following 61xx / 6Cxx; at most `maxRounds` extra exchanges. */
export async function transmitWithResponseChaining(
  send: (capdu: Uint8Array) => Promise<Uint8Array>,
  capdu: Uint8Array,
  maxRounds = 32,
): Promise<Uint8Array> {
  let r = await send(capdu);
  if (r.length === 2 && r[0] === 0x6c && capdu.length >= 4) {
    const again = new Uint8Array(capdu.length === 4 ? 5 : capdu.length);
    again.set(capdu.subarray(0, again.length));
    again[again.length - 1] = r[1]!;
    r = await send(again);
  }
  const chunks: Uint8Array[] = [];
  for (let i = 0; r.length >= 2 && r[r.length - 2] === 0x61 && i < maxRounds; i++) {
    chunks.push(r.subarray(0, r.length - 2));
    const cla = capdu[0]! & 0x03; // keep the logical channel, plain class otherwise
    r = await send(Uint8Array.of(cla, 0xc0, 0x00, 0x00, r[r.length - 1]!));
  }
  if (chunks.length === 0) return r;
  chunks.push(r);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
