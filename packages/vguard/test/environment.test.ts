/**
 * The clean run, root, and the machine's own library baseline.
 *
 * A plain `node probe.js` must report nothing in the debug, hook, tamper, exposure and clock
 * classes. Environment-class threats are posture signals and MAY appear: on this machine (a
 * Firecracker microVM with /.dockerenv, tests run as root) the clean run reports exactly
 * CONTAINER (hints: dockerenv), RUNNING_AS_ROOT and VIRTUAL_MACHINE (cpuinfo hypervisor flag).
 * The test prints what it saw, so another machine's report is visible in the log.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  defaultLibraryAllowList,
  executableMappings,
  isAllowedLibrary,
  permissionReadFlags,
  processContext,
} from '../src/index.js';
import { blockingCodes, cleanEnv, codes, PROBE, runProbe } from './helpers/probe.js';
import { skipUnless } from './helpers/system.js';

describe('clean run and environment', () => {
  test('plain node probe.js: no debug/hook/tamper/exposure/clock threat; report is well formed', () => {
    const r = runProbe();
    console.log(`# clean run on this machine reports: ${codes(r).join(', ') || '(nothing)'}`);
    assert.deepEqual(blockingCodes(r), [], JSON.stringify(r.report, null, 2));
    assert.equal(r.report.clean, true);
    assert.equal(r.verdict.clean, true);
    assert.ok(r.report.threats.every((t) => t.class === 'environment' && t.severity === 'low'));
    assert.deepEqual(Object.keys(r.report), [
      'scanId',
      'reason',
      'startedAt',
      'durationMs',
      'threats',
      'clean',
    ]);
    for (const t of r.report.threats) {
      assert.deepEqual(Object.keys(t), ['class', 'code', 'severity', 'evidence', 'detectedAt']);
    }
    assert.equal(r.report.reason, 'start');
    assert.match(r.report.scanId, /^vg-[0-9a-f]{8}-1$/);
  });

  test('the default library allow-list covers what a clean `node -e` maps on this machine', (t) => {
    if (!skipUnless(t, process.platform === 'linux', 'needs Linux /proc/self/maps')) return;
    const script =
      "const m = require('node:fs').readFileSync('/proc/self/maps', 'utf8').split('\\n');" +
      "console.log(JSON.stringify([...new Set(m.filter((l) => (l.split(/\\s+/)[1] || '').includes('x'))" +
      ".map((l) => l.split(/\\s+/).slice(5).join(' ')).filter((p) => p.startsWith('/')))]))";
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: cleanEnv() });
    const baseline = JSON.parse(r.stdout) as string[];
    console.log(`# baseline executable mappings of a clean node -e: ${baseline.join(' ')}`);
    assert.ok(baseline.length >= 2, r.stdout);
    const ctx = processContext();
    const allow = defaultLibraryAllowList(ctx);
    const exe = [process.execPath, ctx.readlink('/proc/self/exe') ?? process.execPath];
    const missing = baseline.filter((p) => !isAllowedLibrary(p, allow, exe));
    assert.deepEqual(missing, [], 'the default allow-list must not flag a clean node');
    // And this test process itself (node --test, workers, crypto) maps nothing unexpected either.
    const own = [...(executableMappings(ctx)?.keys() ?? [])].filter((p) => !isAllowedLibrary(p, allow, exe));
    assert.deepEqual(own, []);
  });

  test('RUNNING_AS_ROOT: reported as root, gone after dropping to uid 65534', (t) => {
    const isRoot = process.getuid?.() === 0;
    if (!skipUnless(t, isRoot, 'not running as root, cannot start a root child and drop its uid')) return;
    const asRoot = runProbe();
    const root = asRoot.report.threats.find((x) => x.code === 'RUNNING_AS_ROOT');
    assert.ok(root);
    assert.equal(root.severity, 'low');
    assert.equal(root.class, 'environment');
    assert.equal(root.evidence.uid, 0);
    const dropped = runProbe({ args: ['--drop-uid', '65534'] });
    assert.ok(!codes(dropped).includes('RUNNING_AS_ROOT'), JSON.stringify(dropped.report));
    assert.deepEqual(blockingCodes(dropped), []);
  });

  test("under the permission model with V-Guard's read list: clean run clean, /proc detectors still fire", (t) => {
    if (!skipUnless(t, process.platform === 'linux', 'needs Linux /proc')) return;
    // The probe and the package live under packages/vguard/dist. V-Guard's one dependency,
    // @openvse/protocol, is read through the workspace's node_modules link and from its own
    // directory (packages/protocol), as an app would allow its node_modules.
    const pkg = `${dirname(dirname(dirname(PROBE)))}/`;
    const protocolDir = dirname(dirname(dirname(fileURLToPath(import.meta.resolve('@openvse/protocol')))));
    const protocolLink = join(dirname(dirname(protocolDir)), 'node_modules', '@openvse', 'protocol');
    const deps = [protocolLink, `${protocolDir}/`];
    // Node 23+ names the permission model `--permission` (Node 20 only knows the experimental flag).
    const permissionFlag = process.allowedNodeEnvironmentFlags.has('--permission')
      ? '--permission'
      : '--experimental-permission';
    const flags = [permissionFlag, '--no-warnings', ...permissionReadFlags([pkg, ...deps])];
    const clean = runProbe({ flags });
    assert.deepEqual(blockingCodes(clean), [], JSON.stringify(clean.report));
    const core = runProbe({ flags, shellPrefix: 'ulimit -c unlimited' });
    assert.ok(codes(core).includes('CORE_DUMP_ENABLED'), JSON.stringify(core.report));
    const snap = runProbe({ flags: [...flags, '--heapsnapshot-signal=SIGUSR2'] });
    assert.ok(codes(snap).includes('HEAP_SNAPSHOT_EXPOSED'));
    assert.ok(!codes(snap).includes('DETECTOR_FAILED'));
  });
});
