/**
 * One error style and exit-code convention for every `openvse` sub-command (docs/cli.md;
 * src/cli-error.ts): each sub-command this file covers is fed bad input — an unknown option, a
 * missing file, a garbage file or argument — and must exit with the documented code and say so on
 * stderr in one line `openvse <command>: ERR_…: <message>`, optionally followed by one
 * `  hint: …` line, never a stack trace. Commander's own usage errors (unknown option, missing
 * argument or option, a bad choice) take the same shape and exit 2. No case here starts anything
 * long-running: every invocation is refused before it would.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

type Run = { status: number | null; stdout: string; stderr: string };

function cli(cwd: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The convention's stderr: one `openvse <command>: ERR_…:` line, an optional hint, no stack. */
function assertReported(r: Run, command: string, code: RegExp, status: number, what: string): void {
  const where = `${what}\nexit ${r.status}\n${r.stderr}`;
  assert.equal(r.status, status, where);
  const lines = r.stderr.trimEnd().split('\n');
  const last = lines.findIndex((l) => l.startsWith(`openvse${command ? ` ${command}` : ''}: `));
  assert.ok(last >= 0, where);
  // Only commander's help (for a missing sub-command) may come before the error line.
  if (last > 0) assert.match(lines[0]!, /^Usage: openvse/, where);
  const [line = '', ...rest] = lines.slice(last);
  const prefix = `openvse${command ? ` ${command}` : ''}: `;
  assert.ok(line.startsWith(prefix), where);
  const body = line.slice(prefix.length);
  assert.match(body, /^ERR_[A-Z0-9_]+: \S/, where);
  assert.match(body.split(':')[0]!, code, where);
  assert.ok(rest.length === 0 || (rest.length === 1 && rest[0]!.startsWith('  hint: ')), where);
  assert.doesNotMatch(r.stderr, /\n\s+at |Error: .*\n.*node:internal/, where);
}

/** [what, args, command words, code, exit status] */
type Case = [string, string[], string, RegExp, number];

