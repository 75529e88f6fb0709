/**
 * `openvse wallet`: the wallet side on a desktop (docs/cbp-sdk.md).
 *
 *   openvse wallet pcsc --test-card V|M [--reader-port 35963] [--host 127.0.0.2]
 *                       [--server <url> --token <token-requestor.jwt>]
 *
 * With `--test-card`, everything a phone and its issuer would do happens through the same
 * encrypted path as production: V-OS starts in a temporary directory with the CBP TA installed from
 * a bundle signed by a freshly generated TA key pinned in this V-OS; a card is digitized, the device
 * enrolled (attestation), the card provisioned (JWE messages relayed to the TA: a LUK good for 20
 * taps for V, 10 SUKs for M, no mobile PIN, CVM limit 50.00).
 *  - Without `--server`, the CBP server runs in process (SQLite in the temporary directory, the
 *    documented test issuer keys IMK_AC 0123456789ABCDEFFEDCBA9876543210 / IMK_MD
 *    FEDCBA98765432100123456789ABCDEF, open mode, 127.0.0.1 on an ephemeral port).
 *  - With `--server <url> --token <file>`, the card is digitized on that server (`openvse server
 *    --test-issuer --min-level L0 --allow-ta <CBP TA hash>`; the token is the token requestor's,
 *    `<data dir>/credentials/tokens/token-requestor.jwt`) and the wallet enrolls there, so that
 *    `openvse terminal tap --server` gets its payments authorized by that server.
 * The HCE service is then attached to vsmartcard's vpcd (`Virtual PCD 00 00` on TCP 35963,
 * `Virtual PCD 00 01` on 35964) with a PC/SC Part 3 contactless ATR naming the card's payment AID
 * (docs/pcsc.md "The card's ATR"), and serves any PC/SC client until SIGINT / SIGTERM, which close
 * the vicc, V-OS and the server and remove the directory.
 *
 * "ready" means the reader talks to this card: the port is checked first (nothing listening, or
 * another card attached: exit 2 at once, before anything starts), then vpcd must send its first
 * message on the connection (else another card holds the slot), then a SELECT PPSE through pcscd
 * must reach this card (same ATR, SW 9000). Failures follow docs/cli.md (exit 2, one
 * `openvse wallet pcsc: ERR_…` line and a hint).
 *
 * stdout carries one JSON line per event: `{"event":"ready","reader":…,"cardId":…,"atr":…}` once
 * the card is in the reader, then one `tap` line per cryptogram and `stopped` at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  attachViccCard,
  createFileStore,
  paymentDeviceAtr,
  ServerClient,
  type TapEvent,
  ViccError,
  VosProvider,
  VPCD_DEFAULT_HOST,
  VPCD_DEFAULT_PORT,
  type WalletEvent,
  WalletSdk,
} from '@openvse/cbp-sdk';
import { buildCbpTaBundle, cbpTaCodeSha256 } from '@openvse/cbp-ta';
import type { CardProfileKind } from '@openvse/protocol';
import { connectPcsc, TerminalError } from '@openvse/terminal';
import { TEST_ISSUER, TestBench } from '@openvse/test-bench';
import { generateTaSigningKeyPair, startVos, type VosClient } from '@openvse/vos';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CliError, EXIT } from '../cli-error.js';
import { readToken } from './terminal.js';

/** Options of {@link runWalletPcsc}. */
export interface WalletPcscOptions {
  testCard?: CardProfileKind;
  readerPort: number;
  host: string;
  /** An external CBP server to digitize the card on and enroll with (else one in process). */
  server?: string;
  /** File holding the token requestor's access token for `server`. */
  token?: string;
}

/** vpcd's reader name for a port: 35963 → `Virtual PCD 00 00`, 35964 → `Virtual PCD 00 01`. */
export function vpcdReaderName(port: number): string {
  const n = port - VPCD_DEFAULT_PORT;
  return `Virtual PCD 00 ${String(Math.max(0, n)).padStart(2, '0')}`;
}

