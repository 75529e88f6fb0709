/**
 * SoftwareProvider: the same CBP core as the TA (packages/cbp-ta `createCbpCore`) on the
 * software platform, keys in plain process memory (docs/cbp-protocol.md §5). It is the baseline
 * an unprotected payment SDK represents, kept for comparison (bench/tap) and for the tests that
 * show what V-OS adds. Core errors (CbpError codes) become the same typed SdkErrors as
 * VosProvider's GP results, so the SDK's business logic never changes between the two.
 */
import { type CbpCore, createCbpCore, createSoftwarePlatform, softwareTaCodeSha256 } from '@openvse/cbp-ta';
import { CbpErrorCode } from '@openvse/protocol';
import { SdkError, sdkCodeForCoreCode } from '../errors.js';
import type {
  CardOperationResult,
  CredentialsProvider,
  EnrollInput,
  JsonWebKey,
  PublicCard,
} from './credentials-provider.js';

/** Options of the {@link SoftwareProvider} constructor. */
export interface SoftwareProviderOptions {
  core: CbpCore;
  /** The public JWK that verifies the software platform's attestations. */
  platformPublicJwk: () => Promise<JsonWebKey> | JsonWebKey;
  /** Signs device request proofs with the software platform identity. */
  signDeviceRequest: (method: string, target: string, bodySha256: Uint8Array) => Promise<string>;
  /** Called by close() (e.g. to flush the software platform's store). */
  onClose?: () => Promise<void> | void;
}

function wrap(what: string, e: unknown): SdkError {
  if (e instanceof SdkError) return e;
  const code = (e as { code?: unknown })?.code;
  return new SdkError(
    sdkCodeForCoreCode(typeof code === 'string' ? code : CbpErrorCode.INTERNAL),
    `${what}: ${typeof code === 'string' ? code : 'failed'}${e instanceof Error && e.message !== code ? ` (${e.message})` : ''}`,
    { cause: e },
  );
}

/** The credentials provider over the CBP core in process memory (the unprotected baseline). */
export class SoftwareProvider implements CredentialsProvider {
  readonly kind = 'software';
  private readonly core: CbpCore;
  private readonly jwk: SoftwareProviderOptions['platformPublicJwk'];
  private readonly onClose: SoftwareProviderOptions['onClose'];
  private readonly signer: SoftwareProviderOptions['signDeviceRequest'];

  constructor(opts: SoftwareProviderOptions) {
    this.core = opts.core;
    this.jwk = opts.platformPublicJwk;
    this.onClose = opts.onClose;
    this.signer = opts.signDeviceRequest;
  }

  private async run<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw wrap(what, e);
    }
  }

  enroll(req: EnrollInput): Promise<string> {
    return this.run('ENROLL', () =>
      this.core.enroll({
        nonce: req.nonce,
        serverSigningJwk: { ...req.serverSigningJwk } as Record<string, unknown>,
      }),
    );
  }
  processServerMessage(jwe: string): Promise<{ typ: string; cardId?: string; seq: number }> {
    return this.run('PROCESS_MESSAGE', () => this.core.processMessage(jwe));
  }
  gpoV(cardId: string, pdolData: Uint8Array): Promise<CardOperationResult> {
    return this.run('GPO_V', () => this.core.gpoV(cardId, new Uint8Array(pdolData)));
  }
  generateAcM(
    cardId: string,
    p1: number,
    cdol1Data: Uint8Array,
    mobilePin?: string,
  ): Promise<CardOperationResult> {
    return this.run('GENAC_M', () => this.core.generateAcM(cardId, p1, new Uint8Array(cdol1Data), mobilePin));
  }
  status(nonce: string): Promise<string> {
    return this.run('STATUS', () => this.core.status(nonce));
  }
  replenishRequest(cardId: string): Promise<string> {
    return this.run('REPLENISH_REQUEST', () => this.core.replenishRequest(cardId));
  }
  cardInfo(): Promise<PublicCard[]> {
    return this.run(
      'CARD_INFO',
      async (): Promise<PublicCard[]> => (await this.core.cardInfo()).map((c) => ({ ...c })),
    );
  }
  wipe(cardId: string): Promise<void> {
    return this.run('WIPE', () => this.core.wipe(cardId));
  }
  verifyCardholder(cardId: string, mobilePin: string): Promise<void> {
    return this.run('CDCVM', () => this.core.verifyCardholder(cardId, mobilePin));
  }
  forgetCardholderVerification(): Promise<void> {
    return this.run('CDCVM', () => this.core.forgetCardholderVerification());
  }
  async platformPublicJwk(): Promise<JsonWebKey> {
    return { ...(await this.jwk()) };
  }
  signDeviceRequest(method: string, target: string, bodySha256: Uint8Array): Promise<string> {
    return this.run('REQUEST_PROOF', () => this.signer(method, target, bodySha256));
  }
  async close(): Promise<void> {
    await this.onClose?.();
  }
}

/** Options of {@link createSoftwareProvider}. */
export interface CreateSoftwareProviderOptions {
  /** Keep the (clear!) state in this directory so a restart finds it; in memory when absent. */
  dataDir?: string;
  clock?: { now(): number };
}

/**
 * A SoftwareProvider over packages/cbp-ta's core and software platform. `codeSha256` is the code
 * identity its attestations report (cbp-ta's `softwareTaCodeSha256`: SHA-256 of the compiled
 * core), for the server's allow-list.
 */
export async function createSoftwareProvider(
  opts: CreateSoftwareProviderOptions = {},
): Promise<{ provider: SoftwareProvider; codeSha256: string; deviceId: string }> {
  const platform = await createSoftwarePlatform({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const core = createCbpCore(platform);
  // The same function the software platform's attestation takes its code identity from.
  const codeSha256 = softwareTaCodeSha256();
  const provider = new SoftwareProvider({
    core,
    platformPublicJwk: () => ({ ...platform.platformPublicJwk }),
    signDeviceRequest: (m, t, d) => platform.signDeviceRequest(m, t, d),
  });
  return { provider, codeSha256, deviceId: platform.deviceId };
}
