/**
 * Re-enrollment (docs/server-api.md "Re-enrollment"; devices/reset.ts): a wallet reinstalled on
 * the same device (same device id, new platform key) is refused with a message that says what to
 * do; after the issuer's reset it enrolls once with its new key, the cards that were bound to the
 * old install are unbound with their credentials retired, and they provision again with new
 * activation codes. The window closes after 24 h.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { digitize, enroll, post, type TestServer, testServer } from './helpers/server.js';
import { adapters, type TestDb } from './helpers/stores.js';
import { TestTa } from './helpers/test-ta.js';

for (const a of await adapters()) {
  describe(`re-enrollment (${a.name})`, { skip: a.skip }, () => {
    let db: TestDb;
    let srv: TestServer;

    before(async () => {
      db = await a.open();
      srv = await testServer(db);
    });
    after(async () => {
      await srv?.close();
      await db?.cleanup();
    });

    /** A fresh V-OS install on the device `deviceId`: new platform and TA keys. */
    const reinstall = async (deviceId: string) => {
      const ta = await TestTa.create();
      ta.deviceId = deviceId;
      return ta;
    };

    it('refused with what to do; after a reset the new install enrolls once, the cards come back with new codes', async () => {
      const old = await TestTa.create();
      assert.equal((await enroll(srv.app, old)).status, 201);
      const d = await digitize(srv.app, { profile: 'V' });
      const cardId = d.body.cardId as string;
      const p = await post(srv.app, `/v1/devices/${old.deviceId}/cards/${cardId}/provision`, {
        activationCode: d.body.activation.code,
      });
      assert.equal(p.status, 200);

      const fresh = await reinstall(old.deviceId);
      const refused = await enroll(srv.app, fresh);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'ERR_PLATFORM_KEY_MISMATCH');
      assert.match(refused.body.error.message, /reset the device \(POST \/v1\/devices\/:deviceId\/reset\)/);

      const reset = await post(srv.app, `/v1/devices/${old.deviceId}/reset`, {});
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      assert.equal(reset.body.cardsUnbound, 1);
      assert.equal(reset.body.repinUntil, srv.clock.now() + 24 * 3600 * 1000);
      assert.equal((await db.store.getCard(cardId))?.deviceId, null);
      assert.ok(
        (await db.store.listLuks(cardId)).every((l) => l.retiredAt !== null),
        'old LUKs retired',
      );

      assert.equal((await enroll(srv.app, fresh)).status, 201, 'the new install enrolls');
      const pinned = await db.store.getDevice(old.deviceId);
      assert.equal(JSON.stringify(JSON.parse(pinned!.platformJwk)), JSON.stringify(fresh.platformJwk));
      const third = await reinstall(old.deviceId);
      assert.equal((await enroll(srv.app, third)).status, 403, 'one new key per reset');
      assert.equal((await enroll(srv.app, old)).status, 403, 'the old install is out');

      // The card provisions again, to the new install, with a new code.
      const code = await post(srv.app, `/v1/cards/${cardId}/activation`, {});
      assert.equal(code.status, 200);
      const again = await post(srv.app, `/v1/devices/${old.deviceId}/cards/${cardId}/provision`, {
        activationCode: code.body.activation.code,
      });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal((await db.store.listLuks(cardId)).filter((l) => l.retiredAt === null).length, 1);
    });

    it('the window closes after 24 h; an unknown device is 404', async () => {
      const old = await TestTa.create();
      assert.equal((await enroll(srv.app, old)).status, 201);
      // The reset happened a day and a millisecond ago (the attestation of the new install must
      // still be fresh on the server's clock, so the clock goes back for the reset, not forward).
      const day = 24 * 3600 * 1000 + 1;
      srv.clock.advance(-day);
      try {
        assert.equal((await post(srv.app, `/v1/devices/${old.deviceId}/reset`, {})).status, 200);
      } finally {
        srv.clock.advance(day);
      }
      const late = await enroll(srv.app, await reinstall(old.deviceId));
      assert.equal(late.status, 403);
      assert.equal(late.body.error.code, 'ERR_PLATFORM_KEY_MISMATCH');
      const unknown = await post(srv.app, '/v1/devices/dev-unknown/reset', {});
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'ERR_DEVICE_NOT_FOUND');
    });
  });
}