/**
 * What this machine's TCP table says about a vpcd port, read from /proc/net/tcp{,6} without
 * connecting (vpcd would take a connection for a card): whether something listens, and how many
 * connections it has accepted (a card attached). Undefined when /proc cannot be read.
 */
export function vpcdPortState(port: number): { listening: boolean; attached: number } | undefined {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let listening = false;
  let attached = 0;
  let read = false;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    read = true;
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (!cols[1]?.endsWith(hex)) continue;
      if (cols[3] === '0A') listening = true;
      else if (cols[3] === '01') attached++;
    }
  }
  return read ? { listening, attached } : undefined;
}

function port(v: string): number {
  const n = Number(v);
  if (!/^[0-9]{1,5}$/.test(v) || n < 1 || n > 65535) throw new InvalidArgumentError('a TCP port 1..65535');
  return n;
}

const line = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

const isLoopback = (host: string) => /^(127\.|localhost$|::1$|\[::1\]$)/.test(host);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

/** Checks the vpcd port before anything starts (loopback hosts only: /proc sees this machine). */
function checkPort(host: string, readerPort: number, reader: string): void {
  if (!isLoopback(host)) return;
  const st = vpcdPortState(readerPort);
  if (!st) return;
  if (!st.listening)
    throw new CliError(
      'ERR_VPCD_UNREACHABLE',
      `nothing listens on TCP ${readerPort} (the vpcd port of "${reader}")`,
      {
        hint: 'start pcscd with the vpcd driver: sudo scripts/pcsc-up.sh (docs/pcsc.md §1)',
      },
    );
  if (st.attached > 0)
    throw new CliError('ERR_VPCD_PORT_BUSY', `another card is attached to "${reader}" (TCP ${readerPort})`, {
      hint: `stop it (ss -tnp 'sport = :${readerPort}' shows who holds it) or use the other slot (--reader-port ${readerPort === VPCD_DEFAULT_PORT ? VPCD_DEFAULT_PORT + 1 : VPCD_DEFAULT_PORT})`,
    });
}

/** A provisioned wallet with its card, and how to close what it started. */
interface ProvisionedWallet {
  wallet: WalletSdk;
  cardId: string;
  server: string;
  testIssuer: boolean;
  close(): Promise<void>;
}

async function inProcessWallet(
  dir: string,
  profile: CardProfileKind,
  onEvent: (e: WalletEvent) => void,
): Promise<ProvisionedWallet> {
  const bench = await TestBench.start({
    dir,
    provider: 'vos',
    server: {
      luk: { maxTransactions: 20, ttlSeconds: 86_400, maxAmount: 1_000_000 },
      sukBatch: 10,
      cardDefaults: { cvmLimit: 5000 },
    },
    wallet: { checkIntervalMs: 30_000, onEvent },
  });
  try {
    const cardId = await bench.addCard(profile);
    return {
      wallet: bench.wallet,
      cardId,
      server: bench.baseUrl,
      testIssuer: true,
      close: () => bench.close(),
    };
  } catch (e) {
    await bench.close().catch(() => {});
    throw e;
  }
}

