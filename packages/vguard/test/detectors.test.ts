/**
 * Detector logic against injected contexts: inputs a child process on this machine cannot produce
 * (another machine's /proc, DMI strings, a pipe core_pattern, a tracer pid that is not ours…).
 * The real-process behaviour of each detector is covered by the probe tests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isExactNative } from '../src/detectors/builtins.js';
import {
  checkClock,
  cleanRealmSources,
  containerDetector,
  coreDumpDetector,
  type Detector,
  type DetectorContext,
  defaultLibraryAllowList,
  inspectorDetector,
  installSignalGuard,
  isAllowedLibrary,
  nativeLibrariesDetector,
  nodeOptionsDetector,
  PRIMORDIALS,
  parseFlags,
  preloadDetector,
  processContext,
  rootDetector,
  signalGuardDetector,
  splitNodeOptions,
  type Threat,
  tracerDetector,
  virtualMachineDetector,
} from '../src/index.js';
import { cleanEnv } from './helpers/probe.js';
import { requireTool } from './helpers/system.js';

/** Runs a synchronous detector and returns its threats. */
function run(d: Detector, ctx: DetectorContext): Threat[] {
  const out = d.detect(ctx);
  assert.ok(Array.isArray(out), `${d.id} is synchronous`);
  return out;
}

function fake(files: Record<string, string>, over: Partial<DetectorContext> = {}): DetectorContext {
  return processContext({
    readFile: (p) => files[p],
    exists: (p) => p in files,
    readdir: () => [],
    readlink: () => undefined,
    env: {},
    execArgv: [],
    platform: 'linux',
    inspectorUrl: () => undefined,
    preloadModules: () => [],
    getuid: () => 1000,
    geteuid: () => 1000,
    ...over,
  });
}

describe('flags', () => {
  test('NODE_OPTIONS is split like Node splits it; names normalised; values attached', () => {
    assert.deepEqual(splitNodeOptions(' --require "./a b.js"  --inspect=0 -r x "q\\"z" '), [
      '--require',
      './a b.js',
      '--inspect=0',
      '-r',
      'x',
      'q"z',
    ]);
    assert.deepEqual(
      parseFlags(
        ['--inspect_brk=9', '--require', 'a', '-rb', '--import=c', '--max-old-space-size=64'],
        'execArgv',
      ),
      [
        { source: 'execArgv', name: '--inspect-brk', value: '9' },
        { source: 'execArgv', name: '--require', value: 'a' },
        { source: 'execArgv', name: '-r', value: 'b' },
        { source: 'execArgv', name: '--import', value: 'c' },
        { source: 'execArgv', name: '--max-old-space-size', value: '64' },
      ],
    );
  });

  test('NODE_OPTIONS with only harmless flags is not an injection; values never reach evidence', () => {
    const quiet = run(nodeOptionsDetector, fake({}, { env: { NODE_OPTIONS: '--max-old-space-size=4096' } }));
    assert.deepEqual(quiet, []);
    const loud = run(
      nodeOptionsDetector,
      fake({}, { env: { NODE_OPTIONS: '--import /secret/path/x.mjs --inspect' } }),
    );
    assert.deepEqual(loud[0]?.evidence, { flags: '--import,--inspect', count: 2 });
    const pre = run(preloadDetector, fake({}, { env: { NODE_OPTIONS: '--import /secret/path/x.mjs' } }));
    assert.ok(!JSON.stringify(pre).includes('secret'));
  });

  test('_preload_modules alone (flags scrubbed) still reports PRELOAD_REQUIRE', () => {
    const t = run(preloadDetector, fake({}, { preloadModules: () => ['./hidden.js'] }));
    assert.deepEqual(
      t.map((x) => [x.code, x.evidence]),
      [['PRELOAD_REQUIRE', { execArgv: 0, nodeOptions: 0, preloadModules: 1 }]],
    );
  });
});