describe('one error style and exit-code convention (docs/cli.md)', () => {
  let dir = '';
  const cases: Case[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openvse-cli-errors-'));
    writeFileSync(join(dir, 'garbage.bin'), 'this is not what it should be {');
    writeFileSync(join(dir, 'm.json'), '{}');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const g = 'garbage.bin';
  const none = 'missing.file';
  const ta = ['ta', 'pack', '--manifest', 'm.json', '--code', 'c.js', '--key', 'k.pem', '--out', 'o.ovta'];
  cases.push(
    // the program itself
    ['an unknown command', ['nosuch'], '', /^ERR_UNKNOWN_COMMAND$/, 2],
    ['no sub-command', ['ta'], 'ta', /^ERR_MISSING_COMMAND$/, 2],
    // ta
    ['ta pack: unknown option', [...ta, '--bogus'], 'ta pack', /^ERR_UNKNOWN_OPTION$/, 2],
    ['ta pack: missing option', ['ta', 'pack', '--manifest', 'm.json'], 'ta pack', /^ERR_MISSING_OPTION$/, 2],
    ['ta pack: missing file', ta, 'ta pack', /^ERR_FILE_UNREADABLE$/, 2],
    [
      'ta pack: garbage manifest',
      ['ta', 'pack', '--manifest', g, '--code', g, '--key', g, '--out', 'o.ovta'],
      'ta pack',
      /^ERR_FILE_MALFORMED$/,
      2,
    ],
    [
      'ta verify: missing file',
      ['ta', 'verify', '--bundle', none, '--pub', none],
      'ta verify',
      /^ERR_FILE_UNREADABLE$/,
      2,
    ],
    [
      'ta verify: garbage key',
      ['ta', 'verify', '--bundle', g, '--pub', g],
      'ta verify',
      /^ERR_TA_BAD_INPUT$/,
      2,
    ],
    [
      'ta keygen: unknown option',
      ['ta', 'keygen', '--out', 'k', '--bogus'],
      'ta keygen',
      /^ERR_UNKNOWN_OPTION$/,
      2,
    ],
    // guard
    [
      'guard verify: unknown option',
      ['guard', 'verify', '--dir', '.', '--manifest', g, '--pub', g, '--x'],
      'guard verify',
      /^ERR_UNKNOWN_OPTION$/,
      2,
    ],
    [
      'guard verify: missing file',
      ['guard', 'verify', '--dir', '.', '--manifest', none, '--pub', g],
      'guard verify',
      /^ERR_FILE_UNREADABLE$/,
      2,
    ],
    [
      'guard verify: garbage manifest',
      ['guard', 'verify', '--dir', '.', '--manifest', g, '--pub', g],
      'guard verify',
      /^ERR_FILE_MALFORMED$/,
      2,
    ],
    [
      'guard manifest: missing key',
      ['guard', 'manifest', '--dir', '.', '--key', none, '--out', 'x.json'],
      'guard manifest',
      /^ERR_FILE_UNREADABLE$/,
      2,
    ],
    [
      'guard scan: options that go together',
      ['guard', 'scan', '--dir', '.'],
      'guard scan',
      /^ERR_GUARD_REFUSED$/,
      2,
    ],
    [
      'guard scan: garbage manifest',
      ['guard', 'scan', '--dir', '.', '--manifest', g, '--pub', g],
      'guard scan',
      /^ERR_FILE_MALFORMED$/,
      2,
    ],
    // conformance
    ['conformance: unknown option', ['conformance', g, '--bogus'], 'conformance', /^ERR_UNKNOWN_OPTION$/, 2],
    ['conformance: missing argument', ['conformance'], 'conformance', /^ERR_MISSING_ARGUMENT$/, 2],
    ['conformance: missing file', ['conformance', none], 'conformance', /^ERR_FILE_UNREADABLE$/, 2],
    ['conformance: garbage file', ['conformance', g], 'conformance', /^ERR_FILE_MALFORMED$/, 2],
    // run
    [
      'run: unknown option',
      ['run', '--data-dir', '.', '--bogus', '--', 'app.js'],
      'run',
      /^ERR_UNKNOWN_OPTION$/,
      2,
    ],
    [
      'run: missing argument',
      ['run', '--data-dir', '.', '--pin-ta-key', g],
      'run',
      /^ERR_MISSING_ARGUMENT$/,
      2,
    ],
    [
      'run: missing file',
      ['run', '--data-dir', '.', '--pin-ta-key', none, '--', 'app.js'],
      'run',
      /^ERR_FILE_UNREADABLE$/,
      2,
    ],
    // wallet
    ['wallet pcsc: unknown option', ['wallet', 'pcsc', '--bogus'], 'wallet pcsc', /^ERR_UNKNOWN_OPTION$/, 2],
    ['wallet pcsc: no --test-card', ['wallet', 'pcsc'], 'wallet pcsc', /^ERR_MISSING_OPTION$/, 2],
    [
      'wallet pcsc: a bad choice',
      ['wallet', 'pcsc', '--test-card', 'X'],
      'wallet pcsc',
      /^ERR_INVALID_ARGUMENT$/,
      2,
    ],
    [
      'wallet pcsc: a bad port',
      ['wallet', 'pcsc', '--test-card', 'V', '--reader-port', '99999'],
      'wallet pcsc',
      /^ERR_INVALID_ARGUMENT$/,
      2,
    ],
    [
      'wallet pcsc: missing token file',
      ['wallet', 'pcsc', '--test-card', 'V', '--server', 'http://127.0.0.1:9', '--token', none],
      'wallet pcsc',
      /^ERR_FILE_UNREADABLE$/,
      2,
    ],
    [
      'wallet pcsc: garbage token file',
      ['wallet', 'pcsc', '--test-card', 'V', '--server', 'http://127.0.0.1:9', '--token', g],
      'wallet pcsc',
      /^ERR_FILE_MALFORMED$/,
      2,
    ],
    // terminal
    [
      'terminal tap: unknown option',
      ['terminal', 'tap', '--bogus'],
      'terminal tap',
      /^ERR_UNKNOWN_OPTION$/,
      2,
    ],
    [
      'terminal tap: garbage amount',
      ['terminal', 'tap', '--amount', '12.345'],
      'terminal tap',
      /^ERR_INVALID_ARGUMENT$/,
      2,
    ],
    [
      'terminal tap: garbage currency',
      ['terminal', 'tap', '--currency', 'XYZ'],
      'terminal tap',
      /^ERR_INVALID_ARGUMENT$/,
      2,
    ],
    [
      'terminal tap: missing token file',
      ['terminal', 'tap', '--server', 'http://127.0.0.1:9', '--token', none],
      'terminal tap',
      /^ERR_FILE_UNREADABLE$/,
      2,
    ],
    [
      'terminal tap: garbage server',
      ['terminal', 'tap', '--server', 'ftp://x', '--token', g],
      'terminal tap',
      /^ERR_INVALID_ARGUMENT$/,
      2,
    ],
  );

  it('every covered sub-command refuses bad input with its exit code and one ERR_ line', async () => {
    const results: Array<[Case, Run]> = [];
    // A few at a time: each is a Node start.
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4);
      const runs = await Promise.all(batch.map((c) => cli(dir, c[1])));
      for (const [k, c] of batch.entries()) results.push([c, runs[k]!]);
    }
    for (const [[what, , command, code, status], r] of results)
      assertReported(r, command, code, status, what);
  });

  it('--help and --version are not errors (exit 0, nothing on stderr)', async () => {
    for (const args of [['--help'], ['--version'], ['ta', 'pack', '--help'], ['terminal', 'tap', '--help']]) {
      const r = await cli(dir, args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.ok(r.stdout.length > 0);
    }
  });

  it('a negative outcome exits 1 in the same style (guard verify with a tampered app, conformance with a failing vector)', async () => {
    const app = join(dir, 'app');
    const keys = join(dir, 'gkeys');
    rmSync(app, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(app);
    writeFileSync(join(app, 'index.js'), 'console.log(1);\n');
    assert.equal((await cli(dir, ['guard', 'keygen', '--out', keys])).status, 0);
    const m = await cli(dir, [
      'guard',
      'manifest',
      '--dir',
      app,
      '--key',
      join(keys, 'guard-signing.key.pem'),
      '--out',
      join(dir, 'gm.json'),
    ]);
    assert.equal(m.status, 0, m.stderr);
    writeFileSync(join(app, 'index.js'), 'console.log(2);\n');
    const v = await cli(dir, [
      'guard',
      'verify',
      '--dir',
      app,
      '--manifest',
      join(dir, 'gm.json'),
      '--pub',
      join(keys, 'guard-signing.pub.pem'),
    ]);
    assertReported(v, 'guard verify', /^ERR_GUARD_THREATS$/, 1, 'guard verify, tampered');
    writeFileSync(
      join(dir, 'vectors.json'),
      JSON.stringify({
        schema: 'emv-vectors/1',
        vectors: [{ id: 'mystery', category: 'amex_cvn_01', inputs: {}, expected: { ac: '00' } }],
      }),
    );
    const c = await cli(dir, ['conformance', 'vectors.json']);
    assertReported(c, 'conformance', /^ERR_VECTORS_FAILED$/, 1, 'conformance, failing vector');
    assert.match(c.stdout, /0 passed, 1 failed/);
  });
});
