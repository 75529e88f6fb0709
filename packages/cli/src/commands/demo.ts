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
 *  10 V-OS in its own OS process: the level (L1) measured from outside the app
 *
 *   openvse demo [--keep] [--serve] [--quiet] [--json]
 *
 * `--keep` keeps the folder with the server's database and its KEK (`kek`, 0600) and prints the
 * `openvse server …` command that opens that database again. `--serve` keeps the server and its
 * dashboard up after the story, prints the dashboard URL and a sign-in made for this run, and
 * ends on Ctrl-C (SIGINT) or SIGTERM. The text is laid out for the terminal's width ($COLUMNS, else
 * 100, when stdout is not a terminal).
 *
 * Exit code (cli-error.ts): 0 only if every expected outcome happened (summary table at the end),
 * else 1 — with `--serve` too, when Ctrl-C ends the serving; 130 when Ctrl-C stops the story
 * before its end.
 */
// V-Guard captures the built-ins it checks when first evaluated: before the server, V-OS host
// and SDK modules that the demo loads (docs/vguard.md "Load order").
import '@openvse/vguard';
import type { Command } from 'commander';
import { EXIT } from '../cli-error.js';
import { runDemo } from '../demo/run-demo.js';

/** The options of `openvse demo`, as commander parses them. */
export interface DemoCliOptions {
  keep?: boolean;
  serve?: boolean;
  quiet?: boolean;
  json?: boolean;
}

/** Registers `openvse demo` on the program. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the end-to-end demo: server, issuer keys, V-OS wallet, payments, lifecycle, V-Guard')
    .option(
      '--keep',
      'keep the temporary folder (server database and its KEK, V-OS storage, wallet state) and print ' +
        'the openvse server command that opens the database again',
    )
    .option('--serve', 'after the story, keep the server and its dashboard up until Ctrl-C')
    .option('--quiet', 'print only the summary table')
    .option('--json', 'print only the summary, as JSON')
    .action(async (o: DemoCliOptions) => {
      const summary = await runDemo({
        keep: o.keep === true,
        serve: o.serve === true,
        quiet: o.quiet === true,
        json: o.json === true,
      });
      // V-OS workers, sockets and timers are closed; exit now with the verdict either way.
      process.exit(summary.ok ? EXIT.OK : EXIT.FAILED);
    });
}
