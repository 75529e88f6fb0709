/**
 * Activation codes (docs/server-api.md "Activation"; tokens/activation.ts): provisioning a card to
 * a device needs the one-time, short-lived code the token requestor got at digitization (its proof
 * of ID&V), bound to that card. The attack of issue 11 — a device enrolled by an attacker asks for
 * a card that is digitized but not yet bound — fails, and nothing is issued for it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { digitize, enroll, post, type TestServer, testServer } from './helpers/server.js';
import { adapters, type TestDb } from './helpers/stores.js';
import { TestTa } from './helpers/test-ta.js';

for (const a of await adapters()) {
  describe(`activation codes (${a.name})`, { skip: a.skip }, () => {
    let db: TestDb;
    let srv: TestServer;
    let owner: TestTa;
    let attacker: TestTa;

    before(async () => {
      db = await a.open();
      srv = await testServer(db);
      owner = await TestTa.create();
      attacker = await TestTa.create();
      assert.equal((await enroll(srv.app, owner)).status, 201);
      assert.equal((await enroll(srv.app, attacker)).status, 201);
    });
    after(async () => {
      await srv?.close();
      await db?.cleanup();
    });

    const provision = (ta: TestTa, cardId: string, activationCode?: string) =>
      post(
        srv.app,
        `/v1/devices/${ta.deviceId}/cards/${cardId}/provision`,
        activationCode === undefined ? {} : { activationCode },
      );

    it('digitization of a cloud card answers a one-time code; a plain card gets none', async () => {
      const d = await digitize(srv.app, { profile: 'V' });
      assert.equal(d.status, 201);
      assert.match(d.body.activation.code, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(d.body.activation.expiresAt, srv.clock.now() + 900_000);
      const plain = await digitize(srv.app, {
        profile: 'V',
        cardType: 'plain',
        fundingPan: '4000000000000002',
      });
      assert.equal(plain.status, 201);
      assert.equal(plain.body.activation, undefined);
      const view = await srv.app.inject({ method: 'GET', url: `/v1/cards/${d.body.cardId}` });
      assert.equal(view.json().activation, undefined, 'the code is not readable later');
    });

    it('a device without the code gets nothing: not the card, not a LUK, not a message', async () => {
      const d = await digitize(srv.app, { profile: 'V' });
      const cardId = d.body.cardId as string;
      const other = await digitize(srv.app, { profile: 'V' });
      for (const code of [undefined, other.body.activation.code, 'A'.repeat(22)]) {
        const r = await provision(attacker, cardId, code);
        assert.equal(r.status, 403, JSON.stringify(r.body));
        assert.equal(r.body.error.code, 'ERR_ACTIVATION_CODE_INVALID');
      }
      const malformed = await provision(attacker, cardId, 'short');
      assert.equal(malformed.status, 400);
      assert.equal((await db.store.getCard(cardId))?.deviceId, null);
      assert.equal((await db.store.listLuks(cardId)).length, 0);
      const forCard = (await db.store.listMessages(attacker.deviceId, 0, 100)).filter(
        (m) => m.cardId === cardId,
      );
      assert.equal(forCard.length, 0);
      // The owner's wallet, with the code, still gets it.
      const ok = await provision(owner, cardId, d.body.activation.code);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    });

    it('the code is good once, for one device; the same device may provision again without it', async () => {
      const d = await digitize(srv.app, { profile: 'M' });
      const cardId = d.body.cardId as string;
      const code = d.body.activation.code as string;
      const first = await provision(owner, cardId, code);
      assert.equal(first.status, 200);
      const again = await provision(owner, cardId);
      assert.equal(again.status, 200, 'idempotent for the bound device');
      assert.deepEqual(
        again.body.messages.map((m: { seq: number }) => m.seq),
        first.body.messages.map((m: { seq: number }) => m.seq),
      );
      const stolen = await provision(attacker, cardId, code);
      assert.equal(stolen.status, 409);
      assert.equal(stolen.body.error.code, 'ERR_CARD_BOUND_ELSEWHERE');
    });

    it('an expired code is refused; the token requestor can issue a new one for an unbound card', async () => {
      const d = await digitize(srv.app, { profile: 'V' });
      const cardId = d.body.cardId as string;
      srv.clock.advance(900_001);
      try {
        const late = await provision(owner, cardId, d.body.activation.code);
        assert.equal(late.status, 403);
        assert.equal(late.body.error.code, 'ERR_ACTIVATION_CODE_INVALID');
        const fresh = await post(srv.app, `/v1/cards/${cardId}/activation`, {});
        assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
        assert.notEqual(fresh.body.activation.code, d.body.activation.code);
        assert.equal((await provision(owner, cardId, fresh.body.activation.code)).status, 200);
        // Bound now: no more codes for it.
        const more = await post(srv.app, `/v1/cards/${cardId}/activation`, {});
        assert.equal(more.status, 409);
        assert.equal(more.body.error.code, 'ERR_CARD_STATE');
      } finally {
        srv.clock.advance(-900_001);
      }
    });

    it('two devices racing with the same code: exactly one gets the card', async () => {
      const d = await digitize(srv.app, { profile: 'V' });
      const cardId = d.body.cardId as string;
      const code = d.body.activation.code as string;
      const answers = await Promise.all([provision(owner, cardId, code), provision(attacker, cardId, code)]);
      assert.equal(
        answers.filter((r) => r.status === 200).length,
        1,
        JSON.stringify(answers.map((r) => r.body)),
      );
      assert.equal((await db.store.listLuks(cardId)).length, 1);
    });
  });
}
