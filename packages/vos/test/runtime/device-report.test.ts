/**
 * Device reports (docs/cbp-protocol.md §6): threat reports and heartbeats signed by the V-OS
 * platform identity, with a sealed sequence number that only goes up, across restarts too.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compactVerify, importJWK } from 'jose';
import { TeeResult, VosError } from '../../src/index.js';
import { tempDir, withVos } from './fixture.js';

const scan = {
  scanId: 's-1',
  reason: 'payment',
  startedAt: '2026-11-28T06:00:00.000Z',
  durationMs: 3,
  clean: false,
  threats: [
    { class: 'debug', code: 'INSPECTOR_OPEN', severity: 'high', evidence: { port: 9229 }, detectedAt: 'x' },
  ],
};

async function open(jws: string, jwk: Record<string, unknown>) {
  const key = await importJWK(jwk as never, 'ES256');
  const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: ['ES256'] });
  return { header: protectedHeader, claims: JSON.parse(new TextDecoder().decode(payload)) };
}

describe('device reports', () => {
  test('signed by the platform key, seq strictly increasing, also after a restart', async () => {
    const dataDir = tempDir();
    const seen: number[] = [];
    let jwk: Record<string, unknown> = {};
    await withVos(
      async (vos) => {
        const st = await vos.status();
        jwk = st.platformKey.jwk;
        const r1 = await open(await vos.signDeviceReport('threat-report', scan), jwk);
        assert.equal(r1.header.typ, 'openvse-threat+jwt');
        assert.equal(r1.header.kid, st.platformKey.keyId);
        assert.equal(r1.claims.typ, 'threat-report');
        assert.equal(r1.claims.deviceId, st.rootOfTrust.deviceId);
        assert.deepEqual(r1.claims.scan, scan);
        assert.equal(typeof r1.claims.iat, 'number');
        assert.match(r1.claims.stateCounter, /^\d+$/);
        const r2 = await open(await vos.signDeviceReport('heartbeat'), jwk);
        assert.equal(r2.claims.typ, 'heartbeat');
        assert.equal(r2.claims.scan, undefined);
        seen.push(r1.claims.seq, r2.claims.seq);
      },
      { dataDir },
    );
    await withVos(
      async (vos) => {
        const r3 = await open(await vos.signDeviceReport('heartbeat'), jwk);
        seen.push(r3.claims.seq);
      },
      { dataDir },
    );
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test('a JSON.stringify patched after V-OS started never sees the scan', async () => {
    await withVos(async (vos) => {
      const original = JSON.stringify;
      let sawScan = false;
      JSON.stringify = ((v: unknown, ...rest: unknown[]) => {
        if (v === scan) sawScan = true;
        return (original as (...a: unknown[]) => string)(v, ...rest);
      }) as typeof JSON.stringify;
      try {
        await vos.signDeviceReport('threat-report', scan);
      } finally {
        JSON.stringify = original;
      }
      assert.equal(sawScan, false);
    });
  });

  test('bad kinds and scans are TEE_ERROR_BAD_PARAMETERS', async () => {
    await withVos(async (vos) => {
      const bad = (p: Promise<unknown>) =>
        assert.rejects(
          p,
          (e: unknown) => e instanceof VosError && e.result === TeeResult.ERROR_BAD_PARAMETERS,
        );
      await bad(vos.signDeviceReport('attestation' as never, scan));
      await bad(vos.signDeviceReport('threat-report', [1, 2]));
      await bad(vos.signDeviceReport('threat-report', 'text'));
      await bad(vos.signDeviceReport('threat-report', undefined));
      await bad(vos.signDeviceReport('threat-report', { big: 'x'.repeat(70_000) }));
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await bad(vos.signDeviceReport('threat-report', cyclic));
    });
  });
});
