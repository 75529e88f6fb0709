/**
 * VosProvider: the credentials provider backed by the CBP TA inside V-OS (docs/cbp-protocol.md
 * §4 commands, §5 provider). Each method is one TA command with exactly the parameter types the
 * TA checks (GP TEE Client API v1.0 §4.3.6); a GP error result becomes a typed SdkError.
 * An output larger than the capacity offered (TEE_ERROR_SHORT_BUFFER) is retried once with the
 * size the TA asked for.
 */
import { CBP_TA_UUID, CbpCommand, CbpOutputSize, TeeResult } from '@openvse/protocol';
import type { InvokeResult, VosClient, VosParam, VosSession } from '@openvse/vos';
import { SdkError, SdkErrorCode, sdkCodeForTeeResult } from '../errors.js';
import type {
  CardOperationResult,
  CredentialsProvider,
  EnrollInput,
  JsonWebKey,
  PublicCard,
} from './credentials-provider.js';

/**
 * Output capacities offered per command. ENROLL, PROCESS_MESSAGE, GPO_V and GENAC_M offer
 * exactly protocol's CbpOutputSize. STATUS, REPLENISH_REQUEST and CARD_INFO offer less than
 * protocol's maxima (STATEMENT 128 KiB, CARD_INFO 256 KiB): a status, a replenishment statement
 * or a card list is usually far smaller, and a larger answer comes back as
 * TEE_ERROR_SHORT_BUFFER with the size needed, which `call` offers once (GP TEE Client API v1.0
 * §4.5.9). So each call's shared memory stays small for the common case.
 */
const OUTPUT_SIZE = {
  ENROLL: CbpOutputSize.ATTESTATION,
  PROCESS_MESSAGE: CbpOutputSize.MESSAGE_RESULT,
  ELEMENTS: CbpOutputSize.ELEMENTS,
  STATUS: 16 * 1024,
  REPLENISH_REQUEST: 64 * 1024,
  CARD_INFO: 64 * 1024,
} as const;

const utf8 = new TextEncoder();
const fromUtf8 = (b: Uint8Array): string => new TextDecoder().decode(b);

type Out = InvokeResult['params'][number];

function memrefOut(p: Out | undefined, what: string): Uint8Array {
  if (p?.type !== 'memref') throw new SdkError(SdkErrorCode.PROVIDER_FAILED, `${what}: no output memref`);
  return p.data;
}

function valueOut(p: Out | undefined, what: string): { a: number; b: number } {
  if (p?.type !== 'value') throw new SdkError(SdkErrorCode.PROVIDER_FAILED, `${what}: no output value`);
  return { a: p.a, b: p.b };
}

/** Options of {@link VosProvider.open}. */
export interface VosProviderOptions {
  vos: VosClient;
  /** Default: the CBP TA UUID. */
  taUuid?: string;
}

/** The credentials provider backed by the CBP TA inside V-OS (one TA session, reopened when it dies). */
export class VosProvider implements CredentialsProvider {
  readonly kind = 'vos';
  private readonly vos: VosClient;
  private readonly taUuid: string;
  private session: VosSession | undefined;
  private opening: Promise<VosSession> | undefined;

  private constructor(opts: VosProviderOptions) {
    this.vos = opts.vos;
    this.taUuid = opts.taUuid ?? CBP_TA_UUID;
  }

  /** Opens a session to the CBP TA in `vos` (the TA must be installed). */
  static async open(opts: VosProviderOptions): Promise<VosProvider> {
    const p = new VosProvider(opts);
    await p.getSession();
    return p;
  }

  private async getSession(): Promise<VosSession> {
    if (this.session) return this.session;
    if (!this.opening) {
      this.opening = this.vos.openSession(this.taUuid).then(
        (s) => {
          this.session = s;
          this.opening = undefined;
          return s;
        },
        (e: unknown) => {
          this.opening = undefined;
          const r = (e as { result?: number }).result;
          throw new SdkError(
            r === undefined ? SdkErrorCode.PROVIDER_DEAD : sdkCodeForTeeResult(r),
            'cannot open a session to the CBP TA',
            { ...(r === undefined ? {} : { result: r }), cause: e },
          );
        },
      );
    }
    return this.opening;
  }

  /**
   * One command. `idempotent` commands are retried once on a fresh session when the old one is
   * dead (TA restarted); cryptogram commands never are, so a tap never runs twice.
   */
  private async call(
    what: string,
    cmd: number,
    params: VosParam[],
    idempotent: boolean,
  ): Promise<InvokeResult['params']> {
    let session = await this.getSession();
    let r = await session.invoke(cmd, params);
    if (r.result === TeeResult.ERROR_TARGET_DEAD && idempotent) {
      this.session = undefined;
      session = await this.getSession();
      r = await session.invoke(cmd, params);
    }
    if (r.result === TeeResult.ERROR_SHORT_BUFFER) {
      // GP §4.5.9: the output parameter carries the size needed; offer exactly that once.
      const bigger = params.map((p, i) => {
        const o = r.params[i];
        if (p.type === 'memref' && p.dir === 'out' && o?.type === 'memref' && o.size > (p.size ?? 0))
          return { type: 'memref' as const, dir: 'out' as const, size: o.size };
        return p;
      });
      r = await session.invoke(cmd, bigger);
    }
    if (r.result !== TeeResult.SUCCESS) {
      if (r.result === TeeResult.ERROR_TARGET_DEAD) this.session = undefined;
      throw new SdkError(
        sdkCodeForTeeResult(r.result),
        `${what}: CBP TA answered 0x${r.result.toString(16).toUpperCase()}`,
        { result: r.result },
      );
    }
    return r.params;
  }

