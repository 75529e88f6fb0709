/**
 * One error style and one exit-code convention for every `openvse` sub-command (docs/cli.md).
 *
 * Exit codes:
 * - 0 ({@link EXIT.OK}): the command did what was asked and every check it ran passed;
 * - 1 ({@link EXIT.FAILED}): the command ran and its outcome is negative (a vector failed, a scan
 *   found a threat, a signature was refused, the demo missed an outcome, the server failed);
 * - 2 ({@link EXIT.USAGE}): the command could not run: bad arguments, unreadable or malformed input,
 *   a missing system component;
 * - 130 ({@link EXIT.INTERRUPTED}): stopped by Ctrl-C before it finished.
 *
 * Error lines go to stderr as `openvse <command>: <CODE>: <message>`, one line, then optionally
 * `  hint: <what to do>`. Codes are stable strings starting with `ERR_` (from the library that
 * failed, or {@link CliError}'s own). Commander's own usage errors (unknown option, missing
 * argument…) take the same shape through {@link installErrorStyle}.
 */
import { type Command, CommanderError } from 'commander';

/** The exit codes every sub-command uses. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, INTERRUPTED: 130 } as const;

/** An exit code from {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The code of a failure nobody gave a code to (a bug, an unexpected library error). */
export const GENERIC_ERROR_CODE = 'ERR_FAILED';

/** A failure the CLI reports itself: a stable code, a one-line message, an exit code, a hint. */
export class CliError extends Error {
  /** Stable error code, `ERR_…`. */
  readonly code: string;
  /** The process exit code this failure maps to. */
  readonly exitCode: ExitCode;
  /** What the user can do about it, if anything useful can be said. */
  readonly hint?: string;

