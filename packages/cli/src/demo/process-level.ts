/**
 * Demo chapter 10: the same V-OS, now in its own OS process (docs/process-boundary.md). The
 * launcher (the library call behind `openvse run`) starts V-OS first and then a small wallet-shaped
 * app (level-app.ts) under Node's permission model; V-OS measures the app from /proc and reports
 * the level it reached and why. The chapter checks the signed attestation with
 * @openvse/attestation, and that the app's tries at V-OS were refused. L2 needs V-OS and the app
 * under two OS users (`openvse run --vos-user … --app-user …` as root); the demo does not create
 * users, so it shows L1 and says what L2 would take.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyAttestation } from '@openvse/attestation';
import { CBP_TA_UUID } from '@openvse/protocol';
import { launch } from '@openvse/vos';
import type { DemoWorld } from './world.js';

const APP = fileURLToPath(new URL('./level-app.js', import.meta.url));

/** The directory whose node_modules holds @openvse/vos: the app must read what it imports. */
function packagesRoot(): string {
  let d = dirname(APP);
  while (!existsSync(join(d, 'node_modules', '@openvse', 'vos'))) {
    const up = dirname(d);
    if (up === d) throw new Error('node_modules/@openvse/vos not found above the demo');
    d = up;
  }
  return d;
}

type AppOut = {
  installed: string;
  level: string;
  isolation: { mode: string; appConfined: boolean; separateUser: boolean };
  reasons: string[];
  rootOfTrust: string;
  platformKey: Record<string, unknown>;
  attestation: string;
  tries: Record<string, string>;
};

/** Chapter 10: V-OS in its own process measures the app and signs the level it reached (L1). */
export async function chapterProcessLevel(w: DemoWorld): Promise<void> {
  const r = w.r;
  r.chapter(10, 'V-OS in its own OS process: the level, measured from outside the app');
  const bundleFile = join(w.dir, 'cbp-ta.bundle');
  writeFileSync(bundleFile, w.bundle);
  const nonce = randomBytes(16).toString('base64url');
  const l = launch({
    vos: { dataDir: join(w.dir, 'vos-process'), pinnedTaKeys: [w.taKeys.publicKeyPem] },
    app: {
      entry: APP,
      args: [bundleFile, CBP_TA_UUID, nonce],
      readPaths: [packagesRoot(), w.dir],
      nodeOptions: ['--no-warnings'],
    },
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  l.app.stdout?.on('data', (d: Buffer) => {
    out += String(d);
  });
  l.app.stderr?.on('data', (d: Buffer) => {
    err += String(d);
  });
  const givePid = () => {
    const pid = l.vosPid();
    if (pid) l.app.stdin?.write(`${pid}\n`);
    else setTimeout(givePid, 20);
  };
  givePid();
  const timer = setTimeout(() => void l.stop(), 60_000);
  const { code } = await l.exited;
  clearTimeout(timer);
  await l.stop();
  const line = out
    .trim()
    .split('\n')
    .filter((s) => s.startsWith('{'))
    .pop();
  if (!line)
    throw new Error(`the launched app printed nothing (exit ${code}): ${err.trim().split('\n')[0] ?? ''}`);
  const a = JSON.parse(line) as AppOut;
  r.expect(
    'launcher: V-OS process first, then the app, confined',
    'the app installs the CBP TA over its private channel',
    `${a.installed} installed; app exit ${code}`,
    code === 0 && a.installed.length > 0,
  );
  const claims = await verifyAttestation(a.attestation, a.platformKey as never, nonce);
  r.expect(
    'level measured by V-OS, signed',
    'L1: own process, app confined',
    `${a.level} (mode ${a.isolation.mode}, app confined ${a.isolation.appConfined}, separate user ` +
      `${a.isolation.separateUser}); attestation verified: ${claims.protectionLevel}`,
    a.level === 'L1' && claims.protectionLevel === 'L1',
  );
  for (const why of a.reasons) r.info(`why: ${why}`);
  r.expect(
    'the app tries V-OS as malware in it would',
    'Worker, child process, /proc/<V-OS>/mem refused',
    Object.entries(a.tries)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    Object.values(a.tries).every((v) => v === 'ERR_ACCESS_DENIED'),
  );
  r.info(
    'L2 also needs V-OS and the app under two OS users, so that the kernel keeps even native code in ' +
      'the app out of V-OS: `openvse run --vos-user <u> --app-user <u>` as root (not done by the demo)',
  );
}
