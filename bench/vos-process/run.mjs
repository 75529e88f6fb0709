// bench/vos-process: what V-OS in its own OS process costs (docs/process-boundary.md), each
// against a baseline measured in the same process:
//   proc_rtt_empty   session.invoke of an empty command from the app over the channel to the V-OS
//                    process (framing + the service's checks + the secure world + the TA)
//   bare_child_rtt   the baseline: the same app process, a bare child process echoing a frame of
//                    the same framing and size over the same kind of channel (an anonymous socket
//                    pair); both measured in the app (app.mjs), in rotating blocks
//   vos_cold_start   the V-OS process started as the launcher starts it, on a data folder with one
//                    installed TA, until its first frame on the channel, the boot reply to the
//                    app's hello (node start + SES lockdown + loading the service bundle + key-file
//                    root + unseal + re-verifying the TA)
//   bare_node_start  the baseline: a bare `node -e` child until its first byte on the same kind of
//                    channel; both measured here, alternating
// The app runs without the permission model so that it can also start the baseline child (the
// channel path does not depend on the app's confinement). Goals (the issue): proc_rtt_empty ≤ 2×
// bare_child_rtt at p50; vos_cold_start ≤ 3× bare_node_start.
// Run after building: node bench/vos-process/run.mjs (npm run bench -- vos-process). Writes
// vos-process.json (bench/results/local/ by default).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTaSigningKeyPair, launch, packTa, startVos } from '../../packages/vos/dist/src/index.js';
import { machine, writeResult } from '../lib/measure.mjs';

// Where the result goes (scripts/run-bench.mjs, docs/benchmarks.md): bench/results/local/, which git
// ignores, unless OPENVSE_BENCH_RESULTS names another folder (`npm run bench -- --update` names the
// committed bench/results/). Progress lines go to stderr.
const RESULTS =
  process.env.OPENVSE_BENCH_RESULTS || fileURLToPath(new URL('../results/local/', import.meta.url));
const progress = (step) => process.stderr.write(`[bench vos-process] ${step}\n`);

const ROUNDS = 40;
const PER_ROUND = 100;
const STARTS = 10;
const UUID = '0b0b0b0b-0000-4000-8000-00000000b0b1';
const APP = fileURLToPath(new URL('./app.mjs', import.meta.url));
const SERVICE = fileURLToPath(new URL('../../packages/vos/dist/src/service/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}
function stats(samples, blocks) {
  const s = [...samples].sort((a, b) => a - b);
  const out = { p50: +pct(s, 0.5).toFixed(2), p99: +pct(s, 0.99).toFixed(2), n: s.length };
  if (blocks) out.best_block_p50 = +Math.min(...blocks).toFixed(2);
  return out;
}
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

const dir = mkdtempSync(join(tmpdir(), 'openvse-bench-vosproc-'));
try {
  const signer = generateTaSigningKeyPair();
  const bundle = packTa(
    {
      manifest: { uuid: UUID, name: 'bench-proc', version: '1.0.0', capabilities: [] },
      code: 'function TA_InvokeCommandEntryPoint(s, cmd, p) { if (cmd === 0) return; return TEE.ERROR_NOT_SUPPORTED; }',
    },
    signer.privateKeyPem,
  );
  const bundleFile = join(dir, 'bench.bundle');
  writeFileSync(bundleFile, bundle);
  const vosConfig = { dataDir: join(dir, 'vos-cold'), pinnedTaKeys: [signer.publicKeyPem] };

  // ── cold start ─────────────────────────────────────────────────────────────────────────────
  {
    const v = await startVos(vosConfig); // a data folder with one installed TA, as a wallet has
    await v.installTa(bundle);
    await v.shutdown();
  }
  const firstFrame = (argv, config) =>
    new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const child = spawn(process.execPath, argv, {
        stdio: ['pipe', 'ignore', 'inherit', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
      child.stdin.end(config);
      const sock = child.stdio[3];
      // The app's hello (channel/frames.ts CHANNEL_HELLO): V-OS writes nothing before it.
      const hello = Buffer.from(JSON.stringify({ hello: 'openvse-vos/1' }));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(hello.length);
      sock.write(Buffer.concat([len, hello]));
      sock.on('error', () => {}); // the child is SIGKILLed once it has answered
      let got = Buffer.alloc(0);
      sock.on('data', (c) => {
        got = Buffer.concat([got, c]);
        if (got.length >= 1) {
          const t = ms(t0);
          child.kill('SIGKILL');
          child.once('exit', () => resolve(t));
        }
      });
      child.once('error', reject);
    });
  const serviceConfig = JSON.stringify({ vos: vosConfig, app: { pid: process.pid, argv: process.argv } });
  const cold = { vos_cold_start: [], bare_node_start: [] };
  await firstFrame([SERVICE], serviceConfig); // warm the file cache
  progress(`cold starts: ${STARTS} V-OS processes and ${STARTS} bare node starts, alternating`);
  for (let i = 0; i < STARTS; i++) {
    cold.vos_cold_start.push(await firstFrame(['--no-warnings', SERVICE], serviceConfig));
    cold.bare_node_start.push(await firstFrame(['-e', "require('node:fs').writeSync(3, 'x')"], ''));
  }

  // ── invoke over the channel vs a bare child round trip, measured in the app ────────────────
  progress(`round trips: ${ROUNDS} rounds of ${PER_ROUND} calls, in the app, V-OS process vs bare child`);
  const l = launch({
    vos: { dataDir: join(dir, 'vos-rtt'), pinnedTaKeys: [signer.publicKeyPem] },
    app: {
      entry: APP,
      args: [bundleFile, UUID, String(ROUNDS), String(PER_ROUND)],
      confine: false,
      readPaths: [ROOT],
    },
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  l.app.stdout.on('data', (d) => {
    out += d;
  });
  l.app.stderr.on('data', (d) => {
    err += d;
  });
  const { code } = await l.exited;
  await l.stop();
  if (code !== 0) throw new Error(`bench app exited ${code}: ${err}`);
  const { samples, blocks } = JSON.parse(out.trim().split('\n').pop());

  const r = {
    suite: 'vos-process',
    machine: machine(),
    unit: { rtt: 'microseconds', start: 'milliseconds' },
    proc_rtt_empty: stats(samples.proc_rtt_empty, blocks.proc_rtt_empty),
    bare_child_rtt: stats(samples.bare_child_rtt, blocks.bare_child_rtt),
    vos_cold_start: stats(cold.vos_cold_start),
    bare_node_start: stats(cold.bare_node_start),
  };
  r.ratios = {
    proc_rtt_empty_over_bare_child_p50: +(r.proc_rtt_empty.p50 / r.bare_child_rtt.p50).toFixed(3),
    proc_rtt_empty_over_bare_child_p99: +(r.proc_rtt_empty.p99 / r.bare_child_rtt.p99).toFixed(3),
    best_block_proc_rtt_empty_over_bare_child: +(
      r.proc_rtt_empty.best_block_p50 / r.bare_child_rtt.best_block_p50
    ).toFixed(3),
    vos_cold_start_over_bare_node_start: +(r.vos_cold_start.p50 / r.bare_node_start.p50).toFixed(3),
  };
  r.goals = {
    invoke_at_most_2x_bare_child_p50: r.ratios.proc_rtt_empty_over_bare_child_p50 <= 2,
    cold_start_at_most_3x_bare_node: r.ratios.vos_cold_start_over_bare_node_start <= 3,
  };
  const file = join(RESULTS, 'vos-process.json');
  writeResult(file, r);
  progress(`wrote ${file}`);
  console.log(JSON.stringify(r, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
