/**
 * `openvse terminal tap`: one payment at the POS terminal (packages/terminal; docs/terminal.md)
 * through a PC/SC reader, against the card presented there (for example a wallet attached by
 * `openvse wallet pcsc --test-card V`), and, with `--server`, the acquirer's side: the chip data
 * sent to the CBP server's `POST /v1/authorizations`.
 *
 *   openvse terminal tap [--reader <name>] [--amount 10.00] [--currency EUR]
 *                        [--server <url> [--token <acquirer.jwt>]] [--terminal-id <id>]
 *                        [--merchant-id <id>] [--wait <s>] [--trace] [--json]
 *
 * The reader defaults to the first vpcd reader pcscd knows (`Virtual PCD 00 00`, docs/pcsc.md §1).
 * The HTTP request is printed exactly as sent (method, URL, headers, body), the bearer token
 * replaced by `<redacted>`, then the answer as received, then the same request as a curl command
 * that reads the token from its file: what docs/terminal.md shows. `--json` prints one JSON
 * document instead of text.
 *
 * Exit codes (docs/cli.md): 0 the tap produced a cryptogram and, with `--server`, the issuer
 * approved; 1 the tap ended otherwise (declined, see phone, try again, end application) or the
 * issuer declined or refused the request; 2 it could not run (no reader, no pcscd, no card in
 * time, a bad option, an unreadable token, the server unreachable or refusing the token); 130
 * Ctrl-C before the tap.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AuthorizationRequest } from '@openvse/protocol';
import {
  connectPcsc,
  DEFAULT_TERMINAL_CONFIG,
  listReaders,
  type Outcome,
  type PcscTransport,
  runTransaction,
  TerminalError,
} from '@openvse/terminal';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError, EXIT, errnoOf } from '../cli-error.js';

/** ISO 4217: alphabetic code → numeric code and minor-unit exponent, for the usual currencies. */
const CURRENCIES: Readonly<Record<string, { numeric: string; exponent: number }>> = {
  EUR: { numeric: '978', exponent: 2 },
  USD: { numeric: '840', exponent: 2 },
  GBP: { numeric: '826', exponent: 2 },
  CHF: { numeric: '756', exponent: 2 },
  JPY: { numeric: '392', exponent: 0 },
  SEK: { numeric: '752', exponent: 2 },
  NOK: { numeric: '578', exponent: 2 },
  DKK: { numeric: '208', exponent: 2 },
  PLN: { numeric: '985', exponent: 2 },
  CZK: { numeric: '203', exponent: 2 },
  CAD: { numeric: '124', exponent: 2 },
  AUD: { numeric: '036', exponent: 2 },
};

/** A currency as the terminal and the server want it. */
export interface Currency {
  /** ISO 4217 alphabetic code when known (`EUR`), else the numeric code. */
  name: string;
  /** ISO 4217 numeric, 3 digits (`978`): the authorization request's `currency`. */
  numeric: string;
  /** Digits after the decimal point (2 for EUR). */
  exponent: number;
}

/** `EUR`, `eur` or `978` → {@link Currency}; an unknown numeric code gets exponent 2. */
export function parseCurrency(v: string): Currency {
  const up = v.trim().toUpperCase();
  const known = CURRENCIES[up];
  if (known) return { name: up, ...known };
  if (/^[0-9]{3}$/.test(up)) {
    const named = Object.entries(CURRENCIES).find(([, c]) => c.numeric === up);
    return named ? { name: named[0], ...named[1] } : { name: up, numeric: up, exponent: 2 };
  }
  throw new InvalidArgumentError(`an ISO 4217 code: ${Object.keys(CURRENCIES).join(', ')} or 3 digits`);
}

/** `12.34` in a currency with exponent 2 → 1234 minor units (no rounding: more digits are refused). */
export function parseAmount(v: string, exponent: number): number {
  const m = /^([0-9]{1,12})(?:\.([0-9]+))?$/.exec(v.trim());
  if (!m || (m[2] ?? '').length > exponent)
    throw new CliError(
      'ERR_INVALID_ARGUMENT',
      `--amount ${v}: expected an amount with at most ${exponent} decimal${exponent === 1 ? '' : 's'} (e.g. ${(1234 / 100).toFixed(exponent)})`,
    );
  const minor = Number(m[1]) * 10 ** exponent + Number((m[2] ?? '').padEnd(exponent, '0') || '0');
  if (!Number.isSafeInteger(minor) || minor > 999_999_999_999)
    throw new CliError('ERR_INVALID_ARGUMENT', `--amount ${v}: too large`);
  return minor;
}

