/**
 * The demo's output: a heading per chapter, one line per step (✔ / ✖), indented facts, every
 * expected outcome recorded for the summary table at the end. `quiet` prints only the summary,
 * `json` prints nothing but the summary as one JSON document (for tests and scripts). Text is
 * laid out for the terminal's width (layout.ts): long lines wrap under their indentation, the
 * table's cells wrap in their columns.
 */
import { renderTable, type TableRow, terminalWidth, textWidth, wrapLine } from './layout.js';

/** One expected outcome of the demo and what happened. */
export interface Outcome {
  chapter: number;
  chapterTitle: string;
  step: string;
  expected: string;
  got: string;
  ok: boolean;
}

/** A chapter in the summary: passed when it recorded outcomes and all of them happened. */
export interface ChapterSummary {
  n: number;
  title: string;
  ok: boolean;
  outcomes: number;
}

/** The demo's verdict, as the summary table shows it and `--json` prints it. */
export interface DemoSummary {
  ok: boolean;
  durationMs: number;
  dir: string;
  kept: boolean;
  serverUrl: string | null;
  chapters: ChapterSummary[];
  outcomes: Outcome[];
  /** With `--keep`: the `openvse server …` command that opens the kept database again. */
  reopenCommand?: string;
  /** With `--serve`: where the server stays up and how to sign in to its dashboard. */
  serving?: ServingInfo;
}

/** What `openvse demo --serve` serves after the story. */
export interface ServingInfo {
  url: string;
  dashboard: string;
  /** The dashboard operator account made for this run (a random password, this run only). */
  operator: { username: string; password: string; role: string };
}

/** text: the story and the summary; quiet: the summary; json: the summary as JSON only. */
export type OutputMode = 'text' | 'quiet' | 'json';

const OK = '✔';
const KO = '✖';

/** Prints the story and records every expected outcome for the summary. */
export class Reporter {
  readonly outcomes: Outcome[] = [];
  readonly chapters: { n: number; title: string }[] = [];
  /** Short chapter names for the summary table. */
  readonly shortTitles = new Map<number, string>();
  private current: { n: number; title: string } = { n: 0, title: 'set-up' };
  private readonly write: (s: string) => void;
  /** The columns the text is laid out in (layout.ts terminalWidth). */
  readonly width: number;

  constructor(
    readonly mode: OutputMode,
    write: (s: string) => void = (s) => process.stdout.write(s),
    width: number = terminalWidth(),
  ) {
    this.write = write;
    this.width = width;
  }

  private get verbose(): boolean {
    return this.mode === 'text';
  }

  /** `s`, each of its lines wrapped to the width. */
  private out(s: string): void {
    this.write(
      `${s
        .split('\n')
        .flatMap((l) => wrapLine(l, this.width))
        .join('\n')}\n`,
    );
  }

  /** A line of the step-by-step story (text mode only), wrapped to the width. */
  line(s = ''): void {
    if (this.verbose) this.out(s);
  }

  /** A line printed in text and quiet modes (not json), wrapped to the width. */
  note(s = ''): void {
    if (this.mode !== 'json') this.out(s);
  }

  /** Starts chapter `n`: its heading, underlined. */
  chapter(n: number, title: string): void {
    this.current = { n, title };
    this.chapters.push(this.current);
    this.line();
    this.line(`${n}. ${title}`);
    this.line('─'.repeat(Math.min(this.width, textWidth(title) + String(n).length + 2)));
  }

  /** A fact worth showing (no expectation attached). */
  info(s: string): void {
    this.line(`    · ${s}`);
  }

  /** A step that happened as planned (✔) or not (✖), without a recorded expectation. */
  step(ok: boolean, s: string): void {
    this.line(`  ${ok ? OK : KO} ${s}`);
  }

