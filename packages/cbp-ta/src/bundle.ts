/**
 * Builds the signed CBP TA package for V-OS (docs/ta-packages.md, docs/writing-a-ta.md §2–§3):
 * esbuild bundles the compiled core + V-OS adapter + entry module (dist/src/ta/entry.js) into one
 * IIFE script (`var CbpTa = …`), the top-level GP entry points are appended, the SES source rules
 * are checked (no `import(`, no HTML comment markers), and packTa signs manifest + code with the
 * TA-signing key (Ed25519) that the V-OS host pins.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CBP_TA_VERSION, cbpTaManifest } from '@openvse/protocol';
import { packTa, type TaManifestInput } from '@openvse/vos';
import { buildSync } from 'esbuild';

const ENTRY_POINTS = `
// GP TEE Internal Core API v1.3 entry points of the CBP TA (called by V-OS).
function TA_CreateEntryPoint() { return CbpTa.create(); }
function TA_OpenSessionEntryPoint(params, paramTypes) { return CbpTa.open(params, paramTypes); }
function TA_InvokeCommandEntryPoint(session, commandId, params, paramTypes) {
  return CbpTa.invoke(session, commandId, params, paramTypes);
}
function TA_CloseSessionEntryPoint(session) { return CbpTa.close(session); }
function TA_DestroyEntryPoint() { return CbpTa.destroy(); }
`;

let cached: string | undefined;

/**
 * The TA's script: the core, the V-OS adapter and the entry module bundled by esbuild, with the
 * GP entry points appended (bundled once per process). Throws when the code would break an SES
 * source rule or reaches for a Node global.
 */
export function buildCbpTaCode(): string {
  if (cached !== undefined) return cached;
  const entry = fileURLToPath(new URL('./ta/entry.js', import.meta.url));
  const out = buildSync({
    entryPoints: [entry],
    // esbuild names each bundled module in a comment by its path relative to this folder: the
    // package's own, not the process's working directory, so that one source tree gives one code
    // hash wherever it is built from (the server's allow-list pins that hash).
    absWorkingDir: fileURLToPath(new URL('../..', import.meta.url)),
    // No tsconfig.json from the disk: the one around the sources (the workspace's, with `strict`)
    // decides whether esbuild writes "use strict", and an installed package has none, so the same
    // package would give another code hash once installed from npm. Fixed here instead.
    tsconfigRaw: { compilerOptions: { alwaysStrict: true } },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'CbpTa',
    platform: 'neutral',
    target: 'es2022',
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output');
  const code = `// openvse-cbp ${CBP_TA_VERSION}: the CBP Trusted Application (docs/cbp-protocol.md §4)\n${file.text}${ENTRY_POINTS}`;
  // SES refuses these anywhere in the source, comments included (docs/writing-a-ta.md §2).
  for (const bad of ['import(', '<!--', '-->']) {
    if (code.includes(bad)) throw new Error(`CBP TA bundle contains "${bad}", which SES refuses`);
  }
  if (/\brequire\(|\bprocess\.|\bBuffer\b/.test(code))
    throw new Error('CBP TA bundle reaches for a Node global (require, process, Buffer)');
  cached = code;
  return code;
}

/** What {@link buildCbpTaBundle} needs. */
export interface CbpTaBundleOptions {
  /** The TA-signing private key (Ed25519, PKCS#8 PEM) whose public key V-OS pins. */
  signingKeyPem: string;
  /** Manifest version (default CBP_TA_VERSION); V-OS refuses one older than installed. */
  version?: string;
}

/** The signed TA package (manifest + code, Ed25519 by the TA-signing key) for `vos.installTa`. */
export function buildCbpTaBundle(options: CbpTaBundleOptions): Uint8Array {
  const code = buildCbpTaCode();
  return packTa({ manifest: cbpTaManifest(options.version) as TaManifestInput, code }, options.signingKeyPem);
}

/** SHA-256 (hex) of the TA code, as the attestation's `ta.codeSha256` and the server allow-list use it. */
export function cbpTaCodeSha256(): string {
  return createHash('sha256').update(buildCbpTaCode(), 'utf8').digest('hex');
}
