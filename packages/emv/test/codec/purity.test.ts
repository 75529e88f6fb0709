/**
 * emv's codecs, TLV, DOL and APDU modules are pure JavaScript: bundled by esbuild for a neutral
 * platform (the way the CBP TA is bundled) they contain no Node global or module, and they run in
 * a fresh `vm` realm that has nothing but the JavaScript built-ins — here a TLV round trip, a DOL
 * and a track 2 inside that realm.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { buildSync } from 'esbuild';

const src = (p: string) => fileURLToPath(new URL(`../../src/${p}`, import.meta.url));

function bundle(): string {
  const entry = `
    export * as codec from ${JSON.stringify(src('codec/index.js'))};
    export * as tlv from ${JSON.stringify(src('tlv/index.js'))};
    export * as dol from ${JSON.stringify(src('dol/index.js'))};
    export * as apdu from ${JSON.stringify(src('apdu/index.js'))};
  `;
  const out = buildSync({
    stdin: { contents: entry, resolveDir: src('.'), loader: 'js' },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'Emv',
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

describe('pure emv modules', () => {
  const code = bundle();
  it('reach for no Node global or module', () => {
    assert.doesNotMatch(code, /\brequire\(|\bprocess\.|\bBuffer\b|node:|TextEncoder|TextDecoder/);
  });
  it('run in a realm without Node globals: TLV round trip, DOL, track 2', () => {
    const realm = vm.createContext({});
    assert.equal(vm.runInContext('typeof Buffer + typeof TextEncoder', realm), 'undefinedundefined');
    vm.runInContext(code, realm);
    const out = vm.runInContext(
      `(() => {
        const { codec, tlv, dol, apdu } = Emv;
        const encoded = tlv.encodeTlv([{ tag: '77', children: [
          { tag: '9F26', value: codec.hexToBytes('0102030405060708') },
          { tag: '57', value: codec.encodeTrack2({ pan: '4895370000000005', expiry: '3012' }) },
        ] }]);
        const parsed = tlv.parseTlv(encoded);
        const ac = tlv.findTag(parsed, '9F26');
        return {
          hex: codec.bytesToHex(encoded),
          roundTrip: codec.bytesToHex(tlv.encodeTlv(parsed)) === codec.bytesToHex(encoded),
          ac: codec.bytesToHex(ac.value),
          cdolLength: dol.dolLength(dol.parseDol(codec.hexToBytes('9F02069F03069F1A02'))),
          select: codec.bytesToHex(apdu.encodeCommandApdu(apdu.selectPpse())),
          b64: codec.bytesToBase64url(codec.utf8Encode('é')),
        };
      })()`,
      realm,
    );
    assert.deepEqual(JSON.parse(JSON.stringify(out)), {
      hex: '771E9F2608010203040506070857114895370000000005D30122010000000000',
      roundTrip: true,
      ac: '0102030405060708',
      cdolLength: 14,
      select: '00A404000E325041592E5359532E444446303100',
      b64: 'w6k',
    });
  });
});
