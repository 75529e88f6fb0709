#!/usr/bin/env node
/**
 * `openvse`: the command-line entry point. Each sub-command lives in commands/<name>.ts and
 * registers itself on the commander program. Every failure, commander's own usage errors
 * included, is reported here in one style with one exit-code convention (cli-error.ts;
 * docs/cli.md): a sub-command's action throws, this catch prints `openvse <command>: <CODE>:
 * <message>` (and a `  hint:` line when there is one) and sets the exit code.
 */
import { Command } from 'commander';
import { commandPath, EXIT, installErrorStyle, reportTopLevel } from './cli-error.js';
import { registerConformanceCommand } from './commands/conformance.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerGuardCommands } from './commands/guard.js';
import { registerRunCommand } from './commands/run.js';
import { registerServerCommand } from './commands/server.js';
import { registerTaCommands } from './commands/ta.js';
import { registerTerminalCommands } from './commands/terminal.js';
import { registerWalletCommands } from './commands/wallet.js';

/** After a failure, open handles get this long to close before the process exits anyway. */
const EXIT_GRACE_MS = 3000;

const program = new Command();
program
  .name('openvse')
  .description('OpenVSE: a virtual secure element for HCE mobile payments (exit codes: docs/cli.md)')
  .version('0.1.0');
registerConformanceCommand(program);
registerTaCommands(program);
registerGuardCommands(program);
registerServerCommand(program);
registerWalletCommands(program);
registerTerminalCommands(program);
registerRunCommand(program);
registerDemoCommand(program);
installErrorStyle(program);

// The command whose action runs, so that what it throws is reported under its name.
let running = '';
program.hook('preAction', (_program, action) => {
  running = commandPath(action);
});

program.parseAsync(process.argv).catch((err: unknown) => {
  const code = reportTopLevel(running, err);
  if (code !== EXIT.OK) setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
});
