/**
 * The demo's output: a heading per chapter, one line per step (✔ / ✖), indented facts, every
 * expected outcome recorded for the summary table at the end. `quiet` prints only the summary,
 * `json` prints nothing but the summary as one JSON document (for tests and scripts).
 */

export interface Outcome {
  chapter: number;
  chapterTitle: string;
  step: string;
  expected: string;
  got: string;
  ok: boolean;
}

export interface ChapterSummary {
  n: number;
  title: string;
  ok: boolean;
  outcomes: number;
}

export interface DemoSummary {
  ok: boolean;
  durationMs: number;
  dir: string;
  kept: boolean;
  serverUrl: string | null;
  chapters: ChapterSummary[];
  outcomes: Outcome[];
}

export type OutputMode = 'text' | 'quiet' | 'json';

const OK = '✔';
const KO = '✖';

export class Reporter {
  readonly outcomes: Outcome[] = [];
  readonly chapters: { n: number; title: string }[] = [];
  /** Short chapter names for the summary table. */
  readonly shortTitles = new Map<number, string>();
  private current: { n: number; title: string } = { n: 0, title: 'set-up' };
  private readonly write: (s: string) => void;

  constructor(
    readonly mode: OutputMode,
    write: (s: string) => void = (s) => process.stdout.write(s),
  ) {
    this.write = write;
  }

  private get verbose(): boolean {
    return this.mode === 'text';
  }

  /** A line of the step-by-step story (text mode only). */
  line(s = ''): void {
    if (this.verbose) this.write(`${s}\n`);
  }

  chapter(n: number, title: string): void {
    this.current = { n, title };
    this.chapters.push(this.current);
    this.line();
    this.line(`${n}. ${title}`);
    this.line('─'.repeat(Math.min(100, title.length + String(n).length + 2)));
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

  /** The summary table (text and quiet modes) or the JSON document (json mode). */
  printSummary(s: DemoSummary): void {
    if (this.mode === 'json') {
      this.write(`${JSON.stringify(s, null, 2)}\n`);
      return;
    }
    const short = (o: Outcome) => `${o.chapter} ${this.shortTitles.get(o.chapter) ?? o.chapterTitle}`;
    const rows = s.outcomes.map((o) => [short(o), o.step, o.expected, o.got]);
    const head = ['chapter', 'step', 'expected', 'got'];
    // The last column is not cut: the table stays readable, the terminal wraps what is long.
    const caps = [22, 34, 46, Number.POSITIVE_INFINITY];
    const cut = (v: string, w: number) => (v.length > w ? `${v.slice(0, w - 1)}…` : v);
    const widths = head.map((h, i) =>
      Math.min(caps[i]!, Math.max(h.length, ...rows.map((r) => r[i]!.length))),
    );
    const fmt = (cells: string[], mark: string) =>
      `${mark} │ ${cells
        .map((c, i) => (i === cells.length - 1 ? c : cut(c, widths[i]!).padEnd(widths[i]!)))
        .join(' │ ')}`.trimEnd();
    const rule = `──┼─${widths.map((w, i) => '─'.repeat(i === widths.length - 1 ? Math.min(w, 40) : w)).join('─┼─')}`;
    this.write('\nSummary\n');
    this.write(`${fmt(head, ' ')}\n${rule}\n`);
    let last = -1;
    s.outcomes.forEach((o, i) => {
      const cells = rows[i]!;
      if (o.chapter === last) cells[0] = '';
      last = o.chapter;
      this.write(`${fmt(cells, o.ok ? OK : KO)}\n`);
    });
    const passed = s.outcomes.filter((o) => o.ok).length;
    const chaptersOk = s.chapters.filter((c) => c.ok).length;
    this.write(
      `\n${s.ok ? OK : KO} ${passed}/${s.outcomes.length} expected outcomes, ` +
        `${chaptersOk}/${s.chapters.length} chapters passed in ${(s.durationMs / 1000).toFixed(1)} s` +
        `${s.kept ? ` — files kept in ${s.dir}` : ''}\n`,
    );
  }
}
