// Shared benchmark helpers: a steady-state ops/s measurement and the machine description every
// result file carries. Each suite reports ratios against a baseline measured in the same process.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname } from 'node:path';

export function machine() {
  const c = cpus();
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cpuCount: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()}`,
    node: process.version,
    openssl: process.versions.openssl,
    date: new Date().toISOString(),
  };
}

/** Runs fn in batches for about `ms` per round, `rounds` times; returns the median ops/s. */
export function opsPerSecond(fn, { ms = 500, rounds = 5, batch = 256 } = {}) {
  for (let i = 0; i < batch * 4; i++) fn(); // warm-up (JIT, OpenSSL contexts)
  const rates = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    let t = t0;
    const limit = BigInt(ms) * 1_000_000n;
    while (t - t0 < limit) {
      for (let i = 0; i < batch; i++) fn();
      n += batch;
      t = process.hrtime.bigint();
    }
    rates.push(n / (Number(t - t0) / 1e9));
  }
  rates.sort((a, b) => a - b);
  return Math.round(rates[Math.floor(rates.length / 2)]);
}

export function writeResult(path, result) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}