  /** An expected outcome: printed as a step and recorded for the summary. Returns `ok`. */
  expect(step: string, expected: string, got: string, ok: boolean): boolean {
    this.outcomes.push({
      chapter: this.current.n,
      chapterTitle: this.current.title,
      step,
      expected,
      got,
      ok,
    });
    this.line(`  ${ok ? OK : KO} ${step}: ${got}${ok ? '' : `  (expected ${expected})`}`);
    return ok;
  }

  /** A chapter that stopped on an error: one failed outcome carrying the message. */
  failed(step: string, err: unknown): void {
    const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    this.expect(step, 'no error', `error: ${msg}`, false);
  }

  /** The summary of what was recorded so far. */
  summary(dir: string, kept: boolean, serverUrl: string | null, durationMs: number): DemoSummary {
    const chapters = this.chapters.map((c) => {
      const mine = this.outcomes.filter((o) => o.chapter === c.n);
      return {
        n: c.n,
        title: c.title,
        ok: mine.length > 0 && mine.every((o) => o.ok),
        outcomes: mine.length,
      };
    });
    return {
      ok: chapters.length > 0 && chapters.every((c) => c.ok) && this.outcomes.every((o) => o.ok),
      durationMs,
      dir,
      kept,
      serverUrl,
      chapters,
      outcomes: this.outcomes,
    };
  }

  /**
   * The summary table (text and quiet modes) or the JSON document (json mode). The table fits
   * the width: with room (140 columns and more) it shows chapter, step, expected and got; below
   * that chapter, step and got, a missed outcome's got saying what was expected. Cells wrap.
   */
  printSummary(s: DemoSummary): void {
    if (this.mode === 'json') {
      this.write(`${JSON.stringify(s, null, 2)}\n`);
      return;
    }
    const short = (o: Outcome) => `${o.chapter} ${this.shortTitles.get(o.chapter) ?? o.chapterTitle}`;
    const natural = (f: (o: Outcome) => string, head: string) =>
      Math.max(textWidth(head), ...s.outcomes.map((o) => textWidth(f(o))));
    const W = this.width;
    const chapterW = natural(short, 'chapter');
    const stepW = natural((o) => o.step, 'step');
    const expectedW = natural((o) => o.expected, 'expected');
    const wide = W >= 13 + Math.min(chapterW, 24) + Math.min(stepW, 34) + Math.min(expectedW, 40) + 30;
    let head: string[];
    let widths: number[];
    let cells: (o: Outcome) => string[];
    if (wide) {
      head = ['chapter', 'step', 'expected', 'got'];
      widths = [Math.min(chapterW, 24), Math.min(stepW, 34), Math.min(expectedW, 40)];
      widths.push(W - 13 - widths[0]! - widths[1]! - widths[2]!);
      cells = (o) => [short(o), o.step, o.expected, o.got];
    } else {
      head = ['chapter', 'step', 'got'];
      widths = [
        Math.min(chapterW, Math.max(12, Math.floor(W * 0.22))),
        Math.min(stepW, Math.max(12, Math.floor(W * 0.3))),
      ];
      widths.push(W - 10 - widths[0]! - widths[1]!);
      cells = (o) => [short(o), o.step, o.ok ? o.got : `${o.got} (expected ${o.expected})`];
    }
    let last = -1;
    const rows: TableRow[] = s.outcomes.map((o) => {
      const c = cells(o);
      if (o.chapter === last) c[0] = '';
      last = o.chapter;
      return { mark: o.ok ? OK : KO, cells: c };
    });
    this.write('\nSummary\n');
    this.write(`${renderTable(head, rows, widths).join('\n')}\n`);
    const passed = s.outcomes.filter((o) => o.ok).length;
    const chaptersOk = s.chapters.filter((c) => c.ok).length;
    this.write('\n');
    this.out(
      `${s.ok ? OK : KO} ${passed}/${s.outcomes.length} expected outcomes, ` +
        `${chaptersOk}/${s.chapters.length} chapters passed in ${(s.durationMs / 1000).toFixed(1)} s` +
        `${s.kept ? ` — files kept in ${s.dir}` : ''}`,
    );
  }
}
