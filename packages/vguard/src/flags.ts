/**
 * Node command-line flags as the process really got them: `process.execArgv` (command line) and
 * `NODE_OPTIONS` (environment; docs/runtime-protection.md §2.3: NODE_OPTIONS flags do NOT show in
 * execArgv). NODE_OPTIONS is split the way Node splits it (whitespace, double quotes, backslash
 * escapes); option names are normalised (`_` → `-`, Node accepts both). Only flag names and preload
 * specifiers leave this module; nothing else from the environment does.
 */
import type { DetectorContext } from './context.js';

/** Where a flag came from: the command line or the environment. */
export type FlagSource = 'execArgv' | 'NODE_OPTIONS';
/** One Node flag: its normalised name and its value, if any. */
export type Flag = { source: FlagSource; name: string; value?: string };

/** Flags whose value may be the next argument (`--require x`). */
const TAKES_VALUE = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--heapsnapshot-signal',
  '--heapsnapshot-near-heap-limit',
  '--inspect-port',
  '--debug-port',
  '--title',
  '--conditions',
  '-C',
  '--input-type',
  '--diagnostic-dir',
  '--report-signal',
  '--report-dir',
  '--report-directory',
  '--cpu-prof-dir',
  '--heap-prof-dir',
]);

/** Splits NODE_OPTIONS like node::ParseNodeOptionsEnvVar: spaces separate, "…" groups, \ escapes inside quotes. */
export function splitNodeOptions(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuote = false;
  let has = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (inQuote && c === '\\' && i + 1 < value.length) {
      cur += value[++i];
    } else if (c === '"') {
      inQuote = !inQuote;
      has = true;
    } else if (!inQuote && /\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

function normaliseName(name: string): string {
  if (!name.startsWith('--')) return name;
  return '--' + name.slice(2).replace(/_/g, '-');
}

/** Parses Node command-line arguments into flags (values of `--require x` style flags included). */
export function parseFlags(args: readonly string[], source: FlagSource): Flag[] {
  const out: Flag[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') continue;
    const eq = arg.indexOf('=');
    if (eq > 0 && arg.startsWith('--')) {
      out.push({ source, name: normaliseName(arg.slice(0, eq)), value: arg.slice(eq + 1) });
      continue;
    }
    const name = normaliseName(arg);
    if (TAKES_VALUE.has(name) && i + 1 < args.length && !args[i + 1]!.startsWith('--')) {
      out.push({ source, name, value: args[++i] });
    } else if (/^-r./.test(arg)) {
      out.push({ source, name: '-r', value: arg.slice(2) });
    } else {
      out.push({ source, name });
    }
  }
  return out;
}

/** All flags from execArgv and NODE_OPTIONS. */
export function processFlags(ctx: DetectorContext): Flag[] {
  const fromEnv = ctx.env.NODE_OPTIONS;
  return [
    ...parseFlags(ctx.execArgv, 'execArgv'),
    ...(fromEnv ? parseFlags(splitNodeOptions(fromEnv), 'NODE_OPTIONS') : []),
  ];
}

/** Flags whose name is one of `names` or starts with one of `prefixes`. */
export function matchFlags(
  flags: readonly Flag[],
  names: readonly string[],
  prefixes: readonly string[] = [],
) {
  return flags.filter((f) => names.includes(f.name) || prefixes.some((p) => f.name.startsWith(p)));
}

/** "a,b" — sorted, unique flag names, for evidence. */
export function flagNames(flags: readonly Flag[]): string {
  return [...new Set(flags.map((f) => f.name))].sort().join(',');
}
