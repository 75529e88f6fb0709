/**
 * Laying the demo's text out for the terminal it is printed on: the width to use, long lines
 * wrapped under their own indentation, and the summary table's cells wrapped in their columns so
 * that the table fits the width (80 columns included). Widths count code points: every character
 * the demo prints (✔ ✖ · → • × … │ ─) takes one column.
 */

/** The narrowest layout the demo makes: below this, lines are wrapped at this width anyway. */
export const MIN_WIDTH = 40;
/** The width when stdout is not a terminal and $COLUMNS says nothing. */
export const DEFAULT_WIDTH = 100;

/**
 * The width to lay out for: the terminal's columns when `stream` is a terminal, else $COLUMNS
 * when it is a number, else {@link DEFAULT_WIDTH}; never below {@link MIN_WIDTH}.
 */
export function terminalWidth(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const fromTty = stream.isTTY && stream.columns ? stream.columns : undefined;
  const fromEnv = /^\d+$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : undefined;
  return Math.max(MIN_WIDTH, fromTty ?? fromEnv ?? DEFAULT_WIDTH);
}

/** The number of columns `s` takes (code points). */
export function textWidth(s: string): number {
  return [...s].length;
}

/** Splits one over-long word into pieces of at most `width` columns. */
function chop(word: string, width: number): string[] {
  const cps = [...word];
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += width) out.push(cps.slice(i, i + width).join(''));
  return out;
}

/** Words → lines of at most `width` columns (a word longer than that is cut). */
export function wrapWords(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/ +/).filter(Boolean)) {
    const candidate = cur ? `${cur} ${word}` : word;
    if (textWidth(candidate) <= w) {
      cur = candidate;
      continue;
    }
    if (cur) lines.push(cur);
    const pieces = chop(word, w);
    cur = pieces.pop() ?? '';
    lines.push(...pieces);
  }
  if (cur || lines.length === 0) lines.push(cur);
  return lines;
}

/**
 * One line of the story laid out in `width` columns: unchanged when it fits, else wrapped on
 * spaces, the continuation lines indented under the text after the line's own indentation and
 * marker (`  ✔ `, `    · `, `9. `).
 */
export function wrapLine(line: string, width: number): string[] {
  if (textWidth(line) <= width) return [line];
  let lead = /^(\s*(?:[✔✖·] |\d+\. )?)/.exec(line)?.[1] ?? '';
  const rest = line.slice(lead.length);
  if (textWidth(lead) > width / 2) lead = '';
  const indent = ' '.repeat(textWidth(lead));
  const body = wrapWords(lead ? rest : line, width - indent.length);
  return body.map((l, i) => `${i === 0 ? lead : indent}${l}`);
}

/** One row of a {@link renderTable} table: a one-column mark (✔ ✖ or a space) and its cells. */
export interface TableRow {
  mark: string;
  cells: string[];
}

/**
 * A table `mark │ cell │ cell …`, each cell wrapped within its column's width (a row takes as
 * many lines as its tallest cell), the last column not padded, a rule under the heading.
 * `widths` are the columns' widths; the table is 1 + 3 × columns + Σ widths columns wide.
 */
export function renderTable(head: string[], rows: TableRow[], widths: number[]): string[] {
  const out: string[] = [];
  const emit = (mark: string, cells: string[]) => {
    const wrapped = cells.map((c, i) => (c ? wrapWords(c, widths[i]!) : ['']));
    const height = Math.max(...wrapped.map((w) => w.length));
    for (let k = 0; k < height; k++) {
      const parts = wrapped.map((w, i) => {
        const v = w[k] ?? '';
        return i === wrapped.length - 1 ? v : v + ' '.repeat(Math.max(0, widths[i]! - textWidth(v)));
      });
      out.push(`${k === 0 ? mark : ' '} │ ${parts.join(' │ ')}`.trimEnd());
    }
  };
  emit(' ', head);
  out.push(`──┼─${widths.map((w) => '─'.repeat(w)).join('─┼─')}`);
  for (const r of rows) emit(r.mark, r.cells);
  return out;
}
