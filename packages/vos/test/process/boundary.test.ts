/**
 * The process boundary (docs/process-boundary.md; docs/threat-model.md "Protection levels"),
 * tried the way an attacker with code in the app would, each test failing if the claim is false:
 *  - an app under the launcher is confined and V-OS reports (and attests) L1;
 *  - from the app's JavaScript, a Worker, a child process (so gdb), an inspector session, and
 *    /proc/<V-OS pid>/maps and /mem are all refused;
 *  - the app lying about itself (process.permission, process.dlopen patched before it connects)
 *    changes no reported level, and an app started with grants is L0 although it lies;
 *  - an app without the permission model, or with --allow-worker, is L0;
 *  - a blocked app event loop restarts nothing;
 *  - SIGKILL of V-OS mid-command: a typed error (TEE_ERROR_TARGET_DEAD), then the next command
 *    works on the V-OS the launcher restarted; the same when a TA blocks V-OS past its deadline
 *    (the watchdog thread ends it);
 *  - malformed frames get error answers and V-OS goes on;
 *  - no third process can connect: the channel is an anonymous socket pair, bound to no address.
 */
import assert from 'node:assert/strict';
import { openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { TeeResult } from '@openvse/protocol';
import { run, scratch, writeTa } from './launched.js';

const dataDir = scratch('vos-proc-data-');
const files = scratch('vos-proc-files-');

function payloadOf(jws: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe('V-OS in its own process', { timeout: 240_000 }, () => {
  before(async () => {
    const r = await run(['install', writeTa(files)], { dataDir, readPaths: [files] });
    assert.equal(r.lines.at(-1)?.installed, '1.0.0', r.stderr);
  });

  it('the launched app is confined: V-OS reports and attests L1', async () => {
    const { lines, stderr } = await run(['status'], { dataDir });
    const out = lines.at(-1)!;
    assert.equal(out.level, 'L1', stderr);
    assert.deepEqual(out.isolation, { mode: 'process', appConfined: true, separateUser: false });
    const claims = payloadOf(out.attestation as string);
    assert.equal(claims.protectionLevel, 'L1');
    assert.deepEqual(claims.isolation, { mode: 'process', appConfined: true, separateUser: false });
  });

  it('from the app: Worker, child process, gdb, inspector, /proc/<V-OS>/maps and mem are refused', async () => {
    const { lines, stderr } = await run(['escape', '-'], { dataDir });
    const out = lines.at(-1)!;
    assert.equal(out.level, 'L1', stderr);
    for (const k of ['worker', 'child', 'gdb', 'inspector', 'inspectorOpen', 'maps', 'mem', 'selfMem'])
      assert.equal(out[k], 'ERR_ACCESS_DENIED', `${k}: ${String(out[k])}`);
  });

  it('an app that patches process.* before connecting is still measured: confined → L1', async () => {
    const { lines } = await run(['patch', '-'], { dataDir });
    assert.equal(lines.at(-1)?.level, 'L1');
    assert.equal(lines.at(-1)?.child, 'ERR_ACCESS_DENIED');
  });

  it('an app started with --allow-child-process --allow-addons is L0 however it patches itself', async () => {
    const { lines } = await run(['patch', '-'], {
      dataDir,
      nodeOptions: ['--no-warnings', '--allow-child-process', '--allow-addons'],
    });
    const out = lines.at(-1)!;
    assert.equal(out.child, 'allowed', 'the grant is real: a child process reads the V-OS memory map');
    assert.equal(out.level, 'L0');
    assert.equal(payloadOf(out.attestation as string).protectionLevel, 'L0');
  });

  it('an app without the permission model, or with --allow-worker, is L0', async () => {
    const plain = await run(['status'], { dataDir, confine: false });
    assert.equal(plain.lines.at(-1)?.level, 'L0');
    const worker = await run(['status'], { dataDir, nodeOptions: ['--no-warnings', '--allow-worker'] });
    assert.equal(worker.lines.at(-1)?.level, 'L0');
  });

  it('a blocked app event loop restarts nothing (the watchdog is not in the app)', async () => {
    const { lines, stderr } = await run(['block', '4000'], { dataDir });
    assert.deepEqual(lines.at(-1)?.results, [0, 0, 0], stderr);
  });

  it('SIGKILL of V-OS mid-command: TEE_ERROR_TARGET_DEAD, then the next command works', async () => {
    const { lines, vosStarts, stderr } = await run(['kill', '800'], { dataDir }, (o, l) => {
      if (o.marker === 'busy') setTimeout(() => process.kill(l.vosPid()!, 'SIGKILL'), 100);
    });
    const out = lines.at(-1)!;
    assert.equal(out.during, TeeResult.ERROR_TARGET_DEAD, stderr);
    assert.equal(out.sameSession, TeeResult.ERROR_TARGET_DEAD);
    assert.equal(out.after, TeeResult.SUCCESS);
    assert.equal(out.afterValue, 42);
    assert.equal(vosStarts, 2);
  });

  it('a TA stuck in synchronous code past its deadline: V-OS is ended and restarted, the next command works', async () => {
    // The secure world runs on the V-OS process's main thread: a TA busy for 6 s (deadline 1.5 s)
    // blocks it, and only the watchdog thread (service/watchdog.ts) can end it.
    const t0 = Date.now();
    const { lines, vosStarts, stderr } = await run(['kill', '6000'], { dataDir });
    const out = lines.at(-1)!;
    assert.equal(out.during, TeeResult.ERROR_TARGET_DEAD, stderr);
    assert.equal(out.after, TeeResult.SUCCESS);
    assert.equal(out.afterValue, 42);
    assert.equal(vosStarts, 2);
    assert.ok(Date.now() - t0 < 5500, `ended after ${Date.now() - t0} ms, not after the TA's 6 s`);
  });

  it('malformed frames are answered TEE_ERROR_BAD_PARAMETERS and V-OS goes on', async () => {
    const { lines, stderr } = await run(['garbage'], { dataDir });
    const out = lines.at(-1)!;
    assert.equal(out.answered, 12, stderr);
    assert.deepEqual(out.codes, Array(11).fill(TeeResult.ERROR_BAD_PARAMETERS));
    assert.equal(out.statusAfter, TeeResult.SUCCESS);
    assert.equal(out.levelAfter, 'L1', 'an app cannot send its own isolation evidence');
  });

  it('no third process can connect: the channel is bound to no address', async () => {
    let checked = false;
    await run(['hold'], { dataDir }, (o, l) => {
      if (o.marker !== 'connected') return;
      const pid = l.vosPid()!;
      const bound = new Set(
        readFileSync('/proc/net/unix', 'utf8')
          .split('\n')
          .slice(1)
          .map((line) => line.trim().split(/\s+/))
          .filter((cols) => cols.length >= 8)
          .map((cols) => cols[6]!),
      );
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (!m) continue;
        assert.ok(!bound.has(m[1]!), `V-OS fd ${fd} is a socket bound to an address`);
        // Even root cannot open another process's socket through /proc.
        assert.throws(() => openSync(`/proc/${pid}/fd/${fd}`, 'r+'), { code: 'ENXIO' });
        checked = true;
      }
      l.app.stdin?.write('done\n');
    });
    assert.ok(checked, 'the V-OS process had its channel socket');
  });
});