  constructor(
    code: string,
    message: string,
    options: { exitCode?: ExitCode; hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.exitCode = options.exitCode ?? EXIT.USAGE;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** The errno-style code of a Node error or of its cause (`ENOENT`, `ECONNREFUSED`…), if any. */
export function errnoOf(e: unknown): string | undefined {
  for (let x: unknown = e, depth = 0; x && typeof x === 'object' && depth < 4; depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code) && !code.startsWith('ERR_')) return code;
    x = (x as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The `CODE: message` text of any thrown value, first line only (stack traces never reach users).
 * A value without an `ERR_…` code gets `fallbackCode` when one is given. A `fetch failed` names
 * the system error under it (`fetch failed (ECONNREFUSED)`).
 */
export function describeError(e: unknown, fallbackCode?: string): string {
  const code = (e as { code?: unknown } | null)?.code;
  const raw = e instanceof Error ? e.message : String(e);
  let message = raw.split('\n')[0] ?? '';
  const errno = e instanceof Error && e.cause !== undefined ? errnoOf(e.cause) : undefined;
  if (errno && !message.includes(errno)) message = `${message} (${errno})`;
  const own = typeof code === 'string' && code.startsWith('ERR_') ? code : fallbackCode;
  return own && !message.startsWith(own) ? `${own}: ${message}` : message;
}

/**
 * Reports a failure of `openvse <command>` (`openvse` alone when `command` is empty) on stderr
 * and sets the exit code (it does not exit, so that open handles close first). A
 * {@link CliError} brings its own exit code; anything else takes `fallback` ({@link EXIT.FAILED}
 * unless said otherwise). A value without an `ERR_…` code is reported as
 * {@link GENERIC_ERROR_CODE}.
 */
export function reportFailure(command: string, e: unknown, fallback: ExitCode = EXIT.FAILED): ExitCode {
  const exitCode = e instanceof CliError ? e.exitCode : fallback;
  const who = command ? `openvse ${command}` : 'openvse';
  process.stderr.write(`${who}: ${describeError(e, GENERIC_ERROR_CODE)}\n`);
  if (e instanceof CliError && e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
  process.exitCode = exitCode;
  return exitCode;
}

/** Commander's error codes and the CLI's codes for them (every one is a usage error, exit 2). */
const COMMANDER_CODES: Readonly<Record<string, string>> = {
  'commander.unknownOption': 'ERR_UNKNOWN_OPTION',
  'commander.unknownCommand': 'ERR_UNKNOWN_COMMAND',
  'commander.missingArgument': 'ERR_MISSING_ARGUMENT',
  'commander.missingMandatoryOptionValue': 'ERR_MISSING_OPTION',
  'commander.optionMissingArgument': 'ERR_MISSING_OPTION_VALUE',
  'commander.invalidArgument': 'ERR_INVALID_ARGUMENT',
  'commander.excessArguments': 'ERR_TOO_MANY_ARGUMENTS',
  'commander.conflictingOption': 'ERR_CONFLICTING_OPTIONS',
};

/** The `openvse …` words of a command: `ta pack` for the `pack` sub-command of `ta`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** A commander error thrown by {@link installErrorStyle}, with the command it came from. */
export class UsageError extends CliError {
  /** `openvse …` words of the command whose arguments were refused (empty for the program). */
  readonly command: string;
  /** Commander's own code (`commander.unknownOption`…), for tests and logs. */
  readonly commanderCode: string;

  constructor(command: string, commanderCode: string, code: string, message: string, hint?: string) {
    super(code, message, { exitCode: EXIT.USAGE, ...(hint ? { hint } : {}) });
    this.name = 'UsageError';
    this.command = command;
    this.commanderCode = commanderCode;
  }
}

/**
 * Commander's error for `cmd` as the CLI reports it: a {@link UsageError} for a usage error, or
 * `null` when it is not an error at all (`--help`, `--version`: exit 0).
 */
export function usageErrorOf(cmd: Command, e: CommanderError): UsageError | null {
  const path = commandPath(cmd);
  const help = `openvse${path ? ` ${path}` : ''} --help`;
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return null;
  if (e.code === 'commander.help') {
    // Help shown because a sub-command is missing (exit code ≠ 0), or asked for (0).
    if (e.exitCode === 0) return null;
    return new UsageError(
      path,
      e.code,
      'ERR_MISSING_COMMAND',
      'a sub-command is required',
      `${help} lists them`,
    );
  }
  const [first = '', ...rest] = e.message.split('\n');
  const message = first.replace(/^error: /, '');
  const suggestion = rest
    .join(' ')
    .trim()
    .replace(/^\((.*)\)$/, '$1');
  const code = COMMANDER_CODES[e.code] ?? 'ERR_USAGE';
  const hint = suggestion ? `${suggestion.charAt(0).toLowerCase()}${suggestion.slice(1)} (${help})` : help;
  return new UsageError(path, e.code, code, message, hint);
}

function eachCommand(cmd: Command, fn: (c: Command) => void): void {
  fn(cmd);
  for (const sub of cmd.commands) eachCommand(sub, fn);
}

/**
 * Gives commander's own errors the CLI's style: for `program` and every sub-command registered
 * so far, commander prints nothing and throws, and the error reaches the caller of `parseAsync`
 * as a {@link UsageError} naming the command (or as a `CommanderError` with exit code 0 for
 * `--help` / `--version`). Call it after registering every sub-command.
 */
export function installErrorStyle(program: Command): void {
  eachCommand(program, (cmd) => {
    cmd.configureOutput({ outputError: () => {} });
    cmd.exitOverride((e) => {
      throw usageErrorOf(cmd, e) ?? e;
    });
  });
}

/**
 * The exit code and report for whatever a command threw: a {@link UsageError} or
 * {@link CliError} as such, commander's `--help` / `--version` as 0, anything else as
 * {@link EXIT.FAILED} with {@link GENERIC_ERROR_CODE}. `command` names the command when the error
 * does not.
 */
export function reportTopLevel(command: string, e: unknown): ExitCode {
  if (e instanceof CommanderError) {
    const code = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    process.exitCode = code;
    return code;
  }
  return reportFailure(e instanceof UsageError ? e.command : command, e);
}
