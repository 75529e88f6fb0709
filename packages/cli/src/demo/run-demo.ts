/**
 * `openvse demo`: the end-to-end story on embedded defaults, in a fresh temporary folder, with
 * nothing but 127.0.0.1 and no system service (SQLite, key-file root of trust). Chapters run in
 * order; a chapter that throws is recorded as failed and the chapters after it are recorded as
 * not run (they build on its state). The summary says whether every expected outcome happened.
 *
 * `keep`: the folder stays, with the server's database and its KEK (`kek`, 0600) under the names
 * `openvse server --data-dir` reads, and the summary prints the `openvse server …` command that
 * opens that database again ({@link reopenCommand}). `serve`: after the summary the phone is
 * closed and the server with its dashboard stays up, with a dashboard operator account made for
 * this run, until SIGINT or SIGTERM; the verdict is the story's either way.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCbpTaBundle, cbpTaCodeSha256 } from '@openvse/cbp-ta';
import { hashOperatorPassword } from '@openvse/server';
import { generateTaSigningKeyPair } from '@openvse/vos';
import { CliError, EXIT, reportFailure } from '../cli-error.js';
import { DEV_FRAUD_CONFIG } from '../commands/server.js';
import {
  chapterDelete,
  chapterDigitize,
  chapterEnroll,
  chapterLukThreshold,
  chapterPay,
  chapterProvision,
  chapterServer,
  chapterSuspend,
} from './chapters.js';
import { chapterCompromised } from './compromised.js';
import { chapterProcessLevel } from './process-level.js';
import { type DemoSummary, type OutputMode, Reporter } from './report.js';
import { loadTerminal } from './terminal.js';
import { DEMO_FILES, DEMO_SETTINGS, DemoWorld } from './world.js';

/** The options of {@link runDemo} (`openvse demo`'s flags, and what tests set). */
export interface DemoOptions {
  /** Keep the folder (database, KEK, V-OS storage, wallet state) and print how to reopen it. */
  keep?: boolean;
  quiet?: boolean;
  json?: boolean;
  /** After the story, keep the server and its dashboard up until SIGINT / SIGTERM. */
  serve?: boolean;
  /** Where the temporary folder is made (default the OS temp dir). */
  tmpRoot?: string;
  write?: (s: string) => void;
  /** Columns to lay the text out in (default: the terminal's, else $COLUMNS, else 100). */
  width?: number;
}

/** One chapter of the story. */
export interface DemoChapter {
  n: number;
  title: string;
  short: string;
  run: (w: DemoWorld) => Promise<void>;
}

/** The chapters, in order (each one prints its own heading with `title`). */
export const CHAPTERS: readonly DemoChapter[] = [
  { n: 1, title: 'The bank: CBP server and issuer keys', short: 'server, issuer keys', run: chapterServer },
  { n: 2, title: 'Digitize one card of each profile', short: 'digitize V and M', run: chapterDigitize },
  { n: 3, title: 'Enroll the wallet (V-OS on this machine)', short: 'enroll (V-OS)', run: chapterEnroll },
  { n: 4, title: 'Provision both cards', short: 'provision', run: chapterProvision },
  { n: 5, title: 'Pay at the terminal: 3 taps with each card', short: 'pay 3 × 2', run: chapterPay },
  {
    n: 6,
    title: 'Profile V: run a LUK past its threshold, watch the SDK replenish',
    short: 'LUK threshold',
    run: chapterLukThreshold,
  },
  { n: 7, title: 'Profile M: suspend, tap declined, resume', short: 'suspend, resume', run: chapterSuspend },
  { n: 8, title: 'Profile M: delete, keys wiped', short: 'delete, wipe', run: chapterDelete },
  {
    n: 9,
    title: 'A compromised device: the wallet starts with an inspector open',
    short: 'compromised device',
    run: chapterCompromised,
  },
  {
    n: 10,
    title: 'V-OS in its own OS process: the level, measured from outside the app',
    short: 'process boundary (L1)',
    run: chapterProcessLevel,
  },
];

/** The dashboard operator of `--serve` (its password is random, made for each run). */
export const SERVE_OPERATOR = Object.freeze({ username: 'demo', role: 'viewer' as const });

/** A word for a POSIX shell: as it is when it needs no quoting, else in single quotes. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `openvse server …` command that opens a kept demo folder's database again: the folder as
 * the data directory (its `openvse.db` and `kek` are the defaults there; the server adds its local
 * credentials, `credentials/tokens/`), and the demo's enrollment and fraud settings.
 */
export function reopenCommand(dir: string, codeSha256: string): string[] {
  return [
    'openvse',
    'server',
    '--data-dir',
    shellWord(dir),
    '--allow-ta',
    codeSha256,
    '--min-level',
    'L0',
    '--fraud-config',
    shellWord(join(dir, DEMO_FILES.fraud)),
    '--luk-max-transactions',
    String(DEMO_SETTINGS.lukMaxTransactions),
  ];
}

