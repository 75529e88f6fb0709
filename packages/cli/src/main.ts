#!/usr/bin/env node
/**
 * `openvse`: the command-line entry point. Each sub-command lives in commands/<name>.ts and
 * registers itself on the commander program.
 */
import { Command } from 'commander';
import { registerConformanceCommand } from './commands/conformance.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerGuardCommands } from './commands/guard.js';
import { registerRunCommand } from './commands/run.js';
import { registerServerCommand } from './commands/server.js';
import { registerTaCommands } from './commands/ta.js';
import { registerWalletCommands } from './commands/wallet.js';

const program = new Command();
program
  .name('openvse')
  .description('OpenVSE: a virtual secure element for HCE mobile payments')
  .version('0.1.0');
registerConformanceCommand(program);
registerTaCommands(program);
registerGuardCommands(program);
registerServerCommand(program);
registerWalletCommands(program);
registerRunCommand(program);
registerDemoCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`openvse: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
