/**
 * Attestation through the client and from inside a TA (docs/attestation.md), verified with the
 * platform key from `status()`; a worker crash (V8 heap limit, Node.js docs "Worker threads"
 * resourceLimits) handled like a watchdog restart; and V-OS on a PKCS#11 root of trust (SoftHSM2)
 * across a restart, skipped loudly when SoftHSM2 is not installed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { verifyAttestation } from '@openvse/attestation';
import { startVos, TeeOrigin, TeeResult } from '../../src/index.js';
import { makeSoftHsmToken, softHsmMissing } from '../helpers/softhsm.js';
import { requireSystem } from '../helpers/system.js';
import { bundle, runScript, SCRIPT_TA_CODE, signer, tempDir, withVos } from './fixture.js';

const TA = '12121212-0000-4000-8000-000000000001';
const HOG = '12121212-0000-4000-8000-000000000002';

describe('attestation, crashes and roots of trust', () => {
  it('attests a TA to a nonce; a TA attests its own public keys', async () => {
    await withVos(async (vos) => {
      await vos.installTa(
        bundle({ uuid: TA, code: SCRIPT_TA_CODE, capabilities: ['attest', 'crypto.ec', 'keys'] }),
      );
      const st = await vos.status();
      const nonce = randomBytes(16);
      const jws = await vos.attest(TA, nonce);
      const claims = await verifyAttestation(jws, st.platformKey.jwk as never, nonce.toString('base64url'));
      assert.equal(claims.ta.uuid, TA);
      assert.equal(claims.ta.codeSha256, st.installedTas[0]!.codeSha256);
      assert.equal(claims.protectionLevel, st.protectionLevel);
      assert.equal(claims.stateCounter, st.stateCounter.toString());

      const s = await vos.openSession(TA);
      const r = await runScript(
        s,
        `const k = keys.generate('EC_P256', ['sign']);
         return { jws: await attest.statement({ nonce: unhex('00112233445566778899'), keys: [k] }), pub: keys.exportPublic(k) };`,
      );
      const v = r.value as { jws: string; pub: string };
      const own = await verifyAttestation(
        v.jws,
        st.platformKey.jwk as never,
        Buffer.from('00112233445566778899', 'hex').toString('base64url'),
      );
      const jwk = Object.values(own.taPublicKeys ?? {})[0] as { x: string; y: string };
      assert.equal(
        Buffer.concat([
          Buffer.of(4),
          Buffer.from(jwk.x, 'base64url'),
          Buffer.from(jwk.y, 'base64url'),
        ]).toString('hex'),
        v.pub,
      );
      await s.close();
    });
  });

  it('a TA with attest reads the threat flags V-Guard reported; one without has no threats global', async () => {
    const PLAIN = '12121212-0000-4000-8000-000000000003';
    await withVos(async (vos) => {
      await vos.installTa(bundle({ uuid: TA, code: SCRIPT_TA_CODE, capabilities: ['attest'] }));
      await vos.installTa(bundle({ uuid: PLAIN, code: SCRIPT_TA_CODE, capabilities: [] }));
      const s = await vos.openSession(TA);
      assert.deepEqual((await runScript(s, 'return threats.flags();')).value, []);
      await vos.reportThreats(['INSPECTOR_OPEN', 'LD_PRELOAD']);
      assert.deepEqual((await runScript(s, 'return threats.flags();')).value, [
        'INSPECTOR_OPEN',
        'LD_PRELOAD',
      ]);
      const p = await vos.openSession(PLAIN);
      assert.equal((await runScript(p, 'return typeof threats;')).value, 'undefined');
      await s.close();
      await p.close();
    });
  });

  it('survives a TA that exhausts the worker heap: TARGET_DEAD, then a fresh worker', async () => {
    await withVos(
      async (vos) => {
        await vos.installTa(
          bundle({
            uuid: HOG,
            code: `function TA_InvokeCommandEntryPoint() { const a = []; for (;;) a.push(new Array(1e5).fill(1)); }`,
          }),
        );
        const s = await vos.openSession(HOG);
        const r = await s.invoke(0, []);
        assert.equal(r.result, TeeResult.ERROR_TARGET_DEAD);
        assert.equal(r.origin, TeeOrigin.TEE);
        const st = await vos.status();
        assert.ok(st.installedTas.some((t) => t.uuid === HOG));
      },
      { resourceLimits: { maxOldGenerationSizeMb: 48 }, commandTimeoutMs: 20_000 },
    );
  });

  it('runs on a PKCS#11 root of trust (SoftHSM2) across a restart', async (t) => {
    if (!requireSystem('SoftHSM2 + pkcs11js', softHsmMissing() === null, t)) return;
    const token = await makeSoftHsmToken({ label: 'vos-runtime' });
    Object.assign(process.env, token.env);
    const dataDir = tempDir();
    const rootOfTrust = {
      kind: 'pkcs11' as const,
      module: token.module,
      tokenLabel: token.tokenLabel,
      pin: token.pin,
    };
    try {
      let vos = await startVos({ dataDir, pinnedTaKeys: [signer.publicKeyPem], rootOfTrust });
      try {
        await vos.installTa(
          bundle({ uuid: TA, code: SCRIPT_TA_CODE, capabilities: ['keys', 'crypto.tdes', 'storage'] }),
        );
        const s = await vos.openSession(TA);
        const r = await runScript(
          s,
          `const h = keys.generate('DES3', ['mac']); await keys.persist(h, 'k'); return hex(keys.kcv(h));`,
        );
        assert.equal(r.ok, true, r.message);
        const st = await vos.status();
        assert.equal(st.rootOfTrust.kind, 'pkcs11');
        await s.close();
        await vos.shutdown();
        vos = await startVos({ dataDir, pinnedTaKeys: [signer.publicKeyPem], rootOfTrust });
        const s2 = await vos.openSession(TA);
        const again = await runScript(s2, `return hex(keys.kcv(await keys.load('k')));`);
        assert.equal(again.value, r.value);
        await s2.close();
      } finally {
        await vos.shutdown();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await token.cleanup();
    }
  });
});