/** `words` as shell lines of at most `width` columns, continued with ` \\` (copy-pasteable). */
function shellLines(words: string[], width: number, indent = '  '): string[] {
  const lines: string[] = [];
  let cur = indent;
  for (let i = 0; i < words.length; i++) {
    // An option and its value stay on one line.
    const w =
      words[i]!.startsWith('--') && words[i + 1] && !words[i + 1]!.startsWith('--')
        ? `${words[i]} ${words[++i]}`
        : words[i]!;
    if (cur.trim() && cur.length + 1 + w.length + 2 > width) {
      lines.push(`${cur} \\`);
      cur = `${indent}${w}`;
    } else cur = cur.trim() ? `${cur} ${w}` : `${indent}${w}`;
  }
  lines.push(cur);
  return lines;
}

/** Resolves with the first SIGINT or SIGTERM (the handlers are removed then). */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * Runs the story and prints it (per `o`), then the summary; with `serve`, serves until a signal.
 * Resolves with the summary (its `ok` is the verdict); a signal during the story exits 130.
 */
export async function runDemo(o: DemoOptions = {}): Promise<DemoSummary> {
  const mode: OutputMode = o.json ? 'json' : o.quiet ? 'quiet' : 'text';
  const r = new Reporter(mode, o.write, o.width);
  for (const c of CHAPTERS) r.shortTitles.set(c.n, c.short);
  const t0 = Date.now();
  const dir = mkdtempSync(join(o.tmpRoot ?? tmpdir(), 'openvse-demo-'));
  r.line('OpenVSE demo: a bank, a phone and a shop, all in this process, talking HTTP on 127.0.0.1');
  r.line(
    `(temporary folder ${dir}${o.keep ? ', kept at the end' : ', removed at the end; --keep keeps it'})`,
  );

  // Interrupted: the folder goes anyway (unless --keep); V-OS and the server die with the process.
  const onSignal = (signal: NodeJS.Signals) => {
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
    reportFailure(
      'demo',
      new CliError(
        'ERR_INTERRUPTED',
        `${signal}: stopped before the end${o.keep ? ` (files kept in ${dir})` : ''}`,
        { exitCode: EXIT.INTERRUPTED },
      ),
    );
    process.exit(EXIT.INTERRUPTED);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let world: DemoWorld | undefined;
  let operatorPassword = '';
  try {
    const terminal = await loadTerminal();
    const taKeys = generateTaSigningKeyPair();
    const bundle = buildCbpTaBundle({ signingKeyPem: taKeys.privateKeyPem });
    world = new DemoWorld(r, dir, terminal, taKeys, bundle, cbpTaCodeSha256());
    // The settings `openvse server` reads with --fraud-config, to open the kept database again.
    writeFileSync(join(dir, DEMO_FILES.fraud), `${JSON.stringify(DEV_FRAUD_CONFIG)}\n`);
    if (o.serve) {
      // Someone will look at the dashboard: an operator account for this run only.
      operatorPassword = randomBytes(12).toString('base64url');
      world.operator = {
        username: SERVE_OPERATOR.username,
        role: SERVE_OPERATOR.role,
        passwordHash: await hashOperatorPassword(operatorPassword),
      };
    }
  } catch (e) {
    r.chapter(0, 'Set-up');
    r.failed('set-up', e);
  }

  let broken: number | undefined;
  for (const c of CHAPTERS) {
    if (!world) break;
    if (broken !== undefined) {
      r.chapter(c.n, c.title);
      r.expect('chapter', 'run', `not run (chapter ${broken} failed)`, false);
      continue;
    }
    const before = r.outcomes.length;
    try {
      await c.run(world);
    } catch (e) {
      if (r.chapters.at(-1)?.n !== c.n) r.chapter(c.n, c.title);
      r.failed('chapter stopped', e);
      broken = c.n;
    }
    if (r.outcomes.length === before) r.expect('chapter', 'expected outcomes', 'none recorded', false);
  }

  const serverUrl = world?.baseUrl || null;
  const serving = Boolean(o.serve && world?.app);
  if (serving) await world?.closePhone();
  else await world?.close();
  const summary = r.summary(dir, Boolean(o.keep), serverUrl, Date.now() - t0);
  const reopen = world?.app ? reopenCommand(dir, world.codeSha256) : undefined;
  if (o.keep && reopen) summary.reopenCommand = reopen.join(' ');
  if (serving && serverUrl)
    summary.serving = {
      url: serverUrl,
      dashboard: `${serverUrl}/dashboard`,
      operator: { ...SERVE_OPERATOR, password: operatorPassword },
    };
  r.printSummary(summary);
  if (o.keep && reopen) {
    r.note();
    r.note(`To open the kept database again (its KEK is ${join(dir, DEMO_FILES.kek)}, mode 0600):`);
    for (const l of shellLines(reopen, r.width)) r.note(l);
  }
  if (o.serve && !serving) r.note('\nNothing to serve: the server did not start.');
  if (summary.serving) {
    const s = summary.serving;
    r.note();
    r.note('Serving until Ctrl-C: the server and its dashboard stay up (the phone is closed).');
    r.note(`  dashboard  ${s.dashboard}`);
    r.note(
      `  sign in    ${s.operator.username} / ${s.operator.password}  (${s.operator.role}, this run only)`,
    );
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const signal = await nextSignal();
    r.note(`Stopped serving (${signal}).`);
    await world?.app?.close().catch(() => {});
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
  return summary;
}
