/**
 * `openvse wallet pcsc` + `openvse terminal tap --server`, end to end as a user runs them
 * (docs/terminal.md "openvse terminal tap"; docs/pcsc.md): `openvse server --test-issuer` in a
 * child process; a wallet digitized and enrolled on it, presented in vpcd's `Virtual PCD 00 00`
 * with its PC/SC Part 3 contactless ATR (opensc-tool reads it); a second wallet on the same slot
 * refused at once (the slot is held); then the terminal pays through pcscd and sends the chip
 * data to `POST /v1/authorizations` with the acquirer's token, printing the request (token
 * redacted), the answer (APPROVE) and the curl equivalent.
 *
 * Needs pcscd with the vpcd readers (scripts/pcsc-up.sh), libpcsclite and opensc-tool: without
 * them the test skips with the SYSTEM tag (docs/testing.md "System components"), which the system
 * gate prints loudly and turns into a failure under OPENVSE_REQUIRE_SYSTEM=1. While it holds a
 * vpcd slot it holds the PC/SC suites' lock (packages/e2e/test/pcsc/vpcd.ts `VpcdSlots`: the
 * abstract socket `\0openvse-vpcd-slots`), so it never takes another suite's card.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cbpTaCodeSha256 } from '@openvse/cbp-ta';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
const READER = 'Virtual PCD 00 00';
const VISA_ATR = '3B89800180F7A0000000031010DC';

/** Something listens on TCP `port` (from /proc: a connection to vpcd would be taken for a card). */
function listening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['/proc/net/tcp', '/proc/net/tcp6'].some(
    (f) =>
      existsSync(f) &&
      readFileSync(f, 'utf8')
        .split('\n')
        .some((l) => {
          const c = l.trim().split(/\s+/);
          return c[1]?.endsWith(hex) && c[3] === '0A';
        }),
  );
}

async function missingSystem(): Promise<string[]> {
  const missing: string[] = [];
  const has = async (cmd: string, args: string[]) =>
    run(cmd, args, { timeout: 5000 }).then(
      () => true,
      () => false,
    );
  if (!(await has('pidof', ['pcscd']))) missing.push('pcscd is not running (sudo scripts/pcsc-up.sh)');
  if (!listening(35963) || !listening(35964))
    missing.push('vpcd is not listening on TCP 35963/35964 (vsmartcard-vpcd)');
  if (!(await has('sh', ['-c', 'ldconfig -p | grep -q libpcsclite.so.1'])))
    missing.push('libpcsclite.so.1 (libpcsclite1)');
  if (!(await has('sh', ['-c', 'command -v opensc-tool']))) missing.push('opensc-tool (opensc)');
  return missing;
}

async function needSystem(t: TestContext): Promise<boolean> {
  const missing = await missingSystem();
  if (missing.length === 0) return true;
  t.skip(`SYSTEM: ${missing.join('; ')}`);
  return false;
}

