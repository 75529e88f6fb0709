#!/usr/bin/env node
// Builds the CBP TA script for V-OS from the compiled package (run `tsc -b packages/cbp-ta` first):
//   dist/cbp-ta.js             the bundled TA code (core + V-OS adapter + GP entry points)
//   dist/cbp-ta.manifest.json  cbpTaManifest() (@openvse/protocol) plus the code's SHA-256 (what the server allow-lists)
// With OPENVSE_TA_SIGNING_KEY=<path to an Ed25519 PKCS#8 PEM> it also writes the signed package
//   dist/cbp-ta.bundle         for `vos.installTa` (packTa).
// In code, `buildCbpTaBundle({ signingKeyPem })` does the same in-process (src/bundle.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { cbpTaManifest } from '@openvse/protocol';

const dist = new URL('../dist/', import.meta.url);
const { buildCbpTaBundle, buildCbpTaCode, cbpTaCodeSha256 } = await import(
  new URL('src/index.js', dist).href
);
const code = buildCbpTaCode();
writeFileSync(new URL('cbp-ta.js', dist), code);
const manifest = { ...cbpTaManifest(), codeSha256: cbpTaCodeSha256() };
writeFileSync(new URL('cbp-ta.manifest.json', dist), `${JSON.stringify(manifest, null, 2)}\n`);
const keyPath = process.env.OPENVSE_TA_SIGNING_KEY;
if (keyPath) {
  writeFileSync(
    new URL('cbp-ta.bundle', dist),
    buildCbpTaBundle({ signingKeyPem: readFileSync(keyPath, 'utf8') }),
  );
}
console.log(
  `cbp-ta: ${code.length} bytes, codeSha256 ${manifest.codeSha256}${keyPath ? ', signed bundle written' : ''}`,
);