/** The wallet of an external CBP server: V-OS here, enrollment and the card there. */
async function serverWallet(
  dir: string,
  profile: CardProfileKind,
  server: string,
  token: string,
  onEvent: (e: WalletEvent) => void,
): Promise<ProvisionedWallet> {
  const taKeys = generateTaSigningKeyPair();
  let vos: VosClient | undefined;
  let provider: VosProvider | undefined;
  let wallet: WalletSdk | undefined;
  const close = async () => {
    await wallet?.close().catch(() => {});
    await provider?.close().catch(() => {});
    await vos?.shutdown().catch(() => {});
  };
  try {
    vos = await startVos({ dataDir: join(dir, 'vos'), pinnedTaKeys: [taKeys.publicKeyPem] });
    await vos.installTa(buildCbpTaBundle({ signingKeyPem: taKeys.privateKeyPem }));
    const p = await VosProvider.open({ vos });
    provider = p;
    const client = new ServerClient({
      baseUrl: server,
      deviceProof: (m, t, d) => p.signDeviceRequest(m, t, d),
    });
    wallet = await WalletSdk.open({
      provider: p,
      server: client,
      store: createFileStore(join(dir, 'wallet.json')),
      checkIntervalMs: 30_000,
      onEvent,
    });
    try {
      await wallet.enroll();
    } catch (e) {
      const serverCode = (e as { serverCode?: string }).serverCode ?? '';
      throw new CliError(
        'ERR_ENROLL_REFUSED',
        `${server} refused this wallet's enrollment: ${(e as Error).message}`,
        {
          hint: serverCode.startsWith('ERR_ATTESTATION')
            ? `start the server with --min-level L0 --allow-ta ${cbpTaCodeSha256()} (this V-OS runs embedded: L0)`
            : 'is it an openvse server, and reachable?',
          cause: e,
        },
      );
    }
    const res = await fetch(new URL('/v1/cards', server), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        fundingPan: profile === 'V' ? TEST_ISSUER.fundingPanV : TEST_ISSUER.fundingPanM,
        expiry: TEST_ISSUER.expiry,
        profile,
      }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (res.status !== 201)
      throw new CliError('ERR_DIGITIZE_REFUSED', `POST /v1/cards: HTTP ${res.status} ${text.slice(0, 200)}`, {
        hint:
          res.status === 401 || res.status === 403
            ? `--token must hold the token requestor's access token (<server data dir>/credentials/tokens/token-requestor.jwt)`
            : 'start the server with --test-issuer',
      });
    const made = JSON.parse(text) as { cardId: string; activation: { code: string } };
    try {
      await wallet.provision(made.cardId, made.activation.code);
    } catch (e) {
      const serverCode = (e as { serverCode?: string }).serverCode ?? '';
      throw new CliError(
        'ERR_PROVISION_REFUSED',
        `${server} refused to provision the card: ${(e as Error).message}`,
        {
          ...(serverCode === 'ERR_RISK_STEP_UP'
            ? { hint: 'start the server with --no-fraud: an L0 wallet without V-Guard reports is stepped up' }
            : {}),
          cause: e,
        },
      );
    }
    return { wallet, cardId: made.cardId, server, testIssuer: false, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** SELECT PPSE (2PAY.SYS.DDF01), the first command of every contactless tap. */
const SELECT_PPSE = Uint8Array.from(Buffer.from('00A404000E325041592E5359532E444446303100', 'hex'));
const PCSC_RETRY = new Set(['SCARD_E_NO_SMARTCARD', 'SCARD_W_REMOVED_CARD', 'SCARD_E_READER_UNAVAILABLE']);

/**
 * Through pcscd, as a terminal would: the reader shows this card's ATR and the card answers SELECT
 * PPSE with 9000. 'atr' when libpcsclite is missing here (only vpcd's ATR poll was seen).
 */
async function selfCheck(reader: string, atr: Uint8Array, timeoutMs: number): Promise<'select-ppse' | 'atr'> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let t: Awaited<ReturnType<typeof connectPcsc>>;
    try {
      t = await connectPcsc(reader);
    } catch (e) {
      if (!(e instanceof TerminalError)) throw e;
      if (e.code === 'ERR_PCSC_UNAVAILABLE') return 'atr';
      if (e.code === 'ERR_PCSC_READER_NOT_FOUND' || e.code === 'ERR_PCSC_NO_READERS')
        throw new CliError('ERR_READER_NOT_FOUND', `pcscd has no reader "${reader}": ${e.message}`, {
          hint: 'vpcd names its slots "Virtual PCD 00 00" (TCP 35963) and "Virtual PCD 00 01" (35964)',
        });
      if (!PCSC_RETRY.has(String(e.details.pcsc)) || Date.now() > end)
        throw new CliError('ERR_READER_CHECK', `cannot reach the card through "${reader}": ${e.message}`);
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      if (hex(t.atr) !== hex(atr))
        throw new CliError(
          'ERR_VPCD_PORT_BUSY',
          `"${reader}" shows ATR ${hex(t.atr)}, not this card's ${hex(atr)}`,
        );
      const r = await t.transmit(SELECT_PPSE);
      const sw = hex(r.subarray(r.length - 2));
      if (sw !== '9000')
        throw new CliError(
          'ERR_READER_CHECK',
          `SELECT PPSE through "${reader}" answered SW ${sw}, not 9000`,
          {
            exitCode: EXIT.FAILED,
          },
        );
      return 'select-ppse';
    } finally {
      await t.close().catch(() => {});
    }
  }
}

function fromVicc(e: unknown, readerPort: number): unknown {
  if (!(e instanceof ViccError)) return e;
  const other = readerPort === VPCD_DEFAULT_PORT ? VPCD_DEFAULT_PORT + 1 : VPCD_DEFAULT_PORT;
  const hint =
    e.code === 'ERR_VPCD_UNREACHABLE'
      ? 'start pcscd with the vpcd driver: sudo scripts/pcsc-up.sh (docs/pcsc.md §1)'
      : e.code === 'ERR_VPCD_PORT_BUSY'
        ? `stop the other card (ss -tnp 'sport = :${readerPort}' shows who holds it) or use --reader-port ${other}`
        : 'is pcscd running with the vpcd driver? (sudo scripts/pcsc-up.sh)';
  return new CliError(e.code, e.message, { hint });
}

/**
 * `openvse wallet pcsc`: provisions a test card (see the file comment), puts it in the vpcd reader,
 * prints `ready` once the reader talks to it, and serves until SIGINT / SIGTERM. Resolves with the
 * exit code: 0 after a signal once ready, 130 when the signal came before.
 */
export async function runWalletPcsc(opts: WalletPcscOptions): Promise<number> {
  if (!opts.testCard)
    throw new CliError('ERR_MISSING_OPTION', '--test-card V|M is required', {
      hint: 'only test cards are supported: V (Visa-like, kernel 3) or M (Mastercard-like, kernel 2)',
    });
  if (Boolean(opts.server) !== Boolean(opts.token))
    throw new CliError('ERR_USAGE', '--server and --token go together');
  const token = opts.token ? readToken(opts.token) : undefined;
  if (opts.server && !/^https?:\/\//.test(opts.server))
    throw new CliError('ERR_INVALID_ARGUMENT', `--server ${opts.server}: expected an http(s) URL`);
  const reader = vpcdReaderName(opts.readerPort);
  checkPort(opts.host, opts.readerPort, reader);
  const dir = mkdtempSync(join(tmpdir(), 'openvse-wallet-'));
  let provisioned: ProvisionedWallet | undefined;
  let vicc: ReturnType<typeof attachViccCard> | undefined;
  let stopping: Promise<void> | undefined;
  let ready = false;
  const stop = (signal: string): Promise<void> => {
    stopping ??= (async () => {
      await vicc?.close().catch(() => {});
      await provisioned?.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
      line({ event: 'stopped', signal });
    })();
    return stopping;
  };
  let signalled: string | undefined;
  const done = new Promise<string>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const)
      process.once(sig, () => {
        signalled ??= sig;
        resolve(sig);
      });
  });
  try {
    const onEvent = (e: WalletEvent): void => {
      if (e.type === 'tap') line({ event: 'tap', ...tapLine(e.tap) });
      else if (e.type === 'replenished') line({ event: 'replenished', cardId: e.cardId });
    };
    provisioned =
      opts.server && token
        ? await serverWallet(dir, opts.testCard, opts.server, token, onEvent)
        : await inProcessWallet(dir, opts.testCard, onEvent);
    const { wallet, cardId } = provisioned;
    const card = wallet.card(cardId)!;
    const hce = wallet.hce();
    const atr = paymentDeviceAtr(card.aid);
    vicc = attachViccCard({
      host: opts.host,
      port: opts.readerPort,
      atr,
      processApdu: hce.processApdu,
      // Field off / reset: a new tap starts from nothing selected.
      onEvent: (e) => {
        if (e.type === 'power-off' || e.type === 'reset' || e.type === 'disconnected') hce.reset();
      },
    });
    try {
      await vicc.waitForReader({ timeoutMs: 15_000, silenceMs: 3000 });
    } catch (e) {
      throw fromVicc(e, opts.readerPort);
    }
    const check = await selfCheck(reader, atr, 10_000);
    hce.reset(); // the check's SELECT is not a tap
    if (signalled) {
      // Stopped while setting up: never say ready.
      await stop(signalled);
      return EXIT.INTERRUPTED;
    }
    ready = true;
    line({
      event: 'ready',
      reader,
      atr: hex(atr),
      check,
      cardId,
      profile: card.profile,
      aid: card.aid,
      tokenPanLast4: card.pan.slice(-4),
      credentialsLeft: card.credentialsLeft,
      cvmLimit: card.cvmLimit,
      ...(provisioned.testIssuer
        ? { testIssuer: { imkAc: TEST_ISSUER.imkAc, imkMd: TEST_ISSUER.imkMd } }
        : {}),
      server: provisioned.server,
    });
  } catch (e) {
    await stop('error');
    if (e instanceof CliError) throw e;
    // Anything else that stops the set-up (V-OS, the server, the SDK): the command could not run.
    const code = (e as { code?: unknown })?.code;
    throw new CliError(
      typeof code === 'string' && code.startsWith('ERR_') ? code : 'ERR_WALLET_SETUP',
      e instanceof Error ? e.message : String(e),
      { cause: e },
    );
  }
  await stop(await done);
  return ready ? EXIT.OK : EXIT.INTERRUPTED;
}