  async enroll(req: EnrollInput): Promise<string> {
    const p = await this.call(
      'ENROLL',
      CbpCommand.ENROLL,
      [
        { type: 'memref', dir: 'in', data: utf8.encode(JSON.stringify(req)) },
        { type: 'memref', dir: 'out', size: OUTPUT_SIZE.ENROLL },
      ],
      false,
    );
    return fromUtf8(memrefOut(p[1], 'ENROLL'));
  }

  async processServerMessage(jwe: string): Promise<{ typ: string; cardId?: string; seq: number }> {
    const p = await this.call(
      'PROCESS_MESSAGE',
      CbpCommand.PROCESS_MESSAGE,
      [
        { type: 'memref', dir: 'in', data: utf8.encode(jwe) },
        { type: 'memref', dir: 'out', size: OUTPUT_SIZE.PROCESS_MESSAGE },
      ],
      false,
    );
    return JSON.parse(fromUtf8(memrefOut(p[1], 'PROCESS_MESSAGE')));
  }

  async gpoV(cardId: string, pdolData: Uint8Array): Promise<CardOperationResult> {
    const p = await this.call(
      'GPO_V',
      CbpCommand.GPO_V,
      [
        { type: 'memref', dir: 'in', data: utf8.encode(JSON.stringify({ cardId })) },
        { type: 'memref', dir: 'in', data: pdolData },
        { type: 'value', dir: 'out' },
        { type: 'memref', dir: 'out', size: OUTPUT_SIZE.ELEMENTS },
      ],
      false,
    );
    const v = valueOut(p[2], 'GPO_V');
    return { reason: v.a, atc: v.b, elements: memrefOut(p[3], 'GPO_V') };
  }

  async generateAcM(
    cardId: string,
    p1: number,
    cdol1Data: Uint8Array,
    mobilePin?: string,
  ): Promise<CardOperationResult> {
    const p = await this.call(
      'GENAC_M',
      CbpCommand.GENAC_M,
      [
        {
          type: 'memref',
          dir: 'in',
          data: utf8.encode(JSON.stringify(mobilePin === undefined ? { cardId } : { cardId, mobilePin })),
        },
        { type: 'memref', dir: 'in', data: cdol1Data },
        { type: 'value', dir: 'inout', a: p1 & 0xff, b: 0 },
        { type: 'memref', dir: 'out', size: OUTPUT_SIZE.ELEMENTS },
      ],
      false,
    );
    const v = valueOut(p[2], 'GENAC_M');
    return { reason: v.a, atc: v.b, elements: memrefOut(p[3], 'GENAC_M') };
  }

  async status(nonce: string): Promise<string> {
    const p = await this.call(
      'STATUS',
      CbpCommand.STATUS,
      [
        { type: 'memref', dir: 'in', data: utf8.encode(nonce) },
        { type: 'memref', dir: 'out', size: OUTPUT_SIZE.STATUS },
      ],
      true,
    );
    return fromUtf8(memrefOut(p[1], 'STATUS'));
  }

  async replenishRequest(cardId: string): Promise<string> {
    const p = await this.call(
      'REPLENISH_REQUEST',
      CbpCommand.REPLENISH_REQUEST,
      [
        { type: 'memref', dir: 'in', data: utf8.encode(cardId) },
        { type: 'memref', dir: 'out', size: OUTPUT_SIZE.REPLENISH_REQUEST },
      ],
      true,
    );
    return fromUtf8(memrefOut(p[1], 'REPLENISH_REQUEST'));
  }

  async cardInfo(): Promise<PublicCard[]> {
    const p = await this.call(
      'CARD_INFO',
      CbpCommand.CARD_INFO,
      [{ type: 'memref', dir: 'out', size: OUTPUT_SIZE.CARD_INFO }],
      true,
    );
    return JSON.parse(fromUtf8(memrefOut(p[0], 'CARD_INFO'))) as PublicCard[];
  }

  async wipe(cardId: string): Promise<void> {
    await this.call(
      'WIPE',
      CbpCommand.WIPE,
      [{ type: 'memref', dir: 'in', data: utf8.encode(cardId) }],
      true,
    );
  }

  async verifyCardholder(cardId: string, mobilePin: string): Promise<void> {
    await this.call(
      'CDCVM',
      CbpCommand.CDCVM,
      [{ type: 'memref', dir: 'in', data: utf8.encode(JSON.stringify({ cardId, mobilePin })) }],
      true,
    );
  }

  async forgetCardholderVerification(): Promise<void> {
    await this.call(
      'CDCVM',
      CbpCommand.CDCVM,
      [{ type: 'memref', dir: 'in', data: utf8.encode(JSON.stringify({ forget: true })) }],
      true,
    );
  }

  async platformPublicJwk(): Promise<JsonWebKey> {
    const s = await this.vos.status();
    return { ...(s.platformKey.jwk as JsonWebKey) };
  }

  async signDeviceRequest(method: string, target: string, bodySha256: Uint8Array): Promise<string> {
    try {
      return await this.vos.signDeviceRequest(method, target, bodySha256);
    } catch (e) {
      const r = (e as { result?: unknown })?.result;
      throw new SdkError(
        typeof r === 'number' ? sdkCodeForTeeResult(r) : SdkErrorCode.PROVIDER_FAILED,
        'signDeviceRequest: V-OS refused',
        { cause: e },
      );
    }
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    await s?.close().catch(() => {});
  }
}
