/**
 * Device request proofs end to end (docs/cbp-protocol.md §7, docs/server-api.md "Callers"): a
 * wallet over V-OS, against a server that requires authentication, enrolls and provisions with
 * proofs V-OS signs; the same wallet without proofs is refused at its first device request, and a
 * proof V-OS signed for one request does not pass for another. (The whole SDK suite,
 * wallet.test.ts, runs with authentication on as well, over both providers.)
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SdkError, SdkErrorCode } from '@openvse/cbp-sdk';
import { DEVICE_PROOF_HEADER } from '@openvse/protocol';
import { TestBench } from '@openvse/test-bench';

describe('device request proofs (V-OS)', () => {
  const dirs: string[] = [];
  const benches: TestBench[] = [];
  after(async () => {
    for (const b of benches) await b.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const start = async (deviceProofs: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), 'openvse-proof-'));
    dirs.push(dir);
    const b = await TestBench.start({ dir, provider: 'vos', auth: true, deviceProofs });
    benches.push(b);
    return b;
  };

  it('with proofs: provisioning and the outbox work; V-OS proofs verify for their own request only', async () => {
    const b = await start(true);
    const cardId = await b.addCard('V');
    assert.equal(b.wallet.card(cardId)?.state, 'ACTIVE');
    const deviceId = b.wallet.deviceId!;
    const target = `/v1/devices/${deviceId}/messages?after=0&limit=10`;
    const empty = createHash('sha256').digest();
    const proof = await b.vos!.signDeviceRequest('GET', target, empty);
    const ok = await b.app.inject({ method: 'GET', url: target, headers: { [DEVICE_PROOF_HEADER]: proof } });
    assert.equal(ok.statusCode, 200);
    const again = await b.app.inject({
      method: 'GET',
      url: target,
      headers: { [DEVICE_PROOF_HEADER]: proof },
    });
    assert.equal(again.statusCode, 401, 'replayed');
    const other = await b.vos!.signDeviceRequest('GET', target, empty);
    const elsewhere = await b.app.inject({
      method: 'GET',
      url: `/v1/devices/${deviceId}/messages?after=1&limit=10`,
      headers: { [DEVICE_PROOF_HEADER]: other },
    });
    assert.equal(elsewhere.statusCode, 401, 'another target');
  });

  it('without proofs the wallet is refused at its first device request (401)', async () => {
    const b = await start(false);
    // Enrollment is public; provisioning is the device's first own request.
    await assert.rejects(b.addCard('V'), (e: unknown) => {
      assert.ok(e instanceof SdkError, String(e));
      assert.equal(e.code, SdkErrorCode.SERVER_REFUSED);
      assert.equal((e as SdkError & { serverCode?: string }).serverCode, 'ERR_UNAUTHENTICATED');
      return true;
    });
  });
});
