// bench/vos: what V-OS costs at its boundary, against bare worker_threads measured in the same run.
//   rtt_empty      session.invoke of an empty command (host checks + copy + port + SES compartment)
//   rtt_mac        a command doing an ISO 9797-1 alg. 3 (3DES) MAC over 32 bytes with a key object
//   bare_rtt       worker_threads round trip of a similar message to an echo worker (Worker
//                  postMessage / parentPort, one message each way): the baseline the goal names
//   bare_rtt_channel   the same over a MessageChannel port pair (the kind of port V-OS must use)
//   bare_rtt_ping  the exact V-OS transport without V-OS: request on a port, reply on a port with no
//                  listener pulled by receiveMessageOnPort after an empty wake-up message
//   bare_rtt_ses_ping  the same transport to a second, dedicated echo worker that ran SES lockdown
//                  with V-OS's options (its own thread, like V-OS's worker)
//   cold_start     startVos on an existing data dir: worker + lockdown + key-file root + unseal +
//                  re-verifying one installed TA bundle, until the client is usable
//   bare_start     new Worker to its first message
// Series run in rotating blocks so machine noise hits all of them alike.
// Run after building: node bench/vos/run.mjs (npm run bench -- vos). Writes vos.json (bench/results/local/ by default).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { generateTaSigningKeyPair, packTa, startVos } from '../../packages/vos/dist/src/index.js';
import { machine, writeResult } from '../lib/measure.mjs';

// Where the result goes (scripts/run-bench.mjs, docs/benchmarks.md): bench/results/local/, which git
// ignores, unless OPENVSE_BENCH_RESULTS names another folder (`npm run bench -- --update` names the
// committed bench/results/). Progress lines go to stderr.
const RESULTS =
  process.env.OPENVSE_BENCH_RESULTS || fileURLToPath(new URL('../results/local/', import.meta.url));
const progress = (step) => process.stderr.write(`[bench vos] ${step}\n`);

const ROUNDS = 40;
const PER_ROUND = 100;
const WARMUP = 500;
const STARTS = 8;
const UUID = '0b0b0b0b-0000-4000-8000-00000000b0b0';
const TA_CODE = `
let k = 0;
function TA_InvokeCommandEntryPoint(s, cmd, params) {
  if (cmd === 0) return;
  if (cmd === 1) { params[1].data = crypto.mac(k, 'ISO9797_ALG3_M2', params[0].data); return; }
  if (cmd === 2) { k = keys.import('DES3', params[0].data, ['mac']); params[0].data.fill(0); return; }
  return TEE.ERROR_NOT_SUPPORTED;
}`;

