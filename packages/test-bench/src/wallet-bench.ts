/**
 * The test issuer bench (docs/design.md "Test issuer"; docs/cbp-sdk.md "Test issuer"): a CBP server
 * in process (packages/server, SQLite in a directory, the documented test issuer keys
 * IMK_AC 0123456789ABCDEFFEDCBA9876543210 / IMK_MD FEDCBA98765432100123456789ABCDEF), a wallet
 * over either provider (V-OS with the CBP TA installed from a bundle signed by a fresh TA key
 * pinned in this V-OS, or the software baseline), enrolled and provisioned through the same
 * encrypted path as production: digitize → challenge → attestation → enroll → provision
 * messages (JWE) relayed to the TA. For tests, `openvse wallet pcsc --test-card` and benchmarks
 * only: the issuer keys are public.
 *
 * Test tooling (its own workspace package: no library depends on it; docs/testing.md).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CredentialsProvider,
  createFileStore,
  createSoftwareProvider,
  type FetchLike,
  ServerClient,
  VosProvider,
  WalletSdk,
  type WalletSdkOptions,
} from '@openvse/cbp-sdk';
import { buildCbpTaBundle } from '@openvse/cbp-ta';
import { type AuthorizationResponse, CBP_TA_UUID as CBP_UUID } from '@openvse/protocol';
import { Caller, createServer, type ServerConfig, TEST_ISSUER_KEYS } from '@openvse/server';
import { generateTaSigningKeyPair, startVos, type VosClient } from '@openvse/vos';
import { createTestAuthorizationServer, type TestAuthorizationServer } from './access-tokens.js';

/** The documented test issuer: its master keys and the funding cards the bench digitizes. */
export const TEST_ISSUER = Object.freeze({
  imkAc: TEST_ISSUER_KEYS.imkAc,
  imkMd: TEST_ISSUER_KEYS.imkMd,
  /** Funding PANs the bench digitizes (Luhn-valid test numbers). */
  fundingPanV: '4111111111111111',
  fundingPanM: '5555555555554444',
  expiry: '3012',
});

type FastifyLike = Awaited<ReturnType<typeof createServer>>;

/** Options of {@link TestBench.start}. */
export interface TestBenchOptions {
  /** Where V-OS, the software provider's state, the SQLite database and the wallet store live. */
  dir: string;
  provider: 'vos' | 'software';
  /** Extra server configuration (luk policy, sukBatch, cardDefaults, clock, riskEngine…). */
  server?: Partial<ServerConfig>;
  /** Wallet options (timers, retry…); the provider, server client and store are the bench's. */
  wallet?: Partial<Omit<WalletSdkOptions, 'provider' | 'server' | 'store'>>;
  /** Wraps the server client's fetch (tests switch the network off with it). */
  fetch?: FetchLike;
  /**
   * The server requires callers to authenticate (docs/server-api.md "Callers"): the bench's
   * back-office calls carry access tokens of a test authorization server, the wallet's device
   * requests carry proofs signed by its provider. Without it the server runs in open mode.
   */
  auth?: boolean;
  /** The wallet's server client signs device request proofs (default true). */
  deviceProofs?: boolean;
}

/** Options of {@link TestBench.addCard}. */
export interface AddCardOptions {
  mobilePin?: string;
  fundingPan?: string;
  expiry?: string;
}

/** The server's answer to an authorization (protocol's AuthorizationResponse). */
export type AuthorizationAnswer = AuthorizationResponse;

/** What the bench needs from a terminal outcome (packages/terminal Outcome). */
export interface OutcomeLike {
  chipData?: Uint8Array;
  pan?: string;
  panSequence?: string;
}

/** A CBP server, a provider and a wallet in process, enrolled through the production path. */
export class TestBench {
  readonly dir: string;
  readonly kind: 'vos' | 'software';
  app!: FastifyLike;
  baseUrl!: string;
  client!: ServerClient;
  provider!: CredentialsProvider;
  wallet!: WalletSdk;
  vos: VosClient | undefined;
  private opts: TestBenchOptions;
  private taKeys = generateTaSigningKeyPair();
  /** The test authorization server, with `auth`. */
  tokens: TestAuthorizationServer | undefined;
  private codeSha256 = '';

  private constructor(opts: TestBenchOptions) {
    this.opts = opts;
    this.dir = opts.dir;
    this.kind = opts.provider;
  }

  /** Starts the server and the provider, opens the wallet and enrolls the device. */
  static async start(opts: TestBenchOptions): Promise<TestBench> {
    const b = new TestBench(opts);
    mkdirSync(opts.dir, { recursive: true });
    if (opts.auth) b.tokens = await createTestAuthorizationServer();
    await b.openProvider(
      opts.provider === 'vos' ? buildCbpTaBundle({ signingKeyPem: b.taKeys.privateKeyPem }) : undefined,
    );
    b.app = await createServer({
      db: `sqlite:${join(opts.dir, 'server.db')}`,
      kek: randomBytes(32).toString('hex'),
      issuerKeys: { mode: 'test' },
      attestation: { allowedCodeHashes: [b.codeSha256], minimumLevel: 'L0' },
      luk: { maxTransactions: 20, ttlSeconds: 86_400, maxAmount: 1_000_000 },
      sukBatch: 10,
      logger: false,
      // The fraud engine is not what these flows test (a software/L0 device with no V-Guard
      // heartbeat would be stepped up): approve-all risk unless the caller configures it.
      ...({ fraud: false } as Partial<ServerConfig>),
      ...(b.tokens ? { auth: b.tokens.auth } : {}),
      ...opts.server,
    });
    await b.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = b.app.server.address();
    if (!addr || typeof addr === 'string') throw new Error('test bench: server address unknown');
    b.baseUrl = `http://127.0.0.1:${addr.port}`;
    b.client = new ServerClient({
      baseUrl: b.baseUrl,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      // The provider of the moment (restartWallet reopens it).
      ...(opts.deviceProofs === false
        ? {}
        : { deviceProof: (m: string, t: string, d: Uint8Array) => b.provider.signDeviceRequest(m, t, d) }),
    });
    await b.openWallet();
    await b.wallet.enroll();
    return b;
  }

