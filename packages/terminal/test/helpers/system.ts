/**
 * Gate for tests that need system components (docs/pcsc.md §1): pcscd running, vpcd
 * listening on 35963/35964 (vsmartcard's virtual readers), the quickack loopback route for
 * 127.0.0.2, pcsc-lite's client library, opensc-tool. `scripts/pcsc-up.sh` (root) sets them up.
 *
 * Rule: when something is missing the test is skipped with a loud message naming what is
 * missing and how to get it, unless OPENVSE_REQUIRE_SYSTEM=1 (CI), in which case it fails.
 * Probes never connect to the vpcd ports (vpcd would take the connection for a card): they read
 * /proc/net/tcp.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';

export type SystemNeed = 'pcscd' | 'vpcd' | 'quickack-route' | 'libpcsclite' | 'opensc-tool';

const HOW: Record<SystemNeed, string> = {
  pcscd: 'pcscd is not running (sudo scripts/pcsc-up.sh; package pcscd)',
  vpcd: 'vpcd is not listening on TCP 35963/35964 (package vsmartcard-vpcd, /etc/reader.conf.d/vpcd, sudo scripts/pcsc-up.sh)',
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

function listening(port: number): boolean {
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
      return run('opensc-tool', ['--version']) !== undefined || run('which', ['opensc-tool']) !== undefined;
  }
}

/** What of `needs` is missing, with how to fix it. */
export function missingSystem(needs: readonly SystemNeed[]): string[] {
  return needs.filter((n) => !present(n)).map((n) => HOW[n]);
}

export const REQUIRE_SYSTEM = process.env.OPENVSE_REQUIRE_SYSTEM === '1';

/**
 * Returns true when the test may run. Otherwise skips it loudly (or, with
 * OPENVSE_REQUIRE_SYSTEM=1, throws so that it fails).
 */
export function needSystem(t: TestContext, needs: readonly SystemNeed[]): boolean {
  const missing = missingSystem(needs);
  if (missing.length === 0) return true;
  const msg = `system components missing for "${t.name}": ${missing.join('; ')}`;
  if (REQUIRE_SYSTEM) throw new Error(`${msg} (OPENVSE_REQUIRE_SYSTEM=1, so this fails instead of skipping)`);
  process.stderr.write(
    `\n!!!!! SKIPPED ${msg}\n!!!!! set OPENVSE_REQUIRE_SYSTEM=1 to make this a failure\n\n`,
  );
  t.skip(`SKIPPED: ${missing.join('; ')}`);
  return false;
}
