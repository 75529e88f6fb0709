/**
 * Device request proofs (docs/cbp-protocol.md §7; attestation/device-request.ts): V-OS signs
 * method, target and body digest with its platform identity, adds its device id, a one-time id
 * and the time; it refuses to sign anything that is not a request of the device routes' shape.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { compactVerify, importJWK } from 'jose';
import { TeeOrigin, TeeResult, VosError } from '../../src/index.js';
import { withVos } from './fixture.js';

describe('device request proofs', () => {
  test('signed by the platform key over exactly the request named, with a fresh jti', async () => {
    await withVos(async (vos) => {
      const st = await vos.status();
      const digest = createHash('sha256').update('{"activationCode":"x"}').digest();
      const target = '/v1/devices/dev-1/messages?after=3&limit=10';
      const jws = await vos.signDeviceRequest('POST', target, digest);
      const key = await importJWK(st.platformKey.jwk as never, 'ES256');
      const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: ['ES256'] });
      assert.equal(protectedHeader.typ, 'openvse-device-request+jwt');
      assert.equal(protectedHeader.kid, st.platformKey.keyId);
      const c = JSON.parse(new TextDecoder().decode(payload));
      assert.deepEqual(Object.keys(c).sort(), ['bd', 'deviceId', 'htm', 'htu', 'iat', 'jti', 'typ']);
      assert.equal(c.typ, 'device-request');
      assert.equal(c.deviceId, st.rootOfTrust.deviceId);
      assert.equal(c.htm, 'POST');
      assert.equal(c.htu, target);
      assert.equal(c.bd, digest.toString('base64url'));
      assert.match(c.jti, /^[A-Za-z0-9_-]{22}$/);
      assert.ok(Math.abs(c.iat - Date.now() / 1000) < 5);
      const again = JSON.parse(
        Buffer.from(
          (await vos.signDeviceRequest('POST', target, digest)).split('.')[1]!,
          'base64url',
        ).toString(),
      );
      assert.notEqual(again.jti, c.jti);
    });
  });

  test('refuses what is not a device request: TEE_ERROR_BAD_PARAMETERS, origin API', async () => {
    await withVos(async (vos) => {
      const ok = createHash('sha256').digest();
      for (const [m, t, d] of [
        ['FETCH', '/v1/x', ok],
        ['GET', 'https://evil.test/v1/x', ok],
        ['GET', '/v1/x y', ok],
        ['GET', `/${'a'.repeat(2048)}`, ok],
        ['GET', '/v1/x', ok.subarray(0, 31)],
        ['GET', '/v1/x', 'not bytes'],
      ] as const) {
        await assert.rejects(vos.signDeviceRequest(m, t, d as Uint8Array), (e: unknown) => {
          assert.ok(e instanceof VosError, String(e));
          assert.equal(e.result, TeeResult.ERROR_BAD_PARAMETERS);
          assert.equal(e.origin, TeeOrigin.API);
          return true;
        });
      }
    });
  });
});