const ECHO_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', (m) => parentPort.postMessage(m));
if (workerData) {
  workerData.channel.on('message', (m) => workerData.channel.postMessage(m));
  workerData.request.on('message', (m) => { workerData.reply.postMessage(m); workerData.request.postMessage(0); });
}
parentPort.postMessage('ready');`;

function pct(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}
function stats(samples, rounds) {
  const s = [...samples].sort((a, b) => a - b);
  const out = { p50: +pct(s, 0.5).toFixed(2), p99: +pct(s, 0.99).toFixed(2), n: s.length };
  // On a small VM the cross-thread wake-up cost flips between ~20 and ~55 µs for seconds at a
  // time; the best block median shows each series in the fast state.
  if (rounds) out.best_block_p50 = +Math.min(...rounds).toFixed(2);
  return out;
}
const us = (t0) => Number(process.hrtime.bigint() - t0) / 1000;
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function bareWorker() {
  const channel = new MessageChannel();
  const request = new MessageChannel();
  const reply = new MessageChannel();
  const w = new Worker(ECHO_WORKER, {
    eval: true,
    workerData: { channel: channel.port2, request: request.port2, reply: reply.port2 },
    transferList: [channel.port2, request.port2, reply.port2],
  });
  await new Promise((r) => w.once('message', r));
  let resolve;
  w.on('message', (m) => resolve(m));
  channel.port1.on('message', (m) => resolve(m));
  request.port1.on('message', () => {
    for (let got = receiveMessageOnPort(reply.port1); got; got = receiveMessageOnPort(reply.port1))
      resolve(got.message);
  });
  const via = (send) => (msg) =>
    new Promise((r) => {
      resolve = r;
      send(msg);
    });
  return {
    call: via((m) => w.postMessage(m)),
    callChannel: via((m) => channel.port1.postMessage(m)),
    callPing: via((m) => request.port1.postMessage(m)),
    close: () => w.terminate(),
  };
}

const SES_PING_WORKER = `
const { workerData } = require('node:worker_threads');
const { dirname, join } = require('node:path');
const sesMain = require.resolve('ses', { paths: [workerData.root] });
require(join(dirname(sesMain), 'ses.umd.min.js'));
lockdown({ errorTaming: 'safe', overrideTaming: 'severe', consoleTaming: 'safe' });
workerData.request.on('message', (m) => { workerData.reply.postMessage({ id: m.id, r: 0, o: 4 }); workerData.request.postMessage(0); });
workerData.request.postMessage('ready');`;

async function sesPingWorker() {
  const request = new MessageChannel();
  const reply = new MessageChannel();
  const w = new Worker(SES_PING_WORKER, {
    eval: true,
    env: {},
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: 64, stackSizeMb: 4 },
    workerData: {
      root: new URL('../..', import.meta.url).pathname,
      request: request.port2,
      reply: reply.port2,
    },
    transferList: [request.port2, reply.port2],
  });
  let resolve;
  request.port1.on('message', (m) => {
    if (m === 'ready') return resolve();
    for (let got = receiveMessageOnPort(reply.port1); got; got = receiveMessageOnPort(reply.port1))
      resolve(got.message);
  });
  await new Promise((r) => {
    resolve = r;
  });
  return {
    call: (msg) =>
      new Promise((r) => {
        resolve = r;
        request.port1.postMessage(msg);
      }),
    close: () => w.terminate(),
  };
}

async function bareStart() {
  const t0 = process.hrtime.bigint();
  const w = new Worker(ECHO_WORKER, { eval: true });
  await new Promise((r) => w.once('message', r));
  const t = ms(t0);
  await w.terminate();
  return t;
}

async function main() {
  const signer = generateTaSigningKeyPair();
  const dataDir = mkdtempSync(join(tmpdir(), 'vos-bench-'));
  const config = { dataDir, pinnedTaKeys: [signer.publicKeyPem] };
  const bundle = packTa(
    {
      manifest: { uuid: UUID, name: 'bench', version: '1.0.0', capabilities: ['crypto.tdes', 'keys'] },
      code: TA_CODE,
    },
    signer.privateKeyPem,
  );
  const key = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
  const data32 = new Uint8Array(32).fill(0x5a);

  let vos = await startVos(config);
  await vos.installTa(bundle);
  await vos.shutdown();

  // Cold starts, interleaved with bare worker starts.
  progress(`cold starts: ${STARTS} V-OS and ${STARTS} bare worker starts`);
  const cold = [];
  const bareStarts = [];
  for (let i = 0; i < STARTS; i++) {
    bareStarts.push(await bareStart());
    const t0 = process.hrtime.bigint();
    vos = await startVos(config);
    cold.push(ms(t0));
    await vos.shutdown();
  }

  vos = await startVos(config);
  const s = await vos.openSession(UUID);
  await s.invoke(2, [{ type: 'memref', data: key }]);
  const bare = await bareWorker();
  const sesPing = await sesPingWorker();
  // The bare message has the shape V-OS sends for an empty command (id, op, session, cmd, 4 params).
  const none = () => ({ t: 0, a: 0, b: 0, d: null, s: 0 });
  const bareMsg = (i) => ({ op: 2, id: i, sid: 1, cmd: 0, p: [none(), none(), none(), none()] });
  const macParams = [
    { type: 'memref', data: data32 },
    { type: 'memref', dir: 'out', size: 8 },
  ];
  progress(`warm-up: ${WARMUP} calls per series`);
  for (let i = 0; i < WARMUP; i++) {
    await s.invoke(0, []);
    await s.invoke(1, macParams);
    await bare.call(bareMsg(i));
    await bare.callChannel(bareMsg(i));
    await bare.callPing(bareMsg(i));
    await sesPing.call(bareMsg(i));
  }
  const empty = [];
  const bareChannel = [];
  const barePing = [];
  const sesPingRtt = [];
  const mac = [];
  const bareRtt = [];
  // Blocks of PER_ROUND calls per series, rotating through the series ROUNDS times: each series
  // runs with its own thread warm, and slow phases of the machine hit every series alike.
  const roundMedians = new Map();
  const block = async (list, fn) => {
    const start = list.length;
    for (let i = 0; i < PER_ROUND; i++) {
      const t0 = process.hrtime.bigint();
      const r = await fn(i);
      list.push(us(t0));
      if (r && r.result !== undefined && r.result !== 0) throw new Error('V-OS command failed');
    }
    const mine = list.slice(start).sort((a, b) => a - b);
    if (!roundMedians.has(list)) roundMedians.set(list, []);
    roundMedians.get(list).push(mine[mine.length >> 1]);
  };
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 10 === 0) progress(`round trips: round ${r + 1}/${ROUNDS} (6 series × ${PER_ROUND} calls)`);
    await block(bareRtt, (i) => bare.call(bareMsg(i)));
    await block(empty, () => s.invoke(0, []));
    await block(bareChannel, (i) => bare.callChannel(bareMsg(i)));
    await block(mac, () => s.invoke(1, macParams));
    await block(barePing, (i) => bare.callPing(bareMsg(i)));
    await block(sesPingRtt, (i) => sesPing.call(bareMsg(i)));
  }
  await s.close();
  await vos.shutdown();
  await bare.close();
  await sesPing.close();
  rmSync(dataDir, { recursive: true, force: true });

  const result = {
    suite: 'vos',
    machine: machine(),
    unit: { rtt: 'microseconds', start: 'milliseconds' },
    rtt_empty: stats(empty, roundMedians.get(empty)),
    rtt_mac: stats(mac, roundMedians.get(mac)),
    bare_rtt: stats(bareRtt, roundMedians.get(bareRtt)),
    bare_rtt_channel: stats(bareChannel, roundMedians.get(bareChannel)),
    bare_rtt_ping: stats(barePing, roundMedians.get(barePing)),
    bare_rtt_ses_ping: stats(sesPingRtt, roundMedians.get(sesPingRtt)),
    cold_start: stats(cold),
    bare_start: stats(bareStarts),
  };
  result.ratios = {
    rtt_empty_over_bare_p50: +(result.rtt_empty.p50 / result.bare_rtt.p50).toFixed(3),
    rtt_empty_over_bare_p99: +(result.rtt_empty.p99 / result.bare_rtt.p99).toFixed(3),
    rtt_mac_over_bare_p50: +(result.rtt_mac.p50 / result.bare_rtt.p50).toFixed(3),
    rtt_empty_over_bare_channel_p50: +(result.rtt_empty.p50 / result.bare_rtt_channel.p50).toFixed(3),
    rtt_empty_over_bare_ping_p50: +(result.rtt_empty.p50 / result.bare_rtt_ping.p50).toFixed(3),
    rtt_empty_over_bare_ses_ping_p50: +(result.rtt_empty.p50 / result.bare_rtt_ses_ping.p50).toFixed(3),
    cold_start_over_bare_start: +(result.cold_start.p50 / result.bare_start.p50).toFixed(3),
  };
  // What V-OS adds at the median, against each baseline (microseconds).
  result.overhead_p50_us = {
    vs_bare: +(result.rtt_empty.p50 - result.bare_rtt.p50).toFixed(2),
    vs_bare_channel: +(result.rtt_empty.p50 - result.bare_rtt_channel.p50).toFixed(2),
    vs_bare_ping: +(result.rtt_empty.p50 - result.bare_rtt_ping.p50).toFixed(2),
    vs_bare_ses_ping: +(result.rtt_empty.p50 - result.bare_rtt_ses_ping.p50).toFixed(2),
    mac_over_empty: +(result.rtt_mac.p50 - result.rtt_empty.p50).toFixed(2),
  };
  result.ratios.best_block_rtt_empty_over_bare = +(
    result.rtt_empty.best_block_p50 / result.bare_rtt.best_block_p50
  ).toFixed(3);
  result.ratios.best_block_rtt_empty_over_bare_ses_ping = +(
    result.rtt_empty.best_block_p50 / result.bare_rtt_ses_ping.best_block_p50
  ).toFixed(3);
  result.notes = [
    'Round trips are dominated by cross-thread wake-ups; on a small VM their cost flips between two states (~10 and ~25 µs per hop) for seconds at a time, so p50 depends on which state a series spent its blocks in. best_block_p50 compares the series in the fast state.',
    'bare_rtt (parentPort ping-pong) is not a transport V-OS can use: its reply would pass through EventEmitter.prototype.emit in the main thread, which attack 7 patches. bare_rtt_ping / bare_rtt_ses_ping are the same transport V-OS uses.',
    'rtt_mac - rtt_empty is the 3DES retail MAC in @openvse/emv (three node:crypto cipher objects) plus one 8-byte output memref.',
  ];
  result.goals = {
    rtt_overhead_below_25pct: result.ratios.rtt_empty_over_bare_p50 < 1.25,
    cold_start_below_4x: result.ratios.cold_start_over_bare_start < 4,
  };
  const out = join(RESULTS, 'vos.json');
  writeResult(out, result);
  progress(`wrote ${out}`);
  console.log(JSON.stringify(result, null, 2));
}

await main();
