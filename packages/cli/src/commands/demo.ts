/**
 * `openvse demo` (and `npm start`): the whole of OpenVSE end to end on embedded defaults, in a
 * temporary folder, with readable step-by-step output (packages/cli/src/demo/):
 *
 *   1 the CBP server (startServer, 127.0.0.1, SQLite, fraud engine on) and fresh issuer keys
 *   2 a card of each profile digitized        3 a wallet enrolled (V-OS on this machine)
 *   4 both cards provisioned                  5 3 payments with each card at the terminal
 *   6 a LUK run past its threshold, the SDK replenishes
 *   7 suspend → tap declined → resume         8 delete → keys wiped
 *   9 an inspector opens in the wallet: detected, reported, the tap declined DEVICE_COMPROMISED,
 *     payments blocked inside V-OS, the decline on the dashboard
 *
 *   openvse demo [--keep] [--quiet] [--json]
 *
 * Exit code 0 only if every expected outcome happened (summary table at the end), else 1.
 */
// V-Guard captures the built-ins it checks when first evaluated: before the server, V-OS host
// and SDK modules that the demo loads (docs/vguard.md "Load order").
import '@openvse/vguard';
import type { Command } from 'commander';
import { runDemo } from '../demo/run-demo.js';

export interface DemoCliOptions {
  keep?: boolean;
  quiet?: boolean;
  json?: boolean;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the end-to-end demo: server, issuer keys, V-OS wallet, payments, lifecycle, V-Guard')
    .option('--keep', 'keep the temporary folder (server database, V-OS storage, wallet state)')
    .option('--quiet', 'print only the summary table')
    .option('--json', 'print only the summary, as JSON')
    .action(async (o: DemoCliOptions) => {
      const summary = await runDemo({
        keep: o.keep === true,
        quiet: o.quiet === true,
        json: o.json === true,
      });
      // V-OS workers, sockets and timers are closed; exit now with the verdict either way.
      process.exit(summary.ok ? 0 : 1);
    });
}
