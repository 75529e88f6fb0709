/**
 * The wallet-shaped app of demo chapter 10 (process-level.ts; not run on its own): started by the
 * launcher under Node's permission model, it reaches V-OS over the channel the launcher handed it
 * (`connectVos()`), installs the CBP TA, asks for its status and a signed attestation, and tries
 * what malicious code in a wallet app would: a Worker, a child process, V-OS's memory. Prints one
 * JSON line. The V-OS pid comes on stdin (known only once both processes run).
 * Usage (by launch()): level-app.js <bundle file> <TA UUID> <nonce base64url>
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connectVos } from '@openvse/vos';

const [bundleFile = '', uuid = '', nonce = ''] = process.argv.slice(2);

function refused(fn: () => unknown): string {
  try {
    fn();
    return 'allowed';
  } catch (e) {
    return (e as { code?: string }).code ?? 'error';
  }
}

async function workerRefused(): Promise<string> {
  try {
    const { Worker } = await import('node:worker_threads');
    await new Worker('1', { eval: true, execArgv: [] }).terminate();
    return 'allowed';
  } catch (e) {
    return (e as { code?: string }).code ?? 'error';
  }
}

async function vosPid(): Promise<number> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return Number(text.trim());
}

const pid = await vosPid();
const vos = await connectVos();
const installed = await vos.installTa(readFileSync(bundleFile));
const st = await vos.status();
const attestation = await vos.attest(uuid, Buffer.from(nonce, 'base64url'));
console.log(
  JSON.stringify({
    installed: `${installed.name} ${installed.version}`,
    level: st.protectionLevel,
    isolation: st.isolation,
    reasons: st.isolationReasons,
    rootOfTrust: st.rootOfTrust.kind,
    platformKey: st.platformKey.jwk,
    attestation,
    tries: {
      worker: await workerRefused(),
      childProcess: refused(() => execFileSync('true')),
      vosMemory: refused(() => closeSync(openSync(`/proc/${pid}/mem`, 'r'))),
    },
  }),
);
await vos.shutdown();
