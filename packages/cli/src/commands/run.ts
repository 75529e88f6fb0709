/**
 * `openvse run`: starts a wallet app with V-OS in its own OS process (the launcher of
 * @openvse/vos; docs/process-boundary.md). V-OS starts first; the app runs under Node's
 * permission model with no worker, child-process, addon or WASI grant, reading only what it is
 * told to; the two share a channel only they hold. In the app, `connectVos()` gives the usual
 * GP-shaped client.
 *
 *   openvse run --data-dir <dir> --pin-ta-key <pem> [--pin-ta-key <pem> …] [--allow-read <dir> …]
 *               [--allow-write <dir> …] [--vos-user <name> --app-user <name>] -- <entry.js> [args…]
 *
 * As root with --vos-user/--app-user (existing OS users), V-OS and the app run as those users (L2).
 * The exit code is the app's (128 + the signal's number when a signal ended it: 130 for SIGINT,
 * as a shell reports it). A refused invocation prints one line `openvse run: ERR_…: <reason>` and
 * exits 2 (docs/cli.md).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { launch } from '@openvse/vos';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli-error.js';

/** A refused `openvse run` invocation (exit code 2). */
export class RunCliError extends CliError {
  constructor(message: string, code = 'ERR_RUN_REFUSED') {
    super(code, message, { exitCode: EXIT.USAGE });
    this.name = 'RunCliError';
  }
}

const collect = (v: string, prev: string[]) => [...prev, v];

function osUser(name: string): { uid: number; gid: number } {
  try {
    return {
      uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' })),
    };
  } catch {
    throw new RunCliError(`no such OS user: ${name}`);
  }
}

/** Options of `openvse run`. */
export type RunCliOptions = {
  dataDir: string;
  pinTaKey: string[];
  allowRead: string[];
  allowWrite: string[];
  vosUser?: string;
  appUser?: string;
};

/** Launches `entry` with V-OS beside it; resolves with the app's exit code. */
export async function runApp(o: RunCliOptions, entry: string, args: string[]): Promise<number> {
  if (o.pinTaKey.length === 0)
    throw new RunCliError('--pin-ta-key is required (the PEM of a TA-signing key)');
  const pinnedTaKeys = o.pinTaKey.map((p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      throw new RunCliError(
        `cannot read ${p} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`,
        'ERR_FILE_UNREADABLE',
      );
    }
  });
  if (Boolean(o.vosUser) !== Boolean(o.appUser))
    throw new RunCliError('--vos-user and --app-user go together');
  const users = o.vosUser && o.appUser ? { vos: osUser(o.vosUser), app: osUser(o.appUser) } : undefined;
  if (users && process.getuid?.() !== 0) throw new RunCliError('--vos-user/--app-user need root');
  const l = launch({
    vos: { dataDir: o.dataDir, pinnedTaKeys },
    app: { entry, args, readPaths: o.allowRead, writePaths: o.allowWrite },
    ...(users ? { users } : {}),
    onEvent: (e) => {
      if (e.type === 'vos-exited' && e.code !== 0)
        console.error(`openvse run: V-OS process ${e.pid} ended (${e.signal ?? e.code}); restarting it`);
    },
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void l.stop());
  const { code, signal } = await l.exited;
  await l.stop();
  if (code !== null) return code;
  return signal ? 128 + (constants.signals[signal] ?? 0) : 1;
}

/** Registers `openvse run`. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a wallet app with V-OS in its own OS process (confined app, private channel)')
    .requiredOption('--data-dir <dir>', 'the V-OS data folder (sealed storage, root of trust)')
    .option('--pin-ta-key <pem>', 'PEM file of a TA-signing public key V-OS trusts (repeatable)', collect, [])
    .option('--allow-read <dir>', 'a directory tree the app may read (repeatable; never /proc)', collect, [])
    .option('--allow-write <dir>', 'a directory tree the app may write (repeatable)', collect, [])
    .option('--vos-user <name>', 'OS user for V-OS (root only; with --app-user: level L2)')
    .option('--app-user <name>', 'OS user for the app (root only)')
    .argument('<entry>', 'the app entry script')
    .argument('[args...]', 'arguments for the app')
    .action(async (entry: string, args: string[], o: RunCliOptions) => {
      let code: number;
      try {
        code = await runApp(o, entry, args);
      } catch (e) {
        // Anything that stops the launch before the app ran: the command could not run.
        if (e instanceof CliError) throw e;
        throw new CliError('ERR_RUN_LAUNCH', e instanceof Error ? e.message : String(e), { cause: e });
      }
      // The app's own exit code, passed through as it is (not a failure of openvse).
      process.exitCode = code;
    });
}
