/**
 * The two platforms the same CBP TA suite runs on:
 *  - 'software': createCbpCore(createSoftwarePlatform()) in-process, with an injectable clock;
 *  - 'vos': the signed CBP TA bundle (buildCbpTaBundle) installed in a real V-OS (startVos, temp
 *    data dir, a test TA-signing key), driven through its GP commands by `VosCbp` below, which
 *    throws CbpError(teeResultToCbpErrorCode(result)) like the SDK's VosProvider would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildCbpTaBundle,
  type CbpCore,
  type CryptogramResult,
  cbpTaCodeSha256,
  createCbpCore,
  createSoftwarePlatform,
  type SoftwarePlatform,
  softwareTaCodeSha256,
} from '@openvse/cbp-ta';
import {
  CBP_TA_UUID,
  CbpCommand,
  CbpError,
  type PublicCard,
  teeResultToCbpErrorCode,
} from '@openvse/protocol';
import {
  generateTaSigningKeyPair,
  startVos,
  type VosClient,
  type VosParam,
  type VosSession,
} from '@openvse/vos';

export interface Target {
  name: 'software' | 'vos';
  core: CbpCore;
  platformJwk: Record<string, unknown>;
  codeSha256: string;
  /** Simulates a crash / restart: V-OS worker shut down and started again on the same data. */
  restart(): Promise<void>;
  close(): Promise<void>;
  /** V-Guard raising threat flags in the platform (V-OS: client.reportThreats). */
  raiseThreats(flags: string[]): Promise<void>;
  /** Clears them (V-OS: flags last until a restart). */
  clearThreats(): Promise<void>;
  /** V-OS only: raw access for parameter tests. */
  session?: () => VosSession;
  /** Software only. */
  platform?: SoftwarePlatform;
}

const dirs: string[] = [];
process.once('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
export function tempDir(prefix = 'cbp-ta-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export class TaCallError extends CbpError {
  readonly result: number;
  constructor(result: number) {
    super(teeResultToCbpErrorCode(result), `TA result 0x${result.toString(16)}`);
    this.result = result;
  }
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** The CBP TA's commands through a V-OS session (what a VosProvider does). */
export function vosCbp(getSession: () => VosSession): CbpCore {
  async function call(cmd: number, params: VosParam[]) {
    const r = await getSession().invoke(cmd, params);
    if (r.result !== 0) throw new TaCallError(r.result);
    return r.params;
  }
  const memOut = (size: number): VosParam => ({ type: 'memref', dir: 'out', size });
  const bytesOf = (p: unknown) => (p as { data: Uint8Array }).data;
  const crypto = async (params: VosParam[], cmd: number): Promise<CryptogramResult> => {
    const out = await call(cmd, params);
    const v = out[2] as { a: number; b: number };
    return { reason: v.a, atc: v.b, elements: bytesOf(out[3]) };
  };
  return {
    async enroll(req) {
      const out = await call(CbpCommand.ENROLL, [
        { type: 'memref', data: enc(JSON.stringify(req)) },
        memOut(16384),
      ]);
      return dec(bytesOf(out[1]));
    },
    async processMessage(jwe) {
      const out = await call(CbpCommand.PROCESS_MESSAGE, [{ type: 'memref', data: enc(jwe) }, memOut(1024)]);
      return JSON.parse(dec(bytesOf(out[1])));
    },
    gpoV: (cardId, pdol) =>
      crypto(
        [
          { type: 'memref', data: enc(JSON.stringify({ cardId })) },
          { type: 'memref', data: pdol },
          { type: 'value', dir: 'out' },
          memOut(512),
        ],
        CbpCommand.GPO_V,
      ),
    generateAcM: (cardId, p1, cdol1, mobilePin) =>
      crypto(
        [
          {
            type: 'memref',
            data: enc(JSON.stringify(mobilePin === undefined ? { cardId } : { cardId, mobilePin })),
          },
          { type: 'memref', data: cdol1 },
          { type: 'value', dir: 'inout', a: p1, b: 0 },
          memOut(512),
        ],
        CbpCommand.GENAC_M,
      ),
    async status(nonce) {
      const out = await call(CbpCommand.STATUS, [{ type: 'memref', data: enc(nonce) }, memOut(131072)]);
      return dec(bytesOf(out[1]));
    },
    async replenishRequest(cardId) {
      const out = await call(CbpCommand.REPLENISH_REQUEST, [
        { type: 'memref', data: enc(cardId) },
        memOut(131072),
      ]);
      return dec(bytesOf(out[1]));
    },
    async cardInfo() {
      const out = await call(CbpCommand.CARD_INFO, [memOut(262144)]);
      return JSON.parse(dec(bytesOf(out[0]))) as PublicCard[];
    },
    async wipe(cardId) {
      await call(CbpCommand.WIPE, [{ type: 'memref', data: enc(cardId) }]);
    },
    async verifyCardholder(cardId, mobilePin) {
      await call(CbpCommand.CDCVM, [{ type: 'memref', data: enc(JSON.stringify({ cardId, mobilePin })) }]);
    },
    async forgetCardholderVerification() {
      await call(CbpCommand.CDCVM, [{ type: 'memref', data: enc(JSON.stringify({ forget: true })) }]);
    },
  };
}

export async function softwareTarget(clock: { now(): number }): Promise<Target> {
  const dataDir = tempDir();
  let platform = await createSoftwarePlatform({ dataDir, clock });
  let core = createCbpCore(platform);
  const t: Target = {
    name: 'software',
    get core() {
      return core;
    },
    platformJwk: platform.platformPublicJwk,
    codeSha256: softwareTaCodeSha256(),
    platform,
    async restart() {
      platform = await createSoftwarePlatform({ dataDir, clock });
      core = createCbpCore(platform);
      t.platform = platform;
    },
    async raiseThreats(flags) {
      platform.setThreatFlags([...(await platform.threatFlags()), ...flags]);
    },
    async clearThreats() {
      platform.setThreatFlags([]);
    },
    async close() {},
  };
  return t;
}

export const taSigner = generateTaSigningKeyPair();

export async function vosTarget(): Promise<Target> {
  const dataDir = tempDir();
  const start = () => startVos({ dataDir, pinnedTaKeys: [taSigner.publicKeyPem], commandTimeoutMs: 10_000 });
  let vos: VosClient = await start();
  await vos.installTa(buildCbpTaBundle({ signingKeyPem: taSigner.privateKeyPem }));
  let session = await vos.openSession(CBP_TA_UUID);
  const status = await vos.status();
  const core = vosCbp(() => session);
  const restart = async () => {
    await vos.shutdown();
    vos = await start();
    session = await vos.openSession(CBP_TA_UUID);
  };
  return {
    name: 'vos',
    core,
    platformJwk: status.platformKey.jwk,
    codeSha256: cbpTaCodeSha256(),
    session: () => session,
    restart,
    async raiseThreats(flags) {
      await vos.reportThreats(flags);
    },
    clearThreats: restart,
    async close() {
      await vos.shutdown();
    },
  };
}
