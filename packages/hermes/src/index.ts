/**
 * @openvse/hermes — the card side on Hermes (docs/mobile.md): what builds, gates and runs the
 * Hermes bundle (build.ts), the Node side of its input and expected answers (prepare.ts), and the
 * taps both sides run (scenario.ts). A private test workspace: its test (test/hermes.test.ts) and
 * the benchmark bench/emv-backends use it.
 */
export {
  buildHermesBundle,
  type HermesBinaries,
  type HermesRun,
  hermesBinaries,
  probeHermes,
  runOnHermes,
  syntaxGate,
} from './build.js';
export { type PreparedRun, type PrepareOptions, prepareHermesRun } from './prepare.js';
export {
  deterministicBytes,
  type HermesInput,
  type IssuerCard,
  type ReplenishResult,
  runScenario,
  type ScenarioPlan,
  type ScenarioResult,
  type Tap,
  type TapResult,
} from './scenario.js';
