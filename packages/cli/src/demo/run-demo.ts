/**
 * `openvse demo`: the end-to-end story on embedded defaults, in a fresh temporary folder, with
 * nothing but 127.0.0.1 and no system service (SQLite, key-file root of trust). Chapters run in
 * order; a chapter that throws is recorded as failed and the chapters after it are recorded as
 * not run (they build on its state). The summary says whether every expected outcome happened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCbpTaBundle, cbpTaCodeSha256 } from '@openvse/cbp-ta';
import { generateTaSigningKeyPair } from '@openvse/vos';
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
import { DemoWorld } from './world.js';

export interface DemoOptions {
  keep?: boolean;
  quiet?: boolean;
  json?: boolean;
  /** Where the temporary folder is made (default the OS temp dir). */
  tmpRoot?: string;
  write?: (s: string) => void;
}

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

export async function runDemo(o: DemoOptions = {}): Promise<DemoSummary> {
  const mode: OutputMode = o.json ? 'json' : o.quiet ? 'quiet' : 'text';
  const r = new Reporter(mode, o.write);
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
    process.stderr.write(`openvse demo: ${signal}, stopped\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let world: DemoWorld | undefined;
  try {
    const terminal = await loadTerminal();
    const taKeys = generateTaSigningKeyPair();
    const bundle = buildCbpTaBundle({ signingKeyPem: taKeys.privateKeyPem });
    world = new DemoWorld(r, dir, terminal, taKeys, bundle, cbpTaCodeSha256());
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
  await world?.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (!o.keep) rmSync(dir, { recursive: true, force: true });
  const summary = r.summary(dir, Boolean(o.keep), serverUrl, Date.now() - t0);
  r.printSummary(summary);
  return summary;
}
