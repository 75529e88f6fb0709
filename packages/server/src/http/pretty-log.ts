/**
 * The human-readable log format (`ServerConfig.logger.format: 'pretty'`, `openvse server
 * --log-format pretty`; docs/server-api.md "Logs"): one line per log record,
 *
 *   14:03:07.412 INFO  request completed reqId=req-3 req.method=POST req.url=/v1/cards res.statusCode=201 responseTime=4.12
 *
 * time (local, to the millisecond), level, message, then every other field as `key=value`, nested
 * objects flattened with dots (`req.method`), arrays and strings with spaces or quotes as JSON.
 * `pid`, `hostname` and an error's `stack` are left out (the JSON format keeps them), so that a
 * record never takes more than one line. It is a pino destination: pino serializes and redacts
 * first (http/logging.ts), this stream only re-lays out each JSON line, so whatever the JSON
 * format would hide stays hidden. No dependency: a Writable of a few dozen lines.
 */
import { Writable } from 'node:stream';

/** pino's numeric levels and the names the pretty format shows. */
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** ANSI colours per level, used only when the output is a terminal. */
const COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };

/** Fields every pino record carries that the pretty line shows otherwise or not at all. */
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

function pad2(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function clock(time: unknown): string {
  const d = new Date(typeof time === 'number' || typeof time === 'string' ? time : Date.now());
  if (Number.isNaN(d.getTime())) return '--:--:--.---';
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${pad2(d.getMilliseconds(), 3)}`;
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=\\]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3)));
  if (v === null || typeof v !== 'object') return String(v);
  return JSON.stringify(v);
}

function fields(obj: Record<string, unknown>, prefix: string, out: string[]): void {
  for (const [k, v] of Object.entries(obj)) {
    if (prefix === '' && OMITTED.has(k)) continue;
    if (k === 'stack' && prefix !== '') continue;
    const key = `${prefix}${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      fields(v as Record<string, unknown>, `${key}.`, out);
    else if (v !== undefined) out.push(`${key}=${scalar(v)}`);
  }
}

/** One pino JSON record as one pretty line (no trailing newline); `colour` adds ANSI colours. */
export function prettyLogLine(record: Record<string, unknown>, colour = false): string {
  const level = typeof record.level === 'number' ? record.level : 30;
  const name = (LEVELS[level] ?? `L${level}`).padEnd(5);
  const shown = colour ? `\u001b[${COLOURS[level] ?? '0'}m${name}\u001b[0m` : name;
  const rest: string[] = [];
  fields(record, '', rest);
  const msg = typeof record.msg === 'string' ? record.msg.replace(/\s*\n\s*/g, ' ') : '';
  return [clock(record.time), shown, msg, ...rest].filter((s) => s !== '').join(' ');
}

/** What {@link createPrettyLogStream} needs. */
export interface PrettyLogStreamOptions {
  /** Colour the level: default when `out` is a terminal and NO_COLOR is not set. */
  colour?: boolean;
}

/**
 * A pino destination that writes each JSON record it receives to `out` as one pretty line
 * ({@link prettyLogLine}). A line that is not JSON is passed through as it is.
 */
export function createPrettyLogStream(
  out: NodeJS.WritableStream = process.stdout,
  options: PrettyLogStreamOptions = {},
): Writable {
  const colour =
    options.colour ?? ((out as { isTTY?: boolean }).isTTY === true && process.env.NO_COLOR === undefined);
  let pending = '';
  return new Writable({
    decodeStrings: false,
    write(chunk: unknown, _encoding, callback) {
      pending += String(chunk);
      let text = '';
      let i = pending.indexOf('\n');
      while (i >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1);
        if (line.trim()) {
          let record: unknown;
          try {
            record = JSON.parse(line);
          } catch {
            record = undefined;
          }
          text +=
            record !== null && typeof record === 'object'
              ? `${prettyLogLine(record as Record<string, unknown>, colour)}\n`
              : `${line}\n`;
        }
        i = pending.indexOf('\n');
      }
      if (text) out.write(text);
      callback();
    },
  });
}