  private installedBundle: Uint8Array | undefined;

  private async openProvider(bundle?: Uint8Array): Promise<void> {
    if (bundle) this.installedBundle = bundle;
    if (this.kind === 'vos') {
      this.vos = await startVos({ dataDir: join(this.dir, 'vos'), pinnedTaKeys: [this.taKeys.publicKeyPem] });
      const st = await this.vos.status();
      if (!st.installedTas.some((t) => t.uuid === CBP_UUID)) await this.vos.installTa(this.installedBundle!);
      const st2 = await this.vos.status();
      this.codeSha256 = st2.installedTas.find((t) => t.uuid === CBP_UUID)!.codeSha256;
      this.provider = await VosProvider.open({ vos: this.vos });
    } else {
      mkdirSync(join(this.dir, 'software'), { recursive: true });
      const sp = await createSoftwareProvider({ dataDir: join(this.dir, 'software') });
      this.codeSha256 = sp.codeSha256;
      this.provider = sp.provider;
    }
  }

  private async openWallet(): Promise<void> {
    this.wallet = await WalletSdk.open({
      checkIntervalMs: 0,
      retry: { baseMs: 50, maxMs: 1000 },
      afterTapDelayMs: 100,
      ...this.opts.wallet,
      provider: this.provider,
      server: this.client,
      store: createFileStore(join(this.dir, 'wallet.json')),
    });
  }

  /** The credentials of a back-office caller (none when the server runs in open mode). */
  async as(caller: Caller): Promise<Record<string, string>> {
    return this.tokens ? this.tokens.header(caller) : {};
  }

  /** Digitizes a card on the server and provisions it to this wallet. Returns its card id. */
  async addCard(profile: 'V' | 'M', o: AddCardOptions = {}): Promise<string> {
    const r = await this.app.inject({
      method: 'POST',
      url: '/v1/cards',
      headers: await this.as(Caller.TOKEN_REQUESTOR),
      payload: {
        fundingPan: o.fundingPan ?? (profile === 'V' ? TEST_ISSUER.fundingPanV : TEST_ISSUER.fundingPanM),
        expiry: o.expiry ?? TEST_ISSUER.expiry,
        profile,
        ...(o.mobilePin ? { mobilePin: o.mobilePin } : {}),
      },
    });
    if (r.statusCode !== 201) throw new Error(`digitize: ${r.statusCode} ${r.body}`);
    const made = r.json() as { cardId: string; activation: { code: string } };
    await this.wallet.provision(made.cardId, made.activation.code);
    const cardId = made.cardId;
    return cardId;
  }

  /** A server back-office lifecycle action (suspend / resume / delete). */
  async lifecycle(cardId: string, action: 'suspend' | 'resume' | 'delete'): Promise<void> {
    const r = await this.app.inject({
      method: 'POST',
      url: `/v1/cards/${cardId}/${action}`,
      headers: await this.as(Caller.ISSUER),
      payload: {},
    });
    if (r.statusCode !== 200) throw new Error(`${action}: ${r.statusCode} ${r.body}`);
  }

  /** POST /v1/authorizations with the terminal's outcome, as an acquirer host would. */
  async authorize(outcome: OutcomeLike, amount: number, currency = '978'): Promise<AuthorizationAnswer> {
    if (!outcome.chipData || !outcome.pan)
      throw new Error('authorize: the outcome carries no chip data / PAN');
    const r = await this.app.inject({
      method: 'POST',
      url: '/v1/authorizations',
      headers: await this.as(Caller.ACQUIRER),
      payload: {
        idempotencyKey: randomUUID(),
        tokenPan: outcome.pan,
        ...(outcome.panSequence ? { panSequence: outcome.panSequence } : {}),
        chipData: Buffer.from(outcome.chipData).toString('hex').toUpperCase(),
        amount,
        currency,
      },
    });
    if (r.statusCode !== 200) throw new Error(`authorize: ${r.statusCode} ${r.body}`);
    return r.json() as AuthorizationAnswer;
  }

  /**
   * Crash and restart of the wallet: the WalletSdk object is dropped without closing; with
   * `restartProvider` V-OS is shut down and started again on the same data directory (the
   * software provider reopens its state from the same directory).
   */
  async restartWallet(restartProvider = true): Promise<WalletSdk> {
    const old = this.wallet;
    await old.close();
    if (restartProvider) {
      await this.provider.close();
      await this.vos?.shutdown();
      this.vos = undefined;
      await this.openProvider();
    }
    await this.openWallet();
    return this.wallet;
  }

  async close(): Promise<void> {
    await this.wallet?.close().catch(() => {});
    await this.provider?.close().catch(() => {});
    await this.vos?.shutdown().catch(() => {});
    await this.app?.close().catch(() => {});
  }
}
