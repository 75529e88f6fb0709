/**
 * `openvse demo --serve`: after the story the demo's server and dashboard stay up; the demo
 * prints the dashboard URL and the operator sign-in made for this run; the dashboard answers and
 * the sign-in works; Ctrl-C (SIGINT) then ends it with the story's verdict, exit 0 (cli-error.ts:
 * 130 is for a story stopped before its end), the temporary folder removed. The text is laid out
 * in the default 100 columns (stdout is not a terminal), and Node's own "Debugger listening" lines
 * (chapter 9's inspector) stay on stderr, out of the story.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { MAIN } from './server-harness.js';

describe('openvse demo --serve', { timeout: 180_000 }, () => {
  test('serves the dashboard after the story until SIGINT, then exits 0', async () => {
    const child = spawn(process.execPath, [MAIN, 'demo', '--serve'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const serving = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`not serving within 120 s:\n${stdout}\n${stderr}`));
      }, 120_000);
      child.stdout.on('data', (d) => {
        stdout += String(d);
        const m = /dashboard +(http:\/\/127\.0\.0\.1:\d+\/dashboard)\n +sign in +(\S+) \/ (\S+) /.exec(
          stdout,
        );
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      });
      exit.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the demo exited (${code}) without serving:\n${stdout}\n${stderr}`));
      });
    });
    try {
      assert.match(stdout, /✔ \d+\/\d+ expected outcomes, 10\/10 chapters passed/);
      assert.match(stdout, /Serving until Ctrl-C/);
      const [, dashboard, username, password] = serving;
      const page = await fetch(dashboard!);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      const base = dashboard!.replace(/\/dashboard$/, '');
      const signIn = await fetch(`${base}/v1/operator/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base },
        body: JSON.stringify({ username, password }),
      });
      assert.equal(signIn.status, 200, 'the printed sign-in works');
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
      const overview = await fetch(`${base}/v1/dashboard/overview`, { headers: { cookie } });
      assert.equal(overview.status, 200);
      const o = (await overview.json()) as { devices: { compromised: number } };
      assert.equal(o.devices.compromised, 1, "chapter 9's device is on the dashboard");
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exit, 0, stderr);
    const dir = /temporary folder (\S+?)[,)]/.exec(stdout)?.[1];
    assert.ok(dir, 'the folder is named');
    assert.equal(existsSync(dir!), false, 'the temporary folder is removed');
    // 100 columns when stdout is not a terminal; Node's inspector lines only on stderr.
    for (const line of stdout.split('\n'))
      assert.ok([...line].length <= 100, `wider than 100 columns (${[...line].length}): ${line}`);
    assert.doesNotMatch(stdout, /Debugger listening/);
    assert.doesNotMatch(stderr, /ERR_/);
  });
});
