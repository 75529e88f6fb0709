/**
 * Test fixture for the V-OS runtime: a throw-away data directory, a TA signing key pinned in the
 * host config, and helpers to pack TAs from inline code (GP-style test TAs, like optee_test's
 * os_test / crypt TAs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateTaSigningKeyPair,
  packTa,
  startVos,
  type VosClient,
  type VosConfig,
  type VosSession,
} from '../../src/index.js';

export const signer = generateTaSigningKeyPair();

export type TaSpec = {
  uuid: string;
  code: string;
  capabilities?: string[];
  version?: string;
  name?: string;
  timeoutMs?: number;
  commands?: Record<string, number>;
};

export function bundle(spec: TaSpec, key = signer.privateKeyPem): Uint8Array {
  const manifest: Record<string, unknown> = {
    uuid: spec.uuid,
    name: spec.name ?? `test-${spec.uuid.slice(0, 8)}`,
    version: spec.version ?? '1.0.0',
    capabilities: spec.capabilities ?? [],
  };
  if (spec.timeoutMs !== undefined) manifest.timeoutMs = spec.timeoutMs;
  if (spec.commands !== undefined) manifest.commands = spec.commands;
  return packTa({ manifest: manifest as never, code: spec.code }, key);
}

const made: string[] = [];
process.once('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test process exits. */
export function tempDir(prefix = 'vos-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export async function withVos<T>(
  fn: (vos: VosClient, dataDir: string) => Promise<T>,
  config: Partial<VosConfig> & { dataDir?: string } = {},
): Promise<T> {
  const dataDir = config.dataDir ?? tempDir();
  const vos = await startVos({ pinnedTaKeys: [signer.publicKeyPem], ...config, dataDir });
  try {
    return await fn(vos, dataDir);
  } finally {
    await vos.shutdown();
    if (!config.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A TA whose command 0 runs the JS text of param 0 (async body) and returns JSON in param 1. */
export const SCRIPT_TA_CODE = `
function utf8(bytes) { let s = ''; for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); return s; }
function bytes(s) { const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 255; return b; }
function hex(b) { let s = ''; for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16); return s; }
function unhex(h) { const b = new Uint8Array(h.length / 2); for (let i = 0; i < b.length; i++) b[i] = parseInt(h.substr(i * 2, 2), 16); return b; }
const state = {};
async function TA_InvokeCommandEntryPoint(session, cmd, params) {
  if (cmd !== 0) return TEE.ERROR_NOT_SUPPORTED;
  const body = utf8(params[0].data);
  const fn = (0, eval)('(async function (state, hex, unhex, bytes, utf8) {' + body + '\\n})');
  let out;
  try {
    out = { ok: true, value: await fn(state, hex, unhex, bytes, utf8) };
  } catch (e) {
    out = { ok: false, code: e && typeof e.code === 'number' ? e.code : -1, message: e && e.message ? String(e.message) : String(e) };
  }
  params[1].data = bytes(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? hex(v) : v)));
}
`;

export type ScriptResult = { ok: boolean; value?: unknown; code?: number; message?: string };

/** Runs `body` inside a script TA session; returns its JSON report. */
export async function runScript(session: VosSession, body: string): Promise<ScriptResult> {
  const r = await session.invoke(0, [
    { type: 'memref', data: new TextEncoder().encode(body) },
    { type: 'memref', dir: 'out', size: 65536 },
  ]);
  if (r.result !== 0) throw new Error(`script TA returned 0x${r.result.toString(16)}`);
  const out = r.params[1];
  if (out?.type !== 'memref') throw new Error('script TA gave no output');
  return JSON.parse(new TextDecoder().decode(out.data)) as ScriptResult;
}
