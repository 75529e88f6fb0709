/**
 * Crash safety of the ATC in V-OS (docs/cbp-protocol.md §4, docs/design.md "Profile V": one step
 * per cryptogram, never reused): a child process makes cryptograms in a loop and is SIGKILLed at a
 * random moment (possibly in the middle of a sealed-storage commit); after V-OS restarts on the
 * same data, the next ATC is above every ATC the child ever returned. Repeated a few times.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildCbpTaBundle } from '@openvse/cbp-ta';
import { CBP_TA_UUID } from '@openvse/protocol';
import { startVos } from '@openvse/vos';
import { FakeServer } from './helpers/fake-server.js';
import { taSigner, tempDir, vosCbp } from './helpers/targets.js';
import { pdolV } from './helpers/terminal.js';

const child = fileURLToPath(new URL('./helpers/crash-child.js', import.meta.url));

function runUntilKilled(dataDir: string, afterLines: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child], {
      env: { ...process.env, CBP_CRASH_DIR: dataDir, CBP_CRASH_KEY: taSigner.publicKeyPem },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const atcs: number[] = [];
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = /^atc (\d+) (\d+)$/.exec(line);
        if (m) {
          atcs.push(Number(m[1]));
          if (atcs.length === afterLines) p.kill('SIGKILL');
        }
        i = buf.indexOf('\n');
      }
    });
    p.on('exit', () => resolve(atcs));
    p.on('error', reject);
  });
}

it('ATC is never reused after V-OS is SIGKILLed between (or during) cryptograms', async () => {
  const dataDir = tempDir();
  let vos = await startVos({ dataDir, pinnedTaKeys: [taSigner.publicKeyPem] });
  await vos.installTa(buildCbpTaBundle({ signingKeyPem: taSigner.privateKeyPem }));
  let session = await vos.openSession(CBP_TA_UUID);
  const core = vosCbp(() => session);
  const server = await FakeServer.create();
  await server.enroll(core);
  await server.provisionV(core, 'crash-card', new Uint8Array(randomBytes(16)));
  let last = (await core.gpoV('crash-card', pdolV({ amount: 1 }).data)).atc;
  await vos.shutdown();
  for (let round = 0; round < 3; round++) {
    const seen = await runUntilKilled(dataDir, randomInt(3, 12));
    assert.ok(seen.length >= 3);
    for (const a of seen) assert.ok(a > last, `ATC ${a} reused (last ${last})`);
    last = Math.max(...seen);
    vos = await startVos({ dataDir, pinnedTaKeys: [taSigner.publicKeyPem] });
    session = await vos.openSession(CBP_TA_UUID);
    const next = await core.gpoV('crash-card', pdolV({ amount: 1 }).data);
    assert.ok(next.atc > last, `after the crash: ATC ${next.atc}, child returned up to ${last}`);
    last = next.atc;
    await vos.shutdown();
  }
});