/** Options of {@link runTerminalTap}. */
export interface TerminalTapOptions {
  reader?: string;
  amount: string;
  currency: Currency;
  server?: string;
  token?: string;
  terminalId?: string;
  merchantId?: string;
  /** Seconds to wait for a card in the reader. */
  wait: number;
  trace?: boolean;
  json?: boolean;
}

/** The HTTP exchange with the server, as sent and as received. */
export interface AuthorizationExchange {
  request: { method: 'POST'; url: string; headers: Record<string, string>; body: string };
  response: { status: number; body: unknown };
  /** The same request as a curl command reading the token from its file. */
  curl: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NO_CARD_YET = new Set(['SCARD_E_NO_SMARTCARD', 'SCARD_W_REMOVED_CARD', 'SCARD_E_READER_UNAVAILABLE']);

function pcscFailure(e: unknown): CliError {
  if (!(e instanceof TerminalError)) return new CliError('ERR_PCSC', String((e as Error)?.message ?? e));
  const hint =
    e.code === 'ERR_PCSC_UNAVAILABLE'
      ? 'start pcscd (sudo scripts/pcsc-up.sh; docs/pcsc.md) and install libpcsclite1'
      : e.code === 'ERR_PCSC_READER_NOT_FOUND' || e.code === 'ERR_PCSC_NO_READERS'
        ? 'openvse terminal tap --reader "<name>"; opensc-tool -l lists the readers'
        : undefined;
  return new CliError(e.code, e.message, hint ? { hint } : {});
}

/** The reader to use: the one named, else the first vpcd reader pcscd knows. */
async function pickReader(name: string | undefined): Promise<string> {
  if (name) return name;
  let readers: string[];
  try {
    readers = await listReaders();
  } catch (e) {
    throw pcscFailure(e);
  }
  const vpcd = readers.find((r) => r.startsWith('Virtual PCD'));
  if (!vpcd)
    throw new CliError('ERR_PCSC_NO_VPCD_READER', `no vpcd reader among ${JSON.stringify(readers)}`, {
      hint: 'name one with --reader, or start pcscd with the vpcd driver (sudo scripts/pcsc-up.sh)',
    });
  return vpcd;
}

/** Connects to the card in `reader`, waiting up to `waitS` seconds for one to be presented. */
async function connectCard(reader: string, waitS: number, say: (s: string) => void): Promise<PcscTransport> {
  const end = Date.now() + waitS * 1000;
  let told = false;
  for (;;) {
    try {
      return await connectPcsc(reader);
    } catch (e) {
      const name = e instanceof TerminalError ? String(e.details.pcsc ?? '') : '';
      if (!NO_CARD_YET.has(name)) throw pcscFailure(e);
      if (Date.now() > end)
        throw new CliError('ERR_NO_CARD', `no card in "${reader}" after ${waitS} s`, {
          hint: 'present one, e.g. openvse wallet pcsc --test-card V (docs/pcsc.md)',
        });
      if (!told) say(`waiting for a card in "${reader}" (up to ${waitS} s)…`);
      told = true;
      await sleep(200);
    }
  }
}

/** 489537••••••1234: BIN and last four only. */
function maskPan(pan: string | undefined): string {
  if (!pan) return '(no PAN)';
  return `${pan.slice(0, 6)}${'•'.repeat(Math.max(0, pan.length - 10))}${pan.slice(-4)}`;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Sends the outcome's chip data to `POST /v1/authorizations` of `server`, as docs/terminal.md says. */
/**
 * The access token in `file` (trimmed): a {@link CliError} (exit 2) for a file that cannot be
 * read or does not hold one token. Also used by `openvse wallet pcsc --token`.
 */
export function readToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new CliError(
      'ERR_FILE_UNREADABLE',
      `cannot read token ${file} (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`,
    );
  }
  if (!/^[A-Za-z0-9._~+/=-]+$/.test(token))
    throw new CliError('ERR_FILE_MALFORMED', `token ${file} does not hold an access token (one JWT)`);
  return token;
}

/** The authorization URL of `server`, or the CLI's error for a server that is not an http(s) URL. */
function authorizationUrl(server: string): URL {
  try {
    const url = new URL('/v1/authorizations', server);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // below
  }
  throw new CliError('ERR_INVALID_ARGUMENT', `--server ${server}: expected an http(s) URL`);
}

