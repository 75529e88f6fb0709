// The app side of bench/vos-process (started by run.mjs through the launcher; not run on its own).
// In this one process, in rotating blocks: `session.invoke` of an empty command over the V-OS
// channel, and the baseline, a bare child process echoing a frame of the same size and framing
// (4-byte length + JSON) over the same kind of channel (an anonymous socket pair, stdio 'pipe').
// Prints one JSON line of microsecond samples.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connectVos } from '../../packages/vos/dist/src/index.js';

const [bundleFile, uuid, roundsArg, perRoundArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg);
const PER_ROUND = Number(perRoundArg);
const WARMUP = 300;

const ECHO = `
const net = require('node:net');
const s = new net.Socket({ fd: 3, readable: true, writable: true });
let buf = Buffer.alloc(0);
s.on('data', (c) => {
  buf = buf.length ? Buffer.concat([buf, c]) : c;
  while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
    const n = buf.readUInt32BE(0);
    const msg = JSON.parse(buf.subarray(4, 4 + n).toString('utf8'));
    const out = Buffer.from(JSON.stringify(msg));
    const h = Buffer.alloc(4);
    h.writeUInt32BE(out.length);
    s.write(Buffer.concat([h, out]));
    buf = buf.subarray(4 + n);
  }
});`;

function bareChild() {
  const child = spawn(process.execPath, ['-e', ECHO], { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
  const sock = child.stdio[3];
  let buf = Buffer.alloc(0);
  let resolve;
  sock.on('data', (c) => {
    buf = buf.length ? Buffer.concat([buf, c]) : c;
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      const n = buf.readUInt32BE(0);
      const msg = JSON.parse(buf.subarray(4, 4 + n).toString('utf8'));
      buf = buf.subarray(4 + n);
      resolve(msg);
    }
  });
  // What VosClient.invoke sends for an empty command with one value parameter (gp/params.ts).
  const VALUE_INOUT = { t: 3, a: 1, b: 0, d: null, s: 0 };
  const NONE = { t: 0, a: 0, b: 0, d: null, s: 0 };
  let id = 0;
  const call = () =>
    new Promise((r) => {
      resolve = r;
      const out = Buffer.from(
        JSON.stringify({ id: ++id, op: 2, sid: 1, cmd: 0, p: [VALUE_INOUT, NONE, NONE, NONE] }),
      );
      const h = Buffer.alloc(4);
      h.writeUInt32BE(out.length);
      sock.write(Buffer.concat([h, out]));
    });
  return { call, close: () => child.kill() };
}

const us = (t0) => Number(process.hrtime.bigint() - t0) / 1000;

const vos = await connectVos();
await vos.installTa(readFileSync(bundleFile));
const session = await vos.openSession(uuid);
const param = [{ type: 'value', dir: 'inout', a: 1, b: 0 }];
const bare = bareChild();
const series = {
  proc_rtt_empty: async () => {
    await session.invoke(0, param);
  },
  bare_child_rtt: () => bare.call(),
};
for (const fn of Object.values(series)) for (let i = 0; i < WARMUP; i++) await fn();
const samples = Object.fromEntries(Object.keys(series).map((k) => [k, []]));
const blocks = Object.fromEntries(Object.keys(series).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of Object.entries(series)) {
    const block = [];
    for (let i = 0; i < PER_ROUND; i++) {
      const t0 = process.hrtime.bigint();
      await fn();
      block.push(us(t0));
    }
    samples[name].push(...block);
    block.sort((a, b) => a - b);
    blocks[name].push(block[Math.floor(block.length / 2)]);
  }
}
bare.close();
await session.close();
await vos.shutdown();
console.log(JSON.stringify({ samples, blocks }));