/** The PC/SC suites' lock on the two vpcd slots (see the file comment). */
async function holdSlots(): Promise<Server> {
  for (let i = 0; ; i++) {
    const server = createServer();
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen('\0openvse-vpcd-slots', () => resolve(undefined));
    });
    if (!error) return server.unref();
    if (error.code !== 'EADDRINUSE' || i > 3000) throw error;
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Child {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

function start(args: string[]): Child {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { child, out: () => out, err: () => err, exit };
}

async function until<T>(what: string, c: Child, find: () => T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = find();
    if (v !== undefined) return v;
    if (c.child.exitCode !== null || Date.now() > end)
      throw new Error(`${what}: not seen (exit ${c.child.exitCode})\n${c.out()}\n${c.err()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const c = start(args);
  return c.exit.then((status) => ({ status, stdout: c.out(), stderr: c.err() }));
}

describe('openvse wallet pcsc + openvse terminal tap --server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openvse-tap-'));
  const children: Child[] = [];
  let slots: Server | undefined;
  after(async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exit));
    slots?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('wallet pcsc on a port nothing listens on fails at once, naming the cause (exit 2)', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.2', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const t0 = Date.now();
    const r = await cli(['wallet', 'pcsc', '--test-card', 'V', '--reader-port', String(port)]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /^openvse wallet pcsc: ERR_VPCD_UNREACHABLE: .*(nothing listens|does not accept)/m,
    );
    assert.match(r.stderr, /\n {2}hint: .*pcsc-up\.sh/);
    assert.ok(Date.now() - t0 < 30_000);
  });

  it('pays through pcscd with the ATR of a contactless payment device, authorized by openvse server', async (t) => {
    if (!(await needSystem(t))) return;
    slots = await holdSlots();
    const data = join(dir, 'server');
    const tokens = join(data, 'credentials', 'tokens');
    const server = start([
      'server',
      '--test-issuer',
      '--port',
      '0',
      '--data-dir',
      data,
      '--min-level',
      'L0',
      '--allow-ta',
      cbpTaCodeSha256(),
      '--no-fraud',
      '--log-level',
      'warn',
    ]);
    children.push(server);
    const url = await until(
      'server listening',
      server,
      () => /listening on (http:\/\/[0-9.]+:\d+)/.exec(server.out())?.[1],
      60_000,
    );

    // The wallet: digitized and enrolled on that server, in Virtual PCD 00 00.
    const wallet = start([
      'wallet',
      'pcsc',
      '--test-card',
      'V',
      '--reader-port',
      '35963',
      '--server',
      url,
      '--token',
      join(tokens, 'token-requestor.jwt'),
    ]);
    children.push(wallet);
    const ready = await until(
      'ready line',
      wallet,
      () => {
        const l = wallet
          .out()
          .split('\n')
          .find((x) => x.includes('"event":"ready"'));
        return l ? (JSON.parse(l) as Record<string, unknown>) : undefined;
      },
      90_000,
    );
    assert.equal(ready.reader, READER);
    assert.equal(ready.atr, VISA_ATR);
    assert.equal(
      ready.check,
      'select-ppse',
      'ready only after a SELECT PPSE through pcscd reached this card',
    );
    assert.equal(ready.server, url);

    // An independent reader sees the ATR.
    const { stdout: atr } = await run('opensc-tool', ['-r', READER, '--atr'], { timeout: 20_000 });
    t.diagnostic(`opensc-tool --atr: ${atr.trim()}`);
    assert.equal(atr.trim().toUpperCase().replace(/:/g, ''), VISA_ATR);

    // A second card on the held slot is refused before it starts anything.
    const busy = await cli(['wallet', 'pcsc', '--test-card', 'M', '--reader-port', '35963']);
    assert.equal(busy.status, 2, busy.stderr);
    assert.match(busy.stderr, /^openvse wallet pcsc: ERR_VPCD_PORT_BUSY: /m);

    // The terminal pays and asks the server.
    const acquirer = join(tokens, 'acquirer.jwt');
    const token = readFileSync(acquirer, 'utf8').trim();
    const tap = await cli([
      'terminal',
      'tap',
      '--reader',
      READER,
      '--amount',
      '12.34',
      '--currency',
      'EUR',
      '--server',
      url,
      '--token',
      acquirer,
      '--json',
    ]);
    assert.equal(tap.status, 0, tap.stderr + tap.stdout);
    assert.ok(!tap.stdout.includes(token) && !tap.stderr.includes(token), 'the token is never printed');
    const out = JSON.parse(tap.stdout) as {
      atr: string;
      outcome: { type: string; kernel: number; chipData: string };
      authorization: {
        request: { method: string; url: string; headers: Record<string, string>; body: string };
        response: { status: number; body: { decision: string; reason: string; responseCode: string } };
        curl: string;
      };
    };
    assert.equal(out.atr, VISA_ATR);
    assert.equal(out.outcome.type, 'ONLINE_REQUEST');
    assert.equal(out.outcome.kernel, 3);
    const { request, response, curl } = out.authorization;
    assert.equal(request.method, 'POST');
    assert.equal(request.url, `${url}/v1/authorizations`);
    assert.deepEqual(request.headers, {
      'content-type': 'application/json',
      authorization: 'Bearer <redacted>',
    });
    const body = JSON.parse(request.body) as Record<string, unknown>;
    assert.equal(body.amount, 1234);
    assert.equal(body.currency, '978');
    assert.equal(body.chipData, out.outcome.chipData);
    assert.match(String(body.chipData), /^9F26/);
    assert.ok(String(body.tokenPan).endsWith(String(ready.tokenPanLast4)));
    assert.equal(response.status, 200);
    assert.deepEqual(
      [response.body.decision, response.body.reason, response.body.responseCode],
      ['APPROVE', 'APPROVED', '00'],
    );
    assert.ok(curl.includes(`$(cat '${acquirer}')`) && curl.includes(request.body), curl);

    // The wallet saw its tap; SIGTERM stops it cleanly.
    await until('tap line', wallet, () => (wallet.out().includes('"event":"tap"') ? true : undefined), 5000);
    wallet.child.kill('SIGTERM');
    assert.equal(await wallet.exit, 0);
    assert.match(wallet.out(), /"event":"stopped"/);
    server.child.kill('SIGTERM');
    await server.exit;
  });
});