async function authorize(
  o: Outcome,
  amount: number,
  opts: TerminalTapOptions,
  url: URL,
  token: string | undefined,
  terminalId: string,
  merchantId: string,
): Promise<AuthorizationExchange> {
  const body: AuthorizationRequest = {
    idempotencyKey: randomUUID(),
    tokenPan: o.pan as string,
    ...(o.panSequence ? { panSequence: o.panSequence } : {}),
    chipData: hex(o.chipData as Uint8Array),
    amount,
    currency: opts.currency.numeric,
    terminalId,
    merchantId,
  };
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body: text, signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    throw new CliError(
      'ERR_SERVER_UNREACHABLE',
      `POST ${url.href}: ${(e as Error).message}${errnoOf(e) ? ` (${errnoOf(e)})` : ''}`,
      { hint: 'is openvse server running there? (docs/server-api.md)' },
    );
  }
  const answer = await res.text();
  let parsed: unknown = answer;
  try {
    parsed = JSON.parse(answer);
  } catch {
    // not JSON: kept as text
  }
  const shown = { ...headers, ...(token ? { authorization: 'Bearer <redacted>' } : {}) };
  const curl = [
    `curl -sS -X POST ${shellQuote(url.href)}`,
    `-H 'content-type: application/json'`,
    ...(opts.token ? [`-H "authorization: Bearer $(cat ${shellQuote(opts.token)})"`] : []),
    `--data ${shellQuote(text)}`,
  ].join(' \\\n  ');
  return {
    request: { method: 'POST', url: url.href, headers: shown, body: text },
    response: { status: res.status, body: parsed },
    curl,
  };
}

function outcomeJson(o: Outcome): Record<string, unknown> {
  return {
    type: o.type,
    kernel: o.kernel,
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.cryptogramType ? { cryptogramType: o.cryptogramType } : {}),
    ...(o.cvm ? { cvm: o.cvm } : {}),
    ...(o.aid ? { aid: o.aid } : {}),
    ...(o.pan ? { pan: maskPan(o.pan) } : {}),
    ...(o.panSequence ? { panSequence: o.panSequence } : {}),
    ...(o.tvr ? { tvr: o.tvr } : {}),
    ...(o.chipData ? { chipData: hex(o.chipData) } : {}),
  };
}

/** Why a tap's outcome is not a success, as the CLI reports it (exit 1). */
function outcomeFailure(o: Outcome): CliError {
  const why = o.reason ? ` (${o.reason.code}: ${o.reason.message})` : '';
  const hint =
    o.type === 'SEE_PHONE'
      ? 'verify on the phone, then tap again'
      : o.type === 'TRY_AGAIN'
        ? 'present the card again'
        : undefined;
  return new CliError(`ERR_TAP_${o.type}`, `the tap ended ${o.type}${why}`, {
    exitCode: EXIT.FAILED,
    ...(hint ? { hint } : {}),
  });
}

/**
 * `openvse terminal tap`: one tap (and with `--server` its authorization), printed as it happens.
 * Resolves when it succeeded (exit 0); throws a {@link CliError} otherwise (see the file comment).
 */
