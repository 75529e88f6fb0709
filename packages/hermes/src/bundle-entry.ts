/**
 * The entry point of the Hermes bundle (build.ts bundles it with its input built in; docs/mobile.md):
 *  1. SES `lockdown()` (lockdown-first.ts, evaluated before every other module);
 *  2. emv's pure-JavaScript backend chosen (`setCryptoBackend`), then every vector of the input's
 *     `emv-vectors/1` file through emv's conformance runner;
 *  3. the CBP TA core on the pure platform (seeded, clock fixed): ENROLL, the server's messages,
 *     then the taps and replenishments of scenario.ts;
 *  4. in bench mode, timing loops (ARQC generation and verification, profile V cryptograms);
 * and prints one line `OPENVSE_HERMES_RESULT <json>` (or `OPENVSE_HERMES_ERROR <text>`) with the
 * Hermes shell's `print`. Runs on Hermes only; nothing here imports Node.
 */
import './lockdown-first.js';
import { createCbpCore, createPurePlatform } from '@openvse/cbp-ta/pure';
import {
  deriveEmvCommonSessionKey,
  deriveIccMkOptionA,
  describeFailure,
  generateAc,
  hexToBytes,
  parseVectorFile,
  pureJsCryptoBackend,
  runConformance,
  setCryptoBackend,
  verifyAc,
} from '@openvse/emv/pure';
import { deterministicBytes, type HermesInput, runScenario } from './scenario.js';

declare const __OPENVSE_HERMES_INPUT__: string;
declare const print: (line: string) => void;

/** Operations per second of `fn`, run for about `ms` milliseconds of Date.now(). */
function opsPerSecond(fn: () => void, ms: number): number {
  for (let i = 0; i < 20; i++) fn();
  let n = 0;
  const t0 = Date.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    t = Date.now();
  }
  return Math.round((n * 1000) / (t - t0));
}

/** The ARQC loops of bench/emv (the same inputs): card-side generation, issuer-side verification. */
function arqcLoops(loopMs: number) {
  const imk = hexToBytes('0123456789ABCDEFFEDCBA9876543210');
  const pan = '5413330089010434';
  const r = hexToBytes('001C000000000000');
  const acData = hexToBytes('000000001000000000000000097800000000000978261128005E1A2B3C3800001C03A0A00000');
  const mk = deriveIccMkOptionA(imk, pan, '00');
  const sk = deriveEmvCommonSessionKey(mk, r);
  const arqc = generateAc({ key: sk, data: acData, paddingMethod: 2 });
  return {
    arqc_generate: opsPerSecond(() => {
      const k = deriveEmvCommonSessionKey(mk, r);
      generateAc({ key: k, data: acData, paddingMethod: 2 });
      k.fill(0);
    }, loopMs),
    arqc_verify: opsPerSecond(() => {
      const m = deriveIccMkOptionA(imk, pan, '00');
      const k = deriveEmvCommonSessionKey(m, r);
      if (!verifyAc({ key: k, data: acData, paddingMethod: 2, ac: arqc }))
        throw new Error('ARQC did not verify');
      m.fill(0);
      k.fill(0);
    }, loopMs),
  };
}

function compartmentProbe(): string {
  const C = (globalThis as { Compartment?: new () => unknown }).Compartment;
  if (typeof C !== 'function') return 'absent';
  try {
    new C();
    return 'ok';
  } catch (e) {
    return `throws: ${(e as Error)?.message ?? String(e)}`;
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const input = JSON.parse(__OPENVSE_HERMES_INPUT__) as HermesInput;
  setCryptoBackend(pureJsCryptoBackend);

  const t0 = Date.now();
  const report = runConformance(parseVectorFile(input.vectorsText));
  const vectorsMs = Date.now() - t0;

  const t1 = Date.now();
  const platform = await createPurePlatform({
    randomBytes: deterministicBytes(input.seed),
    clock: { now: () => input.nowMs },
  });
  const core = createCbpCore(platform);
  await core.enroll(input.enroll);
  for (const m of input.messages) await core.processMessage(m);
  const provisionMs = Date.now() - t1;
  const t2 = Date.now();
  const scenario = await runScenario(core, input.plan);
  const tapsMs = Date.now() - t2;

  let bench: Record<string, unknown> | undefined;
  if (input.mode === 'bench' && input.bench) {
    const b = input.bench;
    const pdol = hexToBytes(b.pdol);
    const times: number[] = [];
    for (let i = 0; i < b.cryptograms; i++) {
      const s = Date.now();
      const r = await core.gpoV(b.cardId, pdol);
      times.push(Date.now() - s);
      if (r.reason !== 0) throw new Error(`bench tap ${i} declined (reason ${r.reason})`);
    }
    const sorted = [...times].sort((x, y) => x - y);
    const total = times.reduce((x, y) => x + y, 0);
    bench = {
      ...arqcLoops(b.loopMs),
      profile_v_cryptogram_ms: {
        count: times.length,
        mean: Math.round((total / times.length) * 100) / 100,
        p50: sorted[Math.floor(sorted.length / 2)],
        p95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))],
        max: sorted[sorted.length - 1],
      },
    };
  }

  const result = {
    engine: {
      lockdown: Object.isFrozen(Array.prototype) && Object.isFrozen(Object.prototype),
      harden: typeof (globalThis as { harden?: unknown }).harden === 'function',
      compartment: compartmentProbe(),
      bigint: typeof BigInt === 'function',
    },
    backend: pureJsCryptoBackend.name,
    vectors: {
      total: report.results.length,
      passed: report.passed,
      failed: report.failed,
      failures: report.results.filter((r) => !r.ok).map(describeFailure),
    },
    scenario,
    timings: { vectorsMs, provisionMs, tapsMs, totalMs: Date.now() - started },
    ...(bench ? { bench } : {}),
  };
  print(`OPENVSE_HERMES_RESULT ${JSON.stringify(result)}`);
}

main().catch((e: unknown) => {
  print(`OPENVSE_HERMES_ERROR ${(e as Error)?.stack ?? String(e)}`);
});
