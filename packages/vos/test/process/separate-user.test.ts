/**
 * L2 (docs/threat-model.md "Protection levels"): run as root, the launcher starts V-OS and the app
 * under two OS users (openvse-vos, openvse-app; created here when missing). V-OS then reports L2,
 * and native code running as the app's user — a small C program built here with gcc, standing
 * for a native library an attacker got into the app — can neither ptrace the V-OS process nor
 * open its /proc/<pid>/mem. The same program run as root does both (it works; the kernel is what
 * stops it). Needs root, useradd and gcc: without them the test skips with the SYSTEM tag, which
 * fails the run under OPENVSE_REQUIRE_SYSTEM=1.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { run, scratch, writeTa } from './launched.js';

const PROBE_C = `
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int pid = atoi(argv[1]);
  long r = ptrace(PTRACE_ATTACH, pid, 0, 0);
  int ptraceErr = r == 0 ? 0 : errno;
  /* The attach stops the tracee: wait for the stop before detaching, or the detach can come too
     early and leave V-OS stopped once the probe exits. */
  if (r == 0) {
    int st;
    waitpid(pid, &st, __WALL);
    ptrace(PTRACE_DETACH, pid, 0, 0);
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mem", pid);
  int fd = open(path, O_RDONLY);
  int memErr = fd >= 0 ? 0 : errno;
  if (fd >= 0) close(fd);
  printf("{\\"ptrace\\":%d,\\"mem\\":%d}\\n", ptraceErr, memErr);
  return 0;
}`;

/** The first folder above this checkout that other OS users cannot enter, if any. */
function closedAncestor(): string | undefined {
  for (let d = fileURLToPath(new URL('.', import.meta.url)); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return d;
    if (dirname(d) === d) return undefined;
  }
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function user(name: string): { uid: number; gid: number } {
  if (spawnSync('id', ['-u', name]).status !== 0)
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  return {
    uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' })),
  };
}

const missing = [
  process.getuid?.() === 0 ? '' : 'root (to run V-OS and the app as two OS users)',
  has('useradd') ? '' : 'useradd (package passwd)',
  has('gcc') ? '' : 'gcc (package gcc)',
  closedAncestor() === undefined
    ? ''
    : `a checkout the two OS users can reach (${closedAncestor()} is closed to other users: chmod o+x it)`,
].filter(Boolean);

describe('L2: V-OS under an OS user of its own', {
  skip: missing.length ? `SYSTEM: ${missing.join('; ')}` : undefined,
  timeout: 120_000,
}, () => {
  it('reports L2, and native code as the app user can neither ptrace V-OS nor read its memory', async () => {
    const users = { vos: user('openvse-vos'), app: user('openvse-app') };
    const files = scratch('vos-l2-files-');
    chmodSync(files, 0o755);
    const probeSrc = join(files, 'probe.c');
    const probe = join(files, 'probe');
    writeFileSync(probeSrc, PROBE_C);
    execFileSync('gcc', ['-O0', '-o', probe, probeSrc]);
    const dataDir = scratch('vos-l2-data-');
    const installed = await run(['install', writeTa(files)], { dataDir, readPaths: [files], users });
    assert.equal(installed.lines.at(-1)?.installed, '1.0.0', installed.stderr);
    const seen: Record<string, unknown> = {};
    const { lines, stderr } = await run(['hold'], { dataDir, users }, (o, l) => {
      if (o.marker !== 'connected') return;
      const pid = String(l.vosPid());
      const asApp = spawnSync(probe, [pid], { uid: users.app.uid, gid: users.app.gid, encoding: 'utf8' });
      seen.app = JSON.parse(asApp.stdout);
      seen.root = JSON.parse(spawnSync(probe, [pid], { encoding: 'utf8' }).stdout);
      l.app.stdin?.write('done\n');
    });
    const out = lines.at(-1)!;
    assert.equal(out.level, 'L2', stderr);
    assert.deepEqual(out.isolation, { mode: 'process', appConfined: true, separateUser: true });
    assert.deepEqual(seen.app, { ptrace: 1, mem: 13 }, 'EPERM and EACCES for the app user');
    assert.deepEqual(seen.root, { ptrace: 0, mem: 0 }, 'the probe works where the kernel allows it');
  });
});