describe('detectors on injected /proc and /sys', () => {
  test('tracer: TracerPid ≠ 0 → DEBUGGER_ATTACHED with comm; 0 → nothing', () => {
    const status = (pid: number) => `Name:\tnode\nTracerPid:\t${pid}\nUid:\t0\n`;
    assert.deepEqual(run(tracerDetector, fake({ '/proc/self/status': status(0) })), []);
    const t = run(
      tracerDetector,
      fake({ '/proc/self/status': status(4242), '/proc/4242/comm': 'frida-server\n' }),
    );
    assert.deepEqual(
      t.map((x) => x.evidence),
      [{ tracerPid: 4242, tracerName: 'frida-server' }],
    );
  });

  test('inspector: a LISTEN socket on debugPort counts only when one of our fds holds it', () => {
    const tcp =
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
      '   0: 0100007F:2405 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0 20 0\n';
    const base = { '/proc/self/net/tcp': tcp };
    const notOurs = run(
      inspectorDetector,
      fake(base, { debugPort: () => 9221, readdir: () => ['3'], readlink: () => 'socket:[1]' }),
    );
    assert.deepEqual(notOurs, []);
    const ours = run(
      inspectorDetector,
      fake(base, { debugPort: () => 9221, readdir: () => ['3'], readlink: () => 'socket:[777]' }),
    );
    assert.deepEqual(
      ours.map((x) => x.evidence),
      [{ socket: true, port: 9221 }],
    );
    const url = run(inspectorDetector, fake({}, { inspectorUrl: () => 'ws://[::1]:9229/5f0c-secret-uuid' }));
    assert.deepEqual(
      url.map((x) => x.evidence),
      [{ url: true, host: '[::1]', port: 9229 }],
    );
  });

  test('container: cgroup, containerenv, pid namespace, env names', () => {
    assert.deepEqual(
      run(
        containerDetector,
        fake({ '/proc/1/cgroup': '0::/\n', '/proc/1/sched': 'systemd (1, #threads: 1)\n' }),
      ),
      [],
    );
    const t = run(
      containerDetector,
      fake(
        {
          '/run/.containerenv': '',
          '/proc/1/cgroup': '12:pids:/kubepods/besteffort/pod1/abc\n',
          '/proc/1/sched': 'bash (31337, #threads: 1)\n',
        },
        { env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } },
      ),
    );
    assert.deepEqual(
      t.map((x) => x.evidence),
      [{ hints: 'containerenv,cgroup:kubepods,pid-namespace,env:KUBERNETES_SERVICE_HOST' }],
    );
    assert.ok(!JSON.stringify(t).includes('10.0.0.1'));
  });

  test('virtual machine: cpuinfo flag and DMI vendor; bare metal → nothing', () => {
    const metal = {
      '/proc/cpuinfo': 'flags\t\t: fpu vme de pse tsc msr\n',
      '/sys/class/dmi/id/sys_vendor': 'Dell Inc.\n',
    };
    assert.deepEqual(run(virtualMachineDetector, fake(metal)), []);
    const vm = run(
      virtualMachineDetector,
      fake({
        '/proc/cpuinfo': 'flags\t\t: fpu vme hypervisor lahf_lm\n',
        '/sys/class/dmi/id/product_name': 'VMware Virtual Platform\n',
        '/sys/class/dmi/id/sys_vendor': 'QEMU\n',
      }),
    );
    assert.deepEqual(
      vm.map((x) => x.evidence),
      [{ hints: 'cpuinfo:hypervisor,dmi:vmware,dmi:qemu' }],
    );
  });

  test('core dumps: limit 0 + file pattern → nothing; limit 0 + pipe collector → reported', () => {
    const limits = (v: string) =>
      `Limit                     Soft Limit           Hard Limit           Units\nMax core file size        ${v}                    unlimited            bytes\n`;
    assert.deepEqual(
      run(
        coreDumpDetector,
        fake({ '/proc/self/limits': limits('0'), '/proc/sys/kernel/core_pattern': 'core\n' }),
      ),
      [],
    );
    const pipe = run(
      coreDumpDetector,
      fake({
        '/proc/self/limits': limits('0'),
        '/proc/sys/kernel/core_pattern': '|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h\n',
        '/proc/self/coredump_filter': '00000033\n',
      }),
    );
    assert.deepEqual(
      pipe.map((x) => x.evidence),
      [
        {
          coreLimit: '0',
          corePattern: 'pipe',
          collector: 'systemd-coredump',
          coredumpFilter: '00000033',
          anonymousMemory: true,
        },
      ],
    );
  });

  test('root: uid 0 → RUNNING_AS_ROOT (low, environment); uid 1000 → nothing', () => {
    assert.deepEqual(run(rootDetector, fake({})), []);
    const t = run(
      rootDetector,
      fake({ '/proc/self/status': 'CapEff:\t000001ffffffffff\n' }, { getuid: () => 0, geteuid: () => 0 }),
    );
    assert.deepEqual(
      t.map((x) => [x.class, x.severity, x.evidence]),
      [['environment', 'low', { uid: 0, euid: 0, capEff: '000001ffffffffff' }]],
    );
  });

  test('libraries: allow-list is by name AND system directory; deleted mappings flagged', () => {
    const ctx = fake({});
    const allow = defaultLibraryAllowList(ctx, ['/opt/app/addons/']);
    const exe = ['/usr/bin/node'];
    assert.ok(isAllowedLibrary('/usr/lib/x86_64-linux-gnu/libc.so.6', allow, exe));
    assert.ok(isAllowedLibrary('/lib64/ld-linux-x86-64.so.2', allow, exe));
    assert.ok(isAllowedLibrary('/opt/app/addons/pkcs11.node', allow, exe));
    assert.ok(!isAllowedLibrary('/tmp/libc.so.6', allow, exe), 'an allowed name outside a system dir');
    assert.ok(!isAllowedLibrary('/usr/lib/x86_64-linux-gnu/libfrida-gadget.so', allow, exe));
    assert.ok(
      !isAllowedLibrary('/usr/lib/x86_64-linux-gnu/libcrypto.so.3', allow, exe),
      'node links OpenSSL statically here',
    );
    const shared = defaultLibraryAllowList(
      fake({}, { buildVariables: () => ({ node_shared_openssl: true }) }),
    );
    assert.ok(isAllowedLibrary('/usr/lib/x86_64-linux-gnu/libcrypto.so.3', shared, exe));
    const debian = defaultLibraryAllowList(
      fake(
        {},
        {
          buildVariables: () => ({
            node_shared: true,
            node_shared_libuv: true,
            icu_gyp_path: 'tools/icu/icu-system.gyp',
          }),
        },
      ),
    );
    for (const lib of ['libnode.so.115', 'libuv.so.1', 'libicuuc.so.72', 'libicudata.so.72']) {
      assert.ok(isAllowedLibrary(`/usr/lib/x86_64-linux-gnu/${lib}`, debian, exe), lib);
      assert.ok(
        !isAllowedLibrary(`/usr/lib/x86_64-linux-gnu/${lib}`, allow, exe),
        `${lib} with a static node`,
      );
    }
    const maps =
      '7f00-7f10 r--p 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n' +
      '7f10-7f20 r-xp 00001000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n' +
      '7f20-7f30 r-xp 00001000 08:01 2 /dev/shm/.x/gum-js-loop.so (deleted)\n' +
      '7f30-7f40 r--p 00000000 08:01 3 /usr/lib/locale/C.utf8/LC_CTYPE\n' +
      '7f40-7f50 r-xp 00000000 00:00 0 \n';
    const t = run(
      nativeLibrariesDetector(),
      fake({ '/proc/self/maps': maps }, { execPath: '/usr/bin/node' }),
    );
    assert.deepEqual(
      t.map((x) => [x.code, x.evidence]),
      [
        [
          'UNEXPECTED_SHARED_OBJECT',
          { path: '/dev/shm/.x/gum-js-loop.so', name: 'gum-js-loop.so', deleted: true, knownTool: 'gum-js' },
        ],
      ],
    );
    const etc = run(nativeLibrariesDetector(), fake({ '/etc/ld.so.preload': '/lib/libevil.so\n' }));
    assert.deepEqual(
      etc.map((x) => [x.code, x.evidence]),
      [['LD_PRELOAD', { etcLdSoPreload: 1 }]],
    );
  });

  test('checkClock: within tolerance → nothing; outside → CLOCK_TAMPERED with signed skew', () => {
    assert.deepEqual(checkClock(1_000_000, 1_020_000, 30_000), []);
    const [t] = checkClock(1_000_000, 900_000, 30_000);
    assert.equal(t?.code, 'CLOCK_TAMPERED');
    assert.equal(t?.class, 'clock');
    assert.deepEqual(t?.evidence, {
      kind: 'server-skew',
      skewMs: -100_000,
      toleranceMs: 30_000,
      direction: 'behind',
    });
  });
});

