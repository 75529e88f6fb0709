/**
 * The example TA (packages/vos/examples/hello-ta): packs it from its manifest and code, installs
 * it, and checks what it promises: a 3DES key kept in sealed storage, ISO 9797-1 MAC algorithm 3
 * (padding 2) equal to @openvse/emv's reference, a counter that survives a V-OS restart, and
 * exact parameter-type checks (OP-TEE secure_storage example idiom).
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { keyCheckValue, macIso9797Alg3 } from '@openvse/emv';
import { packTa, startVos, TeeResult } from '../../src/index.js';
import { signer, tempDir } from '../runtime/fixture.js';

const dir = fileURLToPath(new URL('../../../examples/hello-ta/', import.meta.url));
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const code = readFileSync(join(dir, 'ta.js'), 'utf8');
const KEY = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const CMD = manifest.commands as Record<string, number>;

describe('example TA: hello-ta', () => {
  it('MACs with a sealed 3DES key and keeps its counter across restarts', async () => {
    const dataDir = tempDir();
    const config = { dataDir, pinnedTaKeys: [signer.publicKeyPem] };
    const taBundle = packTa({ manifest, code }, signer.privateKeyPem);
    const data = new TextEncoder().encode('hello, secure world');

    let vos = await startVos(config);
    try {
      await vos.installTa(taBundle);
      const s = await vos.openSession(manifest.uuid);
      const noKey = await s.invoke(CMD.KCV!, [{ type: 'memref', dir: 'out', size: 3 }]);
      assert.equal(noKey.result, TeeResult.ERROR_BAD_STATE);
      assert.equal(
        (await s.invoke(CMD.IMPORT_KEY!, [{ type: 'memref', data: KEY }])).result,
        TeeResult.SUCCESS,
      );
      const kcv = await s.invoke(CMD.KCV!, [{ type: 'memref', dir: 'out', size: 3 }]);
      assert.deepEqual(kcv.params[0], { type: 'memref', data: keyCheckValue(KEY), size: 3 });
      for (let n = 1; n <= 3; n++) {
        const r = await s.invoke(CMD.MAC!, [
          { type: 'memref', data },
          { type: 'memref', dir: 'out', size: 8 },
          { type: 'value', dir: 'out' },
        ]);
        assert.equal(r.result, TeeResult.SUCCESS);
        assert.deepEqual(r.params[1], { type: 'memref', data: macIso9797Alg3(KEY, data, 2), size: 8 });
        assert.equal((r.params[2] as { a: number }).a, n);
      }
      // Wrong param types are refused by the TA itself.
      const bad = await s.invoke(CMD.MAC!, [{ type: 'memref', data }]);
      assert.equal(bad.result, TeeResult.ERROR_BAD_PARAMETERS);
      await s.close();
    } finally {
      await vos.shutdown();
    }

    vos = await startVos(config);
    try {
      const s = await vos.openSession(manifest.uuid);
      const c = await s.invoke(CMD.GET_COUNTER!, [{ type: 'value', dir: 'out' }]);
      assert.deepEqual(c.params[0], { type: 'value', a: 3, b: 0 });
      const r = await s.invoke(CMD.MAC!, [
        { type: 'memref', data },
        { type: 'memref', dir: 'out', size: 8 },
        { type: 'value', dir: 'out' },
      ]);
      assert.deepEqual(r.params[1], { type: 'memref', data: macIso9797Alg3(KEY, data, 2), size: 8 });
      assert.equal((r.params[2] as { a: number }).a, 4);
      // A generated key replaces the imported one; only its KCV comes out.
      const g = await s.invoke(CMD.GENERATE_KEY!, [{ type: 'memref', dir: 'out', size: 3 }]);
      assert.equal(g.result, TeeResult.SUCCESS);
      assert.notDeepEqual((g.params[0] as { data: Uint8Array }).data, keyCheckValue(KEY));
      await s.close();
    } finally {
      await vos.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a bundle signed by a key that is not pinned, or an older version', async () => {
    const dataDir = tempDir();
    const vos = await startVos({ dataDir, pinnedTaKeys: [signer.publicKeyPem] });
    try {
      const { generateTaSigningKeyPair } = await import('../../src/index.js');
      const other = generateTaSigningKeyPair();
      await assert.rejects(vos.installTa(packTa({ manifest, code }, other.privateKeyPem)));
      const tampered = packTa({ manifest, code }, signer.privateKeyPem);
      tampered[tampered.length - 100]! ^= 1;
      await assert.rejects(vos.installTa(tampered));
      await vos.installTa(
        packTa({ manifest: { ...manifest, version: '1.2.0' }, code }, signer.privateKeyPem),
      );
      await assert.rejects(
        vos.installTa(packTa({ manifest: { ...manifest, version: '1.1.9' }, code }, signer.privateKeyPem)),
        (e: unknown) => {
          assert.equal((e as { result: number }).result, TeeResult.ERROR_SECURITY);
          return true;
        },
      );
    } finally {
      await vos.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
