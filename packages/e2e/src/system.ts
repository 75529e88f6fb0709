/**
 * Probes for the system components the e2e suites need (docs/testing.md "System components"):
 * pcscd with vsmartcard's vpcd readers and the quickack loopback route, pcsc-lite's client
 * library, opensc-tool. A suite that misses one skips with the SYSTEM tag; the system gate
 * (system-gate.ts) prints that loudly and fails the run under OPENVSE_REQUIRE_SYSTEM=1. Probes
 * never connect to the vpcd ports (vpcd would take the connection for a card): they read
 * /proc/net/tcp.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { SYSTEM_SKIP_TAG } from './system-gate.js';

/** A component an e2e suite may need. */
export type SystemNeed = 'pcscd' | 'vpcd' | 'quickack-route' | 'libpcsclite' | 'opensc-tool';

const HOW: Record<SystemNeed, string> = {
  pcscd: 'pcscd is not running (sudo scripts/pcsc-up.sh; package pcscd)',
  vpcd: 'vpcd is not listening on TCP 35963/35964 (package vsmartcard-vpcd, sudo scripts/pcsc-up.sh)',
  'quickack-route':
    'no quickack route for 127.0.0.2 (sudo ip route replace local 127.0.0.2/32 dev lo table local proto static scope host src 127.0.0.1 quickack 1, or sudo scripts/pcsc-up.sh)',
  libpcsclite: 'libpcsclite.so.1 not found (package libpcsclite1)',
  'opensc-tool': 'opensc-tool not found (package opensc)',
};

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
  } catch {
    return undefined;
  }
}

/** True when `tool` is on the PATH. */
export function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
}

/** True when something listens on TCP `port` (read from /proc, no connection made). */
export function listening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(hex) && cols[3] === '0A') return true;
    }
  }
  return false;
}

function present(need: SystemNeed): boolean {
  switch (need) {
    case 'pcscd':
      return (run('pidof', ['pcscd']) ?? '').trim().length > 0;
    case 'vpcd':
      return listening(35963) && listening(35964);
    case 'quickack-route':
      return /quickack 1/.test(run('ip', ['route', 'show', 'table', 'local', '127.0.0.2/32']) ?? '');
    case 'libpcsclite':
      return (
        [
          '/usr/lib/x86_64-linux-gnu/libpcsclite.so.1',
          '/usr/lib/aarch64-linux-gnu/libpcsclite.so.1',
          '/usr/lib/libpcsclite.so.1',
          '/lib/x86_64-linux-gnu/libpcsclite.so.1',
        ].some(existsSync) || /libpcsclite\.so\.1/.test(run('ldconfig', ['-p']) ?? '')
      );
    case 'opensc-tool':
      return hasTool('opensc-tool');
  }
}

/** What of `needs` is missing, each with how to get it. */
export function missingSystem(needs: readonly SystemNeed[]): string[] {
  return needs.filter((n) => !present(n)).map((n) => HOW[n]);
}

/**
 * True when the test may run. Otherwise skips `t` with a {@link SYSTEM_SKIP_TAG} reason naming what
 * is missing and how to get it; the system gate (system-gate.ts) prints it loudly and, under
 * OPENVSE_REQUIRE_SYSTEM=1, fails the run.
 */
export function needSystem(t: TestContext, needs: readonly SystemNeed[]): boolean {
  const missing = missingSystem(needs);
  if (missing.length === 0) return true;
  t.skip(`${SYSTEM_SKIP_TAG} ${missing.join('; ')}`);
  return false;
}

/**
 * The same for a whole suite: undefined when everything is there, else the skip reason to pass
 * as `describe(name, { skip })`.
 */
export function suiteSkip(needs: readonly SystemNeed[]): string | undefined {
  const missing = missingSystem(needs);
  return missing.length === 0 ? undefined : `${SYSTEM_SKIP_TAG} ${missing.join('; ')}`;
}