describe('built-ins', () => {
  test('clean realm agrees with this (clean) process for every primordial; native ones are exact', async () => {
    const ref = await cleanRealmSources();
    assert.ok(ref, 'a Worker is allowed here');
    const fnToString = Function.prototype.toString;
    for (const p of PRIMORDIALS) {
      assert.equal(typeof p.value, 'function', p.spec.name);
      assert.equal(ref[p.spec.name], fnToString.call(p.value), p.spec.name);
      if (p.spec.native !== undefined)
        assert.equal(
          ref[p.spec.name],
          p.spec.native ? `function ${p.spec.native}() { [native code] }` : 'function () { [native code] }',
          p.spec.name,
        );
    }
  });

  test('native check: a Proxy or a bound copy of a V8 builtin is not "native" under its own name', () => {
    const src = (f: unknown) => Function.prototype.toString.call(f as () => void);
    assert.ok(isExactNative(src(JSON.parse), 'parse'));
    assert.ok(!isExactNative(src(new Proxy(JSON.parse, {})), 'parse'));
    assert.ok(!isExactNative(src(JSON.parse.bind(JSON)), 'parse'));
    // An unnamed binding (crypto.timingSafeEqual from Node 22): a bound copy prints the same text
    // but carries a name.
    const bound = JSON.parse.bind(JSON);
    assert.equal(src(bound), 'function () { [native code] }');
    assert.ok(!isExactNative(src(bound), '', bound));
    const unnamed = Object.defineProperty(JSON.parse.bind(JSON), 'name', { value: '' });
    assert.ok(
      isExactNative(src(unnamed), '', unnamed),
      'a bound copy renamed to "" passes: the text of an unnamed binding cannot tell (docs/vguard.md)',
    );
    assert.ok(
      !isExactNative(
        src((t: string) => t),
        'parse',
      ),
    );
  });

  test('module.register() after V-Guard started → LOADER_HOOK registerCalls (real child, ESM named import)', () => {
    const index = fileURLToPath(new URL('../src/index.js', import.meta.url));
    const script = `
      const { createGuard } = await import(${JSON.stringify(index)});
      const guard = createGuard();
      const { register } = await import('node:module');
      register('data:text/javascript,export async function resolve(s, c, n) { return n(s, c); }');
      const r = await guard.scan('start');
      console.log(JSON.stringify(r.threats.filter((t) => t.code === 'LOADER_HOOK').map((t) => t.evidence)));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: cleanEnv(),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), [
      { execArgv: 0, nodeOptions: 0, registerCalls: 1 },
    ]);
  });
});

describe('SIGUSR1 guard and the skip rule', () => {
  test('a removed SIGUSR1 listener → SIGNAL_GUARD_REMOVED, and it is put back', () => {
    assert.ok(installSignalGuard());
    const ours = process.listeners('SIGUSR1');
    assert.equal(ours.length, 1);
    assert.deepEqual(run(signalGuardDetector, fake({})), []);
    process.removeAllListeners('SIGUSR1');
    const t = run(signalGuardDetector, fake({}));
    assert.deepEqual(
      t.map((x) => [x.code, x.evidence]),
      [['SIGNAL_GUARD_REMOVED', { signal: 'SIGUSR1', times: 1 }]],
    );
    assert.deepEqual(process.listeners('SIGUSR1'), ours);
  });

  test('a missing tool skips with the SYSTEM tag (the runner gate fails it under REQUIRE_SYSTEM)', () => {
    const skipped: string[] = [];
    // A stand-in for the TestContext, so this self-test does not show up as a skipped test.
    const ctx = { name: 'self-test', skip: (m: string) => skipped.push(m) } as unknown as TestContext;
    assert.equal(requireTool(ctx, 'openvse-no-such-tool'), false);
    assert.match(skipped[0] ?? '', /^SYSTEM: openvse-no-such-tool is not installed/);
    assert.equal(requireTool(ctx, 'sh'), true);
    assert.equal(skipped.length, 1);
  });
});