function tapLine(t: TapEvent): Record<string, unknown> {
  return {
    cardId: t.cardId,
    amount: t.amount,
    currency: t.currency,
    atc: t.atc,
    cryptogramType: t.cryptogramType,
    outcome: t.outcome,
    reason: t.reasonName,
  };
}

/** Registers `openvse wallet pcsc`; failures are thrown to main.ts (docs/cli.md). */
export function registerWalletCommands(program: Command): void {
  const wallet = program.command('wallet').description('the wallet: HCE card emulation and the CBP SDK');
  wallet
    .command('pcsc')
    .description('serve the wallet as a contactless card in vsmartcard’s virtual PC/SC reader (vpcd)')
    .addOption(
      new Option('--test-card <profile>', 'provision a test card (test issuer; required)').choices([
        'V',
        'M',
      ]),
    )
    .option(
      '--reader-port <port>',
      'vpcd port: 35963 = Virtual PCD 00 00, 35964 = 00 01',
      port,
      VPCD_DEFAULT_PORT,
    )
    .option('--host <host>', 'vpcd host (127.0.0.2 uses the quickack route)', VPCD_DEFAULT_HOST)
    .option('--server <url>', 'digitize the card on this CBP server and enroll there (else one in process)')
    .option(
      '--token <file>',
      "with --server: the token requestor's access token (…/tokens/token-requestor.jwt)",
    )
    .action(
      async (o: {
        testCard?: CardProfileKind;
        readerPort: number;
        host: string;
        server?: string;
        token?: string;
      }) => {
        const code = await runWalletPcsc({
          ...(o.testCard ? { testCard: o.testCard } : {}),
          readerPort: o.readerPort,
          host: o.host,
          ...(o.server ? { server: o.server } : {}),
          ...(o.token ? { token: o.token } : {}),
        });
        // V-OS's worker and the server's handles are closed; exit now rather than wait for stragglers.
        process.exit(code);
      },
    );
}
