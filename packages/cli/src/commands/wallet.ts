/**
 * `openvse wallet`: the wallet side on a desktop (docs/cbp-sdk.md).
 *
 *   openvse wallet pcsc --test-card V|M [--reader-port 35963] [--host 127.0.0.2] [--amount-log]
 *
 * With `--test-card`, everything a phone and its issuer would do happens in this process, through
 * the same encrypted path as production: V-OS starts in a temporary directory with the CBP TA
 * installed from a bundle signed by a freshly generated TA key pinned in this V-OS; the CBP
 * server runs in process (SQLite in the temporary directory, the documented test issuer keys
 * IMK_AC 0123456789ABCDEFFEDCBA9876543210 / IMK_MD FEDCBA98765432100123456789ABCDEF, listening
 * on 127.0.0.1 on an ephemeral port); a card is digitized, the device enrolled (attestation),
 * the card provisioned (JWE messages relayed to the TA: a LUK good for 20 taps for V, 10 SUKs
 * for M, no mobile PIN, CVM limit 50.00). The HCE service is then attached to vsmartcard's vpcd
 * (`Virtual PCD 00 00` on TCP 35963, `Virtual PCD 00 01` on 35964) and serves any PC/SC client
 * until SIGINT / SIGTERM, which close the vicc, V-OS and the server and remove the directory.
 *
 * stdout carries one JSON line per event: `{"event":"ready","reader":…,"cardId":…}` once the
 * card is in the reader, then one `tap` line per cryptogram and `stopped` at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachViccCard, type TapEvent, VPCD_DEFAULT_HOST, VPCD_DEFAULT_PORT } from '@openvse/cbp-sdk';
import type { CardProfileKind } from '@openvse/protocol';
import { TEST_ISSUER, TestBench } from '@openvse/test-bench';
import { type Command, InvalidArgumentError, Option } from 'commander';

export interface WalletPcscOptions {
  testCard?: CardProfileKind;
  readerPort: number;
  host: string;
}

/** vpcd's reader name for a port: 35963 → `Virtual PCD 00 00`, 35964 → `Virtual PCD 00 01`. */
export function vpcdReaderName(port: number): string {
  const n = port - VPCD_DEFAULT_PORT;
  return `Virtual PCD 00 ${String(Math.max(0, n)).padStart(2, '0')}`;
}

function port(v: string): number {
  const n = Number(v);
  if (!/^[0-9]{1,5}$/.test(v) || n < 1 || n > 65535) throw new InvalidArgumentError('a TCP port 1..65535');
  return n;
}

const line = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

export async function runWalletPcsc(opts: WalletPcscOptions): Promise<void> {
  if (!opts.testCard)
    throw new Error(
      'wallet pcsc: only --test-card V|M is supported (a provisioned wallet needs a CBP server)',
    );
  const dir = mkdtempSync(join(tmpdir(), 'openvse-wallet-'));
  let bench: TestBench | undefined;
  let vicc: ReturnType<typeof attachViccCard> | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (signal: string): Promise<void> => {
    stopping ??= (async () => {
      await vicc?.close().catch(() => {});
      await bench?.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
      line({ event: 'stopped', signal });
    })();
    return stopping;
  };
  const done = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  try {
    bench = await TestBench.start({
      dir,
      provider: 'vos',
      server: {
        luk: { maxTransactions: 20, ttlSeconds: 86_400, maxAmount: 1_000_000 },
        sukBatch: 10,
        cardDefaults: { cvmLimit: 5000 },
      },
      wallet: {
        checkIntervalMs: 30_000,
        onEvent: (e) => {
          if (e.type === 'tap') line({ event: 'tap', ...tapLine(e.tap) });
          else if (e.type === 'replenished') line({ event: 'replenished', cardId: e.cardId });
        },
      },
    });
    const cardId = await bench.addCard(opts.testCard);
    const card = bench.wallet.card(cardId)!;
    const hce = bench.wallet.hce();
    vicc = attachViccCard({
      host: opts.host,
      port: opts.readerPort,
      processApdu: hce.processApdu,
      // Field off / reset: a new tap starts from nothing selected.
      onEvent: (e) => {
        if (e.type === 'power-off' || e.type === 'reset' || e.type === 'disconnected') hce.reset();
      },
    });
    await vicc.waitConnected(15_000);
    line({
      event: 'ready',
      reader: vpcdReaderName(opts.readerPort),
      cardId,
      profile: card.profile,
      aid: card.aid,
      tokenPanLast4: card.pan.slice(-4),
      credentialsLeft: card.credentialsLeft,
      cvmLimit: card.cvmLimit,
      testIssuer: { imkAc: TEST_ISSUER.imkAc, imkMd: TEST_ISSUER.imkMd },
      server: bench.baseUrl,
    });
  } catch (e) {
    await stop('error');
    throw e;
  }
  await stop(await done);
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

export function registerWalletCommands(program: Command): void {
  const wallet = program.command('wallet').description('the wallet: HCE card emulation and the CBP SDK');
  wallet
    .command('pcsc')
    .description('serve the wallet as a contactless card in vsmartcard’s virtual PC/SC reader (vpcd)')
    .addOption(new Option('--test-card <profile>', 'provision a test card (test issuer)').choices(['V', 'M']))
    .option(
      '--reader-port <port>',
      'vpcd port: 35963 = Virtual PCD 00 00, 35964 = 00 01',
      port,
      VPCD_DEFAULT_PORT,
    )
    .option('--host <host>', 'vpcd host (127.0.0.2 uses the quickack route)', VPCD_DEFAULT_HOST)
    .action(async (o: { testCard?: CardProfileKind; readerPort: number; host: string }) => {
      await runWalletPcsc({
        ...(o.testCard ? { testCard: o.testCard } : {}),
        readerPort: o.readerPort,
        host: o.host,
      });
      process.exit(0);
    });
}
