/**
 * `openvse demo`, run as `npm start` runs it: the built CLI spawned with `--json` (the summary
 * only, as JSON, on stdout). Every chapter must pass, the summary must list all ten, the exit
 * code must be 0, and the temporary folder must be gone. Then the text output once more with
 * `--quiet --keep` in 80 columns: the summary table fits them, the folder is kept with the
 * database and its KEK (0600), and the `openvse server …` command it prints opens that database
 * again (the demo's cards are listed). `--serve`: demo-serve.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MAIN, startServerProcess } from './server-harness.js';

interface Summary {
  ok: boolean;
  durationMs: number;
  dir: string;
  kept: boolean;
  serverUrl: string | null;
  chapters: { n: number; title: string; ok: boolean; outcomes: number }[];
  outcomes: { chapter: number; step: string; expected: string; got: string; ok: boolean }[];
}

function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'demo', ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`openvse demo did not finish within 120 s\n${stdout}\n${stderr}`));
    }, 120_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const TITLES = [
  /server.*issuer keys/i,
  /digitize/i,
  /enroll/i,
  /provision/i,
  /pay/i,
  /LUK/,
  /suspend/i,
  /delete/i,
  /inspector/i,
  /own OS process/i,
];

describe('openvse demo', { timeout: 300_000 }, () => {
  test('--json: every chapter passes, exit 0, the temporary folder removed', async () => {
    const t0 = Date.now();
    const r = await run(['--json']);
    let s: Summary;
    try {
      s = JSON.parse(r.stdout) as Summary;
    } catch {
      assert.fail(`stdout is not the JSON summary:\n${r.stdout}\n${r.stderr}`);
    }
    const failed = s.outcomes.filter((o) => !o.ok);
    assert.deepEqual(failed, [], `failed outcomes:\n${JSON.stringify(failed, null, 2)}\n${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(s.ok, true);
    assert.deepEqual(
      s.chapters.map((c) => c.n),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    s.chapters.forEach((c, i) => {
      assert.match(c.title, TITLES[i]!);
      assert.equal(c.ok, true, c.title);
      assert.ok(c.outcomes >= 1, `${c.title}: no recorded outcome`);
    });
    // The outcomes the issue names are all there.
    const got = (chapter: number, step: RegExp) =>
      s.outcomes.find((o) => o.chapter === chapter && step.test(o.step));
    assert.match(got(1, /issuer keys/)!.got, /IMK_AC KCV [0-9A-F]{6}, IMK_MD KCV [0-9A-F]{6}/);
    assert.match(got(5, /profile V/)!.got, /3\/3 approved/);
    assert.match(got(5, /profile M/)!.got, /3\/3 approved/);
    assert.match(got(6, /past the threshold/)!.got, /AAC LUK_MAX_TRANSACTIONS/);
    assert.match(got(6, /replenishes/)!.got, /new LUK/);
    assert.match(got(7, /while suspended/)!.got, /AAC CARD_SUSPENDED/);
    assert.match(got(8, /wiped/)!.got, /no longer lists it/);
    assert.match(got(9, /authorization/)!.got, /DECLINE DEVICE_COMPROMISED/);
    assert.match(got(9, /blocks/)!.got, /AAC PAYMENTS_BLOCKED/);
    assert.match(got(9, /dashboard/)!.got, /DEVICE_COMPROMISED/);
    // The level V-OS reached in its own process, and the signed attestation that says so.
    assert.match(
      got(10, /level measured/)!.got,
      /^L1 \(mode process, app confined true.*attestation verified: L1$/,
    );
    assert.match(
      got(10, /tries V-OS/)!.got,
      /worker ERR_ACCESS_DENIED, childProcess ERR_ACCESS_DENIED, vosMemory ERR_ACCESS_DENIED/,
    );
    assert.match(s.serverUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(s.kept, false);
    assert.equal(existsSync(s.dir), false, 'the temporary folder is removed');
    // No public test issuer key and no full token PAN in what the demo prints.
    assert.doesNotMatch(r.stdout, /0123456789ABCDEFFEDCBA9876543210|FEDCBA98765432100123456789ABCDEF/i);
    assert.doesNotMatch(r.stdout, /\b(489537|535580)\d{10}\b/);
    assert.ok(Date.now() - t0 < 60_000, `the demo took ${Date.now() - t0} ms`);
  });

  test('--quiet --keep in 80 columns: the summary table fits, the folder and its KEK kept, the printed command reopens the database', async () => {
    const r = await run(['--quiet', '--keep'], { COLUMNS: '80' });
    const m = /files kept in\s+(\S+)/.exec(r.stdout);
    try {
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /^\nSummary\n/);
      assert.match(r.stdout, /✔ \d+\/\d+ expected outcomes, 10\/10 chapters passed/);
      assert.doesNotMatch(r.stdout, /✖/);
      for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) assert.match(r.stdout, new RegExp(`│ ${n} `));
      for (const line of r.stdout.split('\n'))
        assert.ok([...line].length <= 80, `wider than 80 columns (${[...line].length}): ${line}`);
      assert.ok(m, 'the kept folder is named');
      const dir = m![1]!;
      assert.ok(existsSync(join(dir, 'openvse.db')), 'the server database is kept');
      assert.equal(statSync(join(dir, 'kek')).mode & 0o777, 0o600, 'and its KEK, 0600');
      assert.match(readFileSync(join(dir, 'kek'), 'utf8'), /^[0-9a-f]{64}\n$/);
      assert.ok(!r.stdout.includes(readFileSync(join(dir, 'kek'), 'utf8').trim()), 'the KEK is not printed');

      // The printed command, its continuation lines joined, run as printed (on an ephemeral port).
      const at = r.stdout.indexOf('To open the kept database again');
      assert.ok(at > 0, 'the command is printed');
      const start = r.stdout.indexOf('\n  openvse server ', at);
      assert.ok(start > 0, 'the command is printed');
      const command = r.stdout
        .slice(start + 1)
        .replace(/ \\\n\s*/g, ' ')
        .split('\n')[0]!
        .trim();
      const words = command.split(/\s+/);
      assert.deepEqual(words.slice(0, 2), ['openvse', 'server'], command);
      assert.ok(words.includes('--data-dir') && words[words.indexOf('--data-dir') + 1] === dir, command);
      const s = await startServerProcess(words.slice(2));
      try {
        assert.ok(
          s.lines.some((l) => l.includes(`sqlite:${join(dir, 'openvse.db')}`)),
          "it opens the demo's database",
        );
        const viewer = readFileSync(join(dir, 'credentials', 'tokens', 'operator-viewer.jwt'), 'utf8').trim();
        const res = await fetch(`${s.address}/v1/dashboard/cards`, {
          headers: { authorization: `Bearer ${viewer}` },
        });
        assert.equal(res.status, 200);
        const cards = ((await res.json()) as { cards: { profile: string; status: string }[] }).cards;
        assert.deepEqual(cards.map((c) => `${c.profile} ${c.status}`).sort(), ['M DELETED', 'V ACTIVE']);
      } finally {
        assert.equal(await s.stop(), 0);
      }
    } finally {
      if (m) rmSync(m[1]!, { recursive: true, force: true });
    }
  });
});
