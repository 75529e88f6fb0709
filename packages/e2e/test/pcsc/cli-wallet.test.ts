/**
 * `openvse wallet pcsc --test-card V|M`, run as a user runs it (docs/cbp-sdk.md "openvse wallet
 * pcsc"; docs/pcsc.md): the CLI — resolved as the @openvse/cli package and started through its
 * `bin` — provisions a test card through the CBP server's encrypted path into the CBP TA in
 * V-OS, and attaches the HCE service to vsmartcard's vpcd. Then, through pcscd ↔ vpcd ↔ wallet:
 *  - the POS terminal (@openvse/terminal connectPcsc + runTransaction) pays; the cryptogram is
 *    verified with the documented test issuer keys (docs/cbp-sdk.md "Test issuer": IMK_AC /
 *    IMK_MD; EMV Book 2 §8.1);
 *  - an independent reader (opensc-tool, docs/pcsc.md §5) sends SELECT PPSE, SELECT AID and GPO
 *    and gets 9000.
 * The `ready` line names the reader of the port the card was attached to (V on TCP 35963 →
 * `Virtual PCD 00 00`, M on 35964 → `Virtual PCD 00 01`). SIGTERM stops it cleanly (exit 0, a
 * `stopped` line). Bad arguments are refused before anything starts.
 *
 * Needs pcscd + vsmartcard-vpcd + the quickack route (scripts/pcsc-up.sh, as root), libpcsclite
 * and opensc-tool: `needSystem` (packages/e2e/src/system.ts) skips with the SYSTEM tag, a failure
 * under OPENVSE_REQUIRE_SYSTEM=1. The two profiles run one after the other, and the suite holds the
 * vpcd slots' lock (./vpcd.ts) so that it never runs at the same time as terminal-pcsc.test.ts.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Outcome, runTransaction } from '@openvse/terminal';
import { needSystem } from '../../src/system.js';
import {
  connectWhenPresent,
  openscStatusWords,
  readerOf,
  type VpcdPort,
  VpcdSlots,
  verifyWithDocumentedKeys,
} from './vpcd.js';

const run = promisify(execFile);

/** The `openvse` command of the @openvse/cli package (its package.json `bin`). */
function openvseBin(): string {
  const pkgJson = createRequire(import.meta.url).resolve('@openvse/cli/package.json');
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { bin: { openvse: string } };
  return join(dirname(pkgJson), pkg.bin.openvse);
}
const MAIN = openvseBin();

interface Wallet {
  child: ChildProcess;
  ready: Record<string, unknown>;
  lines: Record<string, unknown>[];
  exit: Promise<number | null>;
}

function startWallet(profile: 'V' | 'M', port: VpcdPort): Promise<Wallet> {
  const child = spawn(
    process.execPath,
    [MAIN, 'wallet', 'pcsc', '--test-card', profile, '--reader-port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Record<string, unknown>[] = [];
  const exit = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return new Promise((resolve, reject) => {
    let buf = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line within 60 s\n${stderr}`));
    }, 60_000);
    child.stderr!.on('data', (d) => {
      stderr += String(d);
    });
    child.stdout!.on('data', (d) => {
      buf += String(d);
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
        try {
          const j = JSON.parse(l) as Record<string, unknown>;
          lines.push(j);
          if (j.event === 'ready') {
            clearTimeout(timer);
            resolve({ child, ready: j, lines, exit });
          }
        } catch {
          // not a JSON line
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wallet exited ${code} before ready\n${stderr}`));
    });
  });
}

describe('openvse wallet', () => {
  const slots = new VpcdSlots();
  after(() => slots.release());

  it('wallet pcsc without --test-card says what it needs (exit 2, docs/cli.md)', () => {
    const r = spawnSync(process.execPath, [MAIN, 'wallet', 'pcsc'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--test-card/);
  });

  it('rejects a bad profile and a bad port', () => {
    const a = spawnSync(process.execPath, [MAIN, 'wallet', 'pcsc', '--test-card', 'X'], { encoding: 'utf8' });
    assert.notEqual(a.status, 0);
    const b = spawnSync(process.execPath, [MAIN, 'wallet', 'pcsc', '--reader-port', '99999'], {
      encoding: 'utf8',
    });
    assert.notEqual(b.status, 0);
  });

  for (const [profile, port] of [
    ['V', 35963],
    ['M', 35964],
  ] as const) {
    const reader = readerOf(port);
    it(`wallet pcsc --test-card ${profile} --reader-port ${port}: ready in "${reader}"; the terminal pays through pcscd ↔ vpcd, the cryptogram verifies with the test issuer keys; opensc-tool gets 9000`, async (t) => {
      if (!needSystem(t, ['pcscd', 'vpcd', 'quickack-route', 'libpcsclite', 'opensc-tool'])) return;
      await slots.hold();
      const w = await startWallet(profile, port);
      try {
        assert.equal(w.ready.reader, reader);
        assert.equal(w.ready.profile, profile);
        assert.ok(Number(w.ready.credentialsLeft) >= 10);
        // 1. The POS terminal, through PC/SC.
        const tr = await connectWhenPresent(reader, 10_000);
        let outcome: Outcome;
        try {
          outcome = await runTransaction(tr, { amount: 1000 });
        } finally {
          await tr.close();
        }
        assert.equal(outcome.type, 'ONLINE_REQUEST', JSON.stringify(outcome.reason));
        assert.equal(outcome.kernel, profile === 'V' ? 3 : 2);
        const v = verifyWithDocumentedKeys(outcome);
        assert.ok(v.acValid, 'ARQC verifies under the test issuer IMK_AC');
        assert.ok(v.valid, 'every cryptogram of the profile verifies');
        // 2. An independent reader.
        const pdolData = `20804000${'000000001000'}${'000000000000'}0250${'0000000000'}0978261128${'00'}01020304`;
        const apdus = [
          '00A404000E325041592E5359532E444446303100',
          profile === 'V' ? '00A4040007A000000003101000' : '00A4040007A000000004101000',
          profile === 'V' ? `80A80000238321${pdolData}00` : '80A8000002830000',
        ];
        const { stdout } = await run('opensc-tool', ['-r', reader, ...apdus.flatMap((a) => ['-s', a])], {
          timeout: 20_000,
        });
        t.diagnostic(stdout);
        const sws = openscStatusWords(stdout);
        assert.equal(sws.length, 3, stdout);
        for (const sw of sws) assert.equal(sw, '9000', stdout);
        // The wallet reported its taps (the terminal's and, for V, opensc-tool's GPO).
        await new Promise((r) => setTimeout(r, 200));
        assert.ok(w.lines.some((l) => l.event === 'tap' && l.outcome === 'ARQC'));
      } finally {
        w.child.kill('SIGTERM');
        assert.equal(await w.exit, 0);
        assert.ok(w.lines.some((l) => l.event === 'stopped'));
      }
    });
  }
});
