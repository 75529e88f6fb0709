/**
 * HTTP contract tests with fastify.inject (docs/server-api.md): every schema refuses unknown
 * fields, wrong types, oversized and garbage bodies with a stable `{ error: { code, message } }`
 * and stores NOTHING (row counts before/after); digitization; the OpenAPI document; keys, KEK,
 * PANs and LUKs never appear in a response or a log line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isLuhnValid } from '@openvse/emv/codec';
import { TEST_ISSUER_KEYS } from '../src/keys/key-store.js';
import { STORE_TABLES, type StoreTable } from '../src/storage/store.js';
import { chipV } from './helpers/card.js';
import {
  digitize,
  enroll,
  type Json,
  post,
  TEST_KEK,
  type TestServer,
  testServer,
} from './helpers/server.js';
import { adapters, type TestDb } from './helpers/stores.js';
import { b64uToBytes, TestTa } from './helpers/test-ta.js';

const FUNDING = '4111111111111111';

for (const a of await adapters()) {
  describe(`HTTP contract (${a.name})`, { skip: a.skip }, () => {
    let db: TestDb;
    let srv: TestServer;
    const responses: string[] = [];

    before(async () => {
      db = await a.open();
      srv = await testServer(db);
      srv.app.addHook('onSend', async (_req, _reply, payload) => {
        if (typeof payload === 'string') responses.push(payload);
        return payload;
      });
    });
    after(async () => {
      await srv?.close();
      await db?.cleanup();
    });

    async function counts(): Promise<Record<StoreTable, number>> {
      const out = {} as Record<StoreTable, number>;
      for (const t of STORE_TABLES) out[t] = await db.store.countRows(t);
      return out;
    }

    async function refused(
      req: {
        method?: 'POST' | 'GET';
        url: string;
        payload?: string | object;
        headers?: Record<string, string>;
      },
      status: number,
      code: string,
    ) {
      const before = await counts();
      const r = await srv.app.inject({
        method: req.method ?? 'POST',
        url: req.url,
        payload: req.payload,
        headers: req.headers,
      });
      assert.equal(r.statusCode, status, `${req.url}: ${r.body}`);
      const body = r.json();
      assert.deepEqual(Object.keys(body), ['error']);
      assert.equal(body.error.code, code, r.body);
      assert.equal(typeof body.error.message, 'string');
      assert.deepEqual(await counts(), before, `${req.url}: nothing stored`);
      return body;
    }

    it('digitizes: Luhn-valid token PAN in the BIN range, funding PAN only encrypted', async () => {
      const r = await digitize(srv.app, { profile: 'V' });
      assert.equal(r.status, 201);
      assert.match(r.body.cardId, /^[A-Za-z0-9_-]{1,64}$/);
      assert.ok(isLuhnValid(r.body.tokenPan));
      assert.ok(r.body.tokenPan.startsWith('489537'));
      assert.equal(r.body.tokenPan.length, 16);
      assert.equal(r.body.fundingPanLast4, '1111');
      assert.equal(r.body.status, 'ACTIVE');
      const m = await digitize(srv.app, { profile: 'M', fundingPan: '5555555555554444' });
      assert.ok(m.body.tokenPan.startsWith('535580') && isLuhnValid(m.body.tokenPan));
      const row = await db.store.getCard(r.body.cardId);
      assert.ok(!JSON.stringify(row).includes(FUNDING), 'the funding PAN is not stored in clear');
      const g = await srv.app.inject({ method: 'GET', url: `/v1/cards/${r.body.cardId}` });
      assert.equal(g.json().tokenPan, r.body.tokenPan);
    });

    it('refuses bad digitize bodies with stable codes and stores nothing', async () => {
      const good = { fundingPan: FUNDING, expiry: '3012', profile: 'V' };
      await refused({ url: '/v1/cards', payload: { ...good, extra: 1 } }, 400, 'ERR_VALIDATION');
      await refused({ url: '/v1/cards', payload: { ...good, profile: 'X' } }, 400, 'ERR_VALIDATION');
      await refused(
        { url: '/v1/cards', payload: { ...good, fundingPan: 4111111111111111 } },
        400,
        'ERR_VALIDATION',
      );
      await refused({ url: '/v1/cards', payload: { ...good, expiry: 3012 } }, 400, 'ERR_VALIDATION');
      await refused({ url: '/v1/cards', payload: { fundingPan: FUNDING } }, 400, 'ERR_VALIDATION');
      await refused(
        { url: '/v1/cards', payload: { ...good, fundingPan: '4111111111111112' } },
        400,
        'ERR_PAN_INVALID',
      );
      await refused({ url: '/v1/cards', payload: { ...good, expiry: '2001' } }, 400, 'ERR_EXPIRY_INVALID');
      await refused({ url: '/v1/cards', payload: { ...good, expiry: '3013' } }, 400, 'ERR_EXPIRY_INVALID');
      await refused(
        { url: '/v1/cards', payload: { ...good, cardType: 'plain', mobilePin: '1234' } },
        400,
        'ERR_VALIDATION',
      );
      await refused({ url: '/v1/cards', payload: { ...good, mobilePin: '12a4' } }, 400, 'ERR_VALIDATION');
      await refused({ url: '/v1/cards', payload: [good] }, 400, 'ERR_VALIDATION');
      const json = { 'content-type': 'application/json' };
      await refused(
        { url: '/v1/cards', payload: '{"fundingPan": "4111', headers: json },
        400,
        'ERR_INVALID_JSON',
      );
      await refused({ url: '/v1/cards', payload: 'garbage', headers: json }, 400, 'ERR_INVALID_JSON');
      await refused({ url: '/v1/cards', payload: '', headers: json }, 400, 'ERR_INVALID_JSON');
      await refused(
        {
          url: '/v1/cards',
          payload:
            '{"__proto__": {"x": 1}, "fundingPan": "4111111111111111", "expiry": "3012", "profile": "V"}',
          headers: json,
        },
        400,
        'ERR_INVALID_JSON',
      );
      await refused(
        { url: '/v1/cards', payload: 'fundingPan=1', headers: { 'content-type': 'text/plain' } },
        415,
        'ERR_UNSUPPORTED_MEDIA_TYPE',
      );
      const big = { ...good, profile: 'V', pad: 'x'.repeat(70 * 1024) };
      await refused({ url: '/v1/cards', payload: big }, 413, 'ERR_BODY_TOO_LARGE');
    });

    it('refuses bad authorization bodies and stores nothing', async () => {
      const tx = { amount: 100 };
      const chip = chipV({ luk: new Uint8Array(16).fill(1), api: '6123400', atc: 1, tx }).chipData;
      const good = {
        idempotencyKey: 'key-00000001',
        tokenPan: '4895370000000001',
        chipData: chip,
        amount: 100,
        currency: '978',
      };
      const u = '/v1/authorizations';
      await refused({ url: u, payload: { ...good, merchantCategory: '5411' } }, 400, 'ERR_VALIDATION');
      await refused({ url: u, payload: { ...good, amount: '100' } }, 400, 'ERR_VALIDATION');
      await refused({ url: u, payload: { ...good, amount: 1.5 } }, 400, 'ERR_VALIDATION');
      await refused({ url: u, payload: { ...good, amount: -1 } }, 400, 'ERR_VALIDATION');
      await refused({ url: u, payload: { ...good, chipData: 'ZZ' } }, 400, 'ERR_VALIDATION');
      await refused({ url: u, payload: { ...good, chipData: `${chip}0` } }, 400, 'ERR_VALIDATION');
      await refused({ url: u, payload: { ...good, pan: good.tokenPan } }, 400, 'ERR_VALIDATION');
      const { tokenPan: _t, ...noPan } = good;
      await refused({ url: u, payload: noPan }, 400, 'ERR_VALIDATION');
      await refused({ url: u, payload: { ...good, idempotencyKey: 'short' } }, 400, 'ERR_VALIDATION');
      await refused({ url: u, payload: { ...good, currency: 978 } }, 400, 'ERR_VALIDATION');
      await refused(
        { url: u, payload: { ...good, chipData: 'AB'.repeat(40_000) } },
        413,
        'ERR_BODY_TOO_LARGE',
      );
    });

    it('refuses bad bodies, params and queries on the device and lifecycle routes', async () => {
      await refused({ url: '/v1/devices/challenge', payload: { x: 1 } }, 400, 'ERR_VALIDATION');
      await refused({ url: '/v1/devices', payload: { attestation: 'a.b.c' } }, 400, 'ERR_VALIDATION');
      await refused(
        {
          url: '/v1/devices',
          payload: { attestation: 'a.b.c', platformJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } },
        },
        400,
        'ERR_VALIDATION',
      );
      await refused({ url: '/v1/devices/dev-1/sync', payload: { statement: 5 } }, 400, 'ERR_VALIDATION');
      await refused(
        { url: '/v1/devices/dev-1/replenish', payload: { statement: 'a', cardId: 'x' } },
        400,
        'ERR_VALIDATION',
      );
      await refused({ url: '/v1/devices/bad%20id/sync', payload: { statement: 'a' } }, 400, 'ERR_VALIDATION');
      await refused(
        { url: '/v1/devices/dev-1/sync', payload: { statement: 'a.b.c' } },
        404,
        'ERR_DEVICE_NOT_FOUND',
      );
      await refused({ method: 'GET', url: '/v1/devices/dev-1/messages?after=x' }, 400, 'ERR_VALIDATION');
      await refused(
        { method: 'GET', url: '/v1/devices/dev-1/messages?after=1&evil=1' },
        400,
        'ERR_VALIDATION',
      );
      await refused(
        { method: 'GET', url: '/v1/devices/dev-1/messages?after=1' },
        404,
        'ERR_DEVICE_NOT_FOUND',
      );
      await refused({ method: 'GET', url: '/v1/issuer/keys?show=all' }, 400, 'ERR_VALIDATION');
      await refused(
        { url: '/v1/cards?debug=1', payload: { fundingPan: FUNDING, expiry: '3012', profile: 'V' } },
        400,
        'ERR_VALIDATION',
      );
      await refused({ url: '/v1/cards/tok-nope/suspend', payload: { reason: 'x' } }, 400, 'ERR_VALIDATION');
      await refused({ url: '/v1/cards/tok-nope/suspend', payload: {} }, 404, 'ERR_CARD_NOT_FOUND');
      await refused({ url: '/v1/cards/tok-nope/explode', payload: {} }, 404, 'ERR_NOT_FOUND');
      await refused(
        {
          url: '/v1/devices',
          payload: {
            attestation: 'not-a-jws',
            platformJwk: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) },
          },
        },
        401,
        'ERR_ATTESTATION_INVALID',
      );
    });

    it('serves an OpenAPI document covering every route with closed schemas', async () => {
      const r = await srv.app.inject({ method: 'GET', url: '/openapi.json' });
      assert.equal(r.statusCode, 200);
      const doc = r.json();
      assert.match(doc.openapi, /^3\./);
      for (const p of [
        '/v1/cards',
        '/v1/cards/{cardId}',
        '/v1/cards/{cardId}/suspend',
        '/v1/cards/{cardId}/resume',
        '/v1/cards/{cardId}/delete',
        '/v1/devices/challenge',
        '/v1/devices',
        '/v1/devices/{deviceId}/cards/{cardId}/provision',
        '/v1/devices/{deviceId}/replenish',
        '/v1/devices/{deviceId}/sync',
        '/v1/devices/{deviceId}/messages',
        '/v1/authorizations',
        '/v1/issuer/keys',
      ])
        assert.ok(doc.paths[p], `OpenAPI lists ${p}`);
      for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>))
        for (const op of Object.values(item)) {
          const schema = op.requestBody?.content?.['application/json']?.schema;
          if (schema) assert.equal(schema.additionalProperties, false, `${path} body is closed`);
        }
    });

    it('never returns or logs key material, the KEK, PANs or credentials', async () => {
      const inv = await srv.app.inject({ method: 'GET', url: '/v1/issuer/keys' });
      assert.equal(inv.statusCode, 200);
      const k = inv.json();
      assert.deepEqual(Object.keys(k).sort(), ['imkAc', 'imkMd', 'serverSigning']);
      assert.match(k.imkAc.kcv, /^[0-9A-F]{6}$/);
      assert.equal(k.serverSigning.jwk.d, undefined);
      // a full flow: enroll, digitize, provision, authorize
      const ta = await TestTa.create();
      assert.equal((await enroll(srv.app, ta)).status, 201);
      const d = await digitize(srv.app, { profile: 'V', fundingPan: '4000056655665556' });
      const p = await post(srv.app, `/v1/devices/${ta.deviceId}/cards/${d.body.cardId}/provision`, {
        activationCode: d.body.activation.code,
      });
      const cred = await ta.open(p.body.messages[1].message);
      const luk = cred.payload.luk as { key: string; api: string };
      const tx = { amount: 100 };
      const chip = chipV({ luk: b64uToBytes(luk.key), api: luk.api, atc: 1, tx });
      const r = await post(srv.app, '/v1/authorizations', {
        idempotencyKey: 'log-test-0001',
        tokenPan: d.body.tokenPan,
        chipData: chip.chipData,
        amount: 100,
        currency: '978',
      });
      assert.equal(r.body.decision, 'APPROVE');
      srv.app.log.info(
        { fundingPan: '4000056655665556', imkAc: TEST_ISSUER_KEYS.imkAc, nested: { key: 'secret-key' } },
        'redaction probe',
      );
      const lukHex = Buffer.from(b64uToBytes(luk.key)).toString('hex').toUpperCase();
      const secrets = [
        TEST_ISSUER_KEYS.imkAc,
        TEST_ISSUER_KEYS.imkMd,
        TEST_KEK.toUpperCase(),
        lukHex,
        luk.key,
        '4000056655665556',
        d.body.tokenPan,
        'secret-key',
      ];
      const logText = srv.logs.join('\n');
      assert.ok(srv.logs.length > 10, 'logs were captured');
      assert.ok(logText.includes('[REDACTED]'), 'redaction is configured');
      for (const s of secrets)
        assert.ok(
          !logText.toUpperCase().includes(s.toUpperCase()),
          `log lines do not contain ${s.slice(0, 4)}…`,
        );
      const all = responses.join('\n').toUpperCase();
      for (const s of [
        TEST_ISSUER_KEYS.imkAc,
        TEST_ISSUER_KEYS.imkMd,
        TEST_KEK.toUpperCase(),
        lukHex,
        '4000056655665556',
      ])
        assert.ok(!all.includes(s.toUpperCase()), `no response contains ${s.slice(0, 4)}…`);
      assert.ok(!all.includes(luk.key.toUpperCase()), 'the LUK travels only inside the JWE');
    });
  });
}