export async function runTerminalTap(opts: TerminalTapOptions): Promise<void> {
  const amount = parseAmount(opts.amount, opts.currency.exponent);
  if (opts.token && !opts.server) throw new CliError('ERR_USAGE', '--token goes with --server');
  // Everything the authorization needs is checked before the tap, so a tap is never wasted.
  const url = opts.server ? authorizationUrl(opts.server) : undefined;
  const token = opts.token ? readToken(opts.token) : undefined;
  const out: Record<string, unknown> = {};
  const say = (s: string) => {
    if (!opts.json) process.stdout.write(`${s}\n`);
  };
  const note = (s: string) => process.stderr.write(`${s}\n`);
  const reader = await pickReader(opts.reader);
  const card = await connectCard(reader, opts.wait, note);
  const terminalId = opts.terminalId ?? DEFAULT_TERMINAL_CONFIG.terminalId;
  const merchantId = opts.merchantId ?? DEFAULT_TERMINAL_CONFIG.merchantId;
  let o: Outcome;
  try {
    out.reader = reader;
    out.atr = hex(card.atr);
    say(`reader "${reader}": card ATR ${hex(card.atr)}, ${card.protocol === 'T1' ? 'T=1' : 'T=0'}`);
    o = await runTransaction(
      card,
      { amount },
      {
        currencyCode: `0${opts.currency.numeric}`,
        currencyExponent: opts.currency.exponent,
        terminalId,
        merchantId,
      },
    );
  } finally {
    await card.close().catch(() => {});
  }
  const money = `${(amount / 10 ** opts.currency.exponent).toFixed(opts.currency.exponent)} ${opts.currency.name}`;
  out.amount = { minor: amount, currency: opts.currency.numeric, text: money };
  out.outcome = outcomeJson(o);
  say(
    `tap ${money}: ${o.type}${o.kernel ? `, kernel ${o.kernel}` : ''}${o.cryptogramType ? `, ${o.cryptogramType}` : ''}` +
      `${o.pan ? `, PAN ${maskPan(o.pan)}` : ''}${o.reason ? `, ${o.reason.code}: ${o.reason.message}` : ''}`,
  );
  if (o.chipData) say(`chip data ${hex(o.chipData)}`);
  if (opts.trace) {
    out.trace = o.trace.toJSON();
    say(o.trace.render());
  }
  const finish = (): void => {
    if (opts.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  };
  if (o.type !== 'ONLINE_REQUEST' && o.type !== 'APPROVED') {
    finish();
    throw outcomeFailure(o);
  }
  if (!url || o.type !== 'ONLINE_REQUEST') {
    finish();
    return;
  }
  if (!o.chipData || !o.pan) {
    finish();
    throw new CliError('ERR_TAP_NO_CHIP_DATA', 'the online request carries no chip data or PAN', {
      exitCode: EXIT.FAILED,
    });
  }
  const x = await authorize(o, amount, opts, url, token, terminalId, merchantId);
  out.authorization = x;
  say(`→ ${x.request.method} ${x.request.url}`);
  for (const [k, v] of Object.entries(x.request.headers)) say(`  ${k}: ${v}`);
  say(`  ${x.request.body}`);
  say(`← HTTP ${x.response.status}`);
  say(`  ${typeof x.response.body === 'string' ? x.response.body : JSON.stringify(x.response.body)}`);
  say('the same request with curl:');
  say(x.curl);
  finish();
  const r = x.response;
  if (r.status === 401 || r.status === 403)
    throw new CliError('ERR_SERVER_AUTH', `the server refused the caller: HTTP ${r.status}`, {
      hint: "--token must hold the acquirer's access token (<server data dir>/credentials/tokens/acquirer.jwt)",
    });
  if (r.status !== 200) {
    const err = (r.body as { error?: { code?: string; message?: string } })?.error;
    throw new CliError(
      'ERR_AUTHORIZATION_REFUSED',
      `HTTP ${r.status}${err ? ` ${err.code ?? ''}: ${err.message ?? ''}` : ''}`,
      { exitCode: EXIT.FAILED },
    );
  }
  const decision = r.body as { decision?: string; reason?: string };
  if (decision.decision !== 'APPROVE')
    throw new CliError('ERR_DECLINED', `the issuer declined: ${decision.reason ?? '(no reason)'}`, {
      exitCode: EXIT.FAILED,
    });
}

function seconds(v: string): number {
  if (!/^[0-9]{1,4}$/.test(v)) throw new InvalidArgumentError('whole seconds, 0..9999');
  return Number(v);
}

/** Registers `openvse terminal tap`; failures are thrown to main.ts (docs/cli.md). */
export function registerTerminalCommands(program: Command): void {
  const terminal = program
    .command('terminal')
    .description('the POS terminal (Kernel 2 / Kernel 3) through a PC/SC reader');
  terminal
    .command('tap')
    .description('one contactless payment through a PC/SC reader; --server: its authorization')
    .option('--reader <name>', 'PC/SC reader (default: the first vpcd reader, "Virtual PCD 00 00")')
    .option('--amount <amount>', 'amount in the currency, e.g. 12.34', '10.00')
    .option('--currency <code>', 'ISO 4217: EUR, USD… or 3 digits', parseCurrency, parseCurrency('EUR'))
    .option('--server <url>', 'send the online request to this CBP server (POST /v1/authorizations)')
    .option('--token <file>', "the acquirer's access token (…/credentials/tokens/acquirer.jwt)")
    .option('--terminal-id <id>', `terminal id (9F1C; default ${DEFAULT_TERMINAL_CONFIG.terminalId})`)
    .option('--merchant-id <id>', `merchant id (9F16; default ${DEFAULT_TERMINAL_CONFIG.merchantId})`)
    .option('--wait <seconds>', 'how long to wait for a card in the reader', seconds, 10)
    .option('--trace', 'print the APDU trace (cardholder data: PAN, track 2, cryptogram)')
    .option('--json', 'print one JSON document instead of text')
    .action(async (o: TerminalTapOptions) => {
      // Ctrl-C: nothing to clean up that the OS does not (pcscd releases the card itself).
      const onSigint = () => {
        process.stderr.write('openvse terminal tap: ERR_INTERRUPTED: stopped by Ctrl-C\n');
        process.exit(EXIT.INTERRUPTED);
      };
      process.once('SIGINT', onSigint);
      try {
        await runTerminalTap(o);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
