/**
 * Device flows on both adapters (docs/cbp-protocol.md §2–§3, docs/attestation.md): enrollment
 * with real V-OS attestations (packages/vos createAttestation + PlatformIdentity), provision and
 * credentials messages opened with jose by a test TA key pair (aud, typ, seq, exp, and the
 * LUK/SUKs equal to what the issuer derives), the outbox, lifecycle messages, replenishment
 * (proof MAC under the outgoing LUK, log vs the server's authorization log) and state sync
 * (a state counter going backwards is refused with a stable code).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  bytesToHex,
  encodeApiBcd,
  hexToBytes,
  issuerDeriveAcKey,
  issuerDeriveMdKey,
  macIso9797Alg3,
  mixMobilePin,
  openvseProfileM,
  openvseProfileV,
} from '@openvse/emv';
import { calculateJwkThumbprint } from 'jose';
import { TEST_ISSUER_KEYS } from '../src/keys/key-store.js';
import { chipM, chipV } from './helpers/card.js';
import { digitize, enroll, type Json, post, type TestServer, testServer } from './helpers/server.js';
import { adapters, type TestDb } from './helpers/stores.js';
import { b64uToBytes, TestTa } from './helpers/test-ta.js';

const { imkAc, imkMd } = TEST_ISSUER_KEYS;
let keyN = 0;
const idem = () => `dev-idem-${Date.now()}-${++keyN}`;

/** The replenish proof as the TA computes it (docs/cbp-protocol.md §3), written independently. */
function proofMac(
  luk: Uint8Array,
  api: string,
  first: number,
  last: number,
  log: { atc: number; un: string; amount: number }[],
) {
  const hex = [
    'FF01', // domain tag: never the first byte of a cryptogram input (a BCD amount)
    bytesToHex(encodeApiBcd(api)),
    first.toString(16).padStart(4, '0'),
    last.toString(16).padStart(4, '0'),
    ...log.map((e) => e.atc.toString(16).padStart(4, '0') + e.un + String(e.amount).padStart(12, '0')),
  ].join('');
  return bytesToHex(macIso9797Alg3(luk, hexToBytes(hex), 2));
}

for (const a of await adapters()) {
  describe(`devices (${a.name})`, { skip: a.skip }, () => {
    let db: TestDb;
    let srv: TestServer;

    before(async () => {
      db = await a.open();
      srv = await testServer(db, { sukBatch: 5 });
    });
    after(async () => {
      await srv?.close();
      await db?.cleanup();
    });

    const challenge = async () => (await post(srv.app, '/v1/devices/challenge', {})).body;

    describe('enrollment', () => {
      it('accepts a good attestation and pins the platform key', async () => {
        const ta = await TestTa.create();
        const ch = await challenge();
        assert.match(ch.nonce, /^[A-Za-z0-9_-]{43}$/);
        assert.equal(ch.serverSigningJwk.d, undefined);
        assert.equal(ch.serverKid, await calculateJwkThumbprint(ch.serverSigningJwk, 'sha256'));
        const r = await post(srv.app, '/v1/devices', {
          attestation: await ta.attest(ch.nonce),
          platformJwk: ta.platformJwk,
        });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal(r.body.deviceId, ta.deviceId);
        assert.equal(r.body.protectionLevel, 'L1');
        assert.deepEqual(r.body.serverSigningJwk, ch.serverSigningJwk);
        const row = await db.store.getDevice(ta.deviceId);
        assert.equal(row?.platformKid, ta.identity.keyId);
        assert.equal(row?.taSigKid, ta.sigKid);
        // the same device again (same platform key, higher counter) is fine: re-enrollment
        ta.bump();
        const again = await post(srv.app, '/v1/devices', {
          attestation: await ta.attest((await challenge()).nonce),
          platformJwk: ta.platformJwk,
        });
        assert.equal(again.status, 201);
        // L2 is above L1
        const l2 = await TestTa.create();
        const r2 = await post(srv.app, '/v1/devices', {
          attestation: await l2.attest((await challenge()).nonce, { level: 'L2' }),
          platformJwk: l2.platformJwk,
        });
        assert.equal(r2.status, 201);
        assert.equal(r2.body.protectionLevel, 'L2');
      });

      it('refuses a wrong nonce, a reused nonce, a TA not allowed, a level below policy', async () => {
        const ta = await TestTa.create();
        const enrollWith = async (nonce: string, over = {}) =>
          post(srv.app, '/v1/devices', {
            attestation: await ta.attest(nonce, over),
            platformJwk: ta.platformJwk,
          });
        const wrong = await enrollWith('a-nonce-the-server-never-issued');
        assert.equal(wrong.status, 401);
        assert.equal(wrong.body.error.code, 'ERR_NONCE_INVALID');
        const ch = await challenge();
        const hash = await enrollWith(ch.nonce, { codeSha256: 'ee'.repeat(32) });
        assert.equal(hash.status, 403);
        assert.equal(hash.body.error.code, 'ERR_ATTESTATION_CODE_HASH');
        const reused = await enrollWith(ch.nonce);
        assert.equal(
          reused.body.error.code,
          'ERR_NONCE_INVALID',
          'the nonce was spent by the refused attempt',
        );
        const uuid = await enrollWith((await challenge()).nonce, {
          uuid: '11111111-2222-4333-8444-555555555555',
        });
        assert.equal(uuid.body.error.code, 'ERR_ATTESTATION_CODE_HASH');
        const low = await enrollWith((await challenge()).nonce, { level: 'L0' });
        assert.equal(low.status, 403);
        assert.equal(low.body.error.code, 'ERR_ATTESTATION_LEVEL');
        const noKeys = await enrollWith((await challenge()).nonce, { noKeys: true });
        assert.equal(noKeys.body.error.code, 'ERR_ATTESTATION_KEYS');
        const good = await enrollWith((await challenge()).nonce);
        assert.equal(good.status, 201);
        assert.equal(await db.store.getDevice('never'), undefined);
      });

      it('refuses a statement by another platform key, a tampered one, and a device id pinned to another key', async () => {
        const ta = await TestTa.create();
        const other = await TestTa.create();
        const att = await ta.attest((await challenge()).nonce);
        const wrongKey = await post(srv.app, '/v1/devices', {
          attestation: att,
          platformJwk: other.platformJwk,
        });
        assert.equal(wrongKey.body.error.code, 'ERR_ATTESTATION_INVALID');
        const [h, p, s] = att.split('.');
        const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
        payload.protectionLevel = 'L2';
        const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
        const t = await post(srv.app, '/v1/devices', { attestation: tampered, platformJwk: ta.platformJwk });
        assert.equal(t.body.error.code, 'ERR_ATTESTATION_INVALID');
        assert.equal(
          (
            await post(srv.app, '/v1/devices', {
              attestation: await ta.attest((await challenge()).nonce),
              platformJwk: ta.platformJwk,
            })
          ).status,
          201,
        );
        other.deviceId = ta.deviceId; // same device id, another platform identity
        const hijack = await post(srv.app, '/v1/devices', {
          attestation: await other.attest((await challenge()).nonce),
          platformJwk: other.platformJwk,
        });
        assert.equal(hijack.status, 403);
        assert.equal(hijack.body.error.code, 'ERR_PLATFORM_KEY_MISMATCH');
        const back = await post(srv.app, '/v1/devices', {
          attestation: await ta.attest((await challenge()).nonce, { stateCounter: '0' }),
          platformJwk: ta.platformJwk,
        });
        assert.equal(back.body.error.code, 'ERR_STATE_COUNTER_ROLLBACK');
      });
    });

    describe('provisioning and messages', () => {
      let ta: TestTa;
      before(async () => {
        ta = await TestTa.create();
        assert.equal((await enroll(srv.app, ta)).status, 201);
      });

      it('profile V: provision + credentials messages decrypt, verify, and carry the issuer LUK', async () => {
        const d = await digitize(srv.app, { profile: 'V' });
        const p = await post(srv.app, `/v1/devices/${ta.deviceId}/cards/${d.body.cardId}/provision`, {
          activationCode: d.body.activation.code,
        });
        assert.equal(p.status, 200, JSON.stringify(p.body));
        assert.deepEqual(
          p.body.messages.map((m: { typ: string }) => m.typ),
          ['provision', 'credentials'],
        );
        const now = Math.floor(srv.clock.now() / 1000);
        let last = 0;
        const jtis = new Set<string>();
        for (const m of p.body.messages) {
          const o = await ta.open(m.message);
          assert.equal(o.jweHeader.alg, 'ECDH-ES+A256KW');
          assert.equal(o.jweHeader.enc, 'A256GCM');
          assert.equal(o.jweHeader.cty, 'JWT');
          assert.equal(o.jweHeader.kid, await calculateJwkThumbprint(ta.encPublicJwk, 'sha256'));
          assert.equal(o.header.alg, 'ES256');
          assert.equal(o.header.typ, 'openvse-cbp+jwt');
          assert.equal(o.header.kid, await calculateJwkThumbprint(ta.serverJwk!, 'sha256'));
          assert.equal(o.payload.aud, ta.deviceId);
          assert.equal(o.payload.iss, 'openvse-cbp-server');
          assert.equal(o.payload.typ, m.typ);
          assert.equal(o.payload.seq, m.seq);
          assert.ok((o.payload.seq as number) > last, 'seq strictly increasing');
          last = o.payload.seq as number;
          assert.equal(o.payload.iat, now);
          assert.ok((o.payload.exp as number) > now);
          jtis.add(o.payload.jti as string);
        }
        assert.equal(jtis.size, 2);
        const prov = (await ta.open(p.body.messages[0].message)).payload.card as Record<string, unknown>;
        assert.equal(prov.cardId, d.body.cardId);
        assert.equal(prov.pan, d.body.tokenPan);
        assert.equal(prov.profile, 'V');
        assert.equal(prov.aid, 'A0000000031010');
        assert.equal(prov.aip, '0080');
        const cred = (await ta.open(p.body.messages[1].message)).payload;
        assert.equal(cred.cardId, d.body.cardId);
        const luk = cred.luk as Record<string, Json>;
        assert.match(luk.api, /^[0-9]{7}$/);
        const date = new Date(srv.clock.now());
        const hour = Math.floor((srv.clock.now() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 3_600_000);
        assert.equal(luk.api, `${date.getUTCFullYear() % 10}${String(hour).padStart(4, '0')}00`);
        const expected = issuerDeriveAcKey(openvseProfileV, {
          imkAc,
          pan: d.body.tokenPan,
          psn: '00',
          api: luk.api,
        });
        assert.equal(bytesToHex(b64uToBytes(luk.key)), bytesToHex(expected));
        assert.equal(luk.maxTransactions, 10);
        assert.equal(luk.maxAmount, 100000);
        assert.equal(luk.notAfter, now + 86400);
        assert.equal(luk.dki, '01');
        // the wallet can fetch them again from the outbox, in order
        const m = await srv.app.inject({ method: 'GET', url: `/v1/devices/${ta.deviceId}/messages?after=0` });
        const seqs = m.json().messages.map((x: { seq: number }) => x.seq);
        assert.deepEqual(
          seqs,
          [...seqs].sort((x: number, y: number) => x - y),
        );
        assert.ok(seqs.includes(p.body.messages[1].seq));
        const later = await srv.app.inject({
          method: 'GET',
          url: `/v1/devices/${ta.deviceId}/messages?after=${p.body.messages[0].seq}`,
        });
        assert.equal(later.json().messages[0].seq, p.body.messages[1].seq);
        // a second device cannot take the card
        const other = await TestTa.create();
        await enroll(srv.app, other);
        const steal = await post(
          srv.app,
          `/v1/devices/${other.deviceId}/cards/${d.body.cardId}/provision`,
          {},
        );
        assert.equal(steal.status, 409);
        assert.equal(steal.body.error.code, 'ERR_CARD_BOUND_ELSEWHERE');
      });

      it('profile M: SUKs for server-assigned ATCs equal the issuer derivation (PIN mixed out)', async () => {
        for (const pin of [undefined, '2468']) {
          const d = await digitize(srv.app, {
            profile: 'M',
            fundingPan: '5555555555554444',
            ...(pin ? { mobilePin: pin } : {}),
          });
          const p = await post(srv.app, `/v1/devices/${ta.deviceId}/cards/${d.body.cardId}/provision`, {
            activationCode: d.body.activation.code,
          });
          const prov = (await ta.open(p.body.messages[0].message)).payload.card as Record<string, Json>;
          assert.equal(prov.profile, 'M');
          assert.equal(prov.mobilePin, pin !== undefined);
          assert.equal(prov.aip, '1980');
          assert.equal(prov.records[0].sfi, 1);
          assert.match(prov.records[0].data, /^70/);
          assert.ok(prov.cdol1.startsWith('9F0206'));
          const suks = (await ta.open(p.body.messages[1].message)).payload.suks as Record<string, Json>[];
          assert.deepEqual(
            suks.map((s) => s.atc),
            [1, 2, 3, 4, 5],
          );
          for (const s of suks) {
            const skUmd = issuerDeriveAcKey(openvseProfileM, {
              imkAc,
              pan: d.body.tokenPan,
              psn: '00',
              atc: s.atc,
            });
            const skMd = issuerDeriveMdKey(openvseProfileM, {
              imkMd,
              pan: d.body.tokenPan,
              psn: '00',
              atc: s.atc,
            });
            const want = pin ? mixMobilePin(skUmd, pin) : skUmd;
            assert.equal(bytesToHex(b64uToBytes(s.sukUmd)), bytesToHex(want));
            assert.equal(bytesToHex(b64uToBytes(s.skMd)), bytesToHex(skMd));
            assert.equal(b64uToBytes(s.idn).length, 8);
          }
          assert.equal((await db.store.listSuks(d.body.cardId)).length, 5);
        }
      });

      it('lifecycle changes queue signed lifecycle messages; plain cards cannot be provisioned', async () => {
        const d = await digitize(srv.app, { profile: 'V' });
        const p = await post(srv.app, `/v1/devices/${ta.deviceId}/cards/${d.body.cardId}/provision`, {
          activationCode: d.body.activation.code,
        });
        const s = await post(srv.app, `/v1/cards/${d.body.cardId}/suspend`);
        assert.equal(s.status, 200);
        assert.equal(s.body.messages.length, 1);
        const msg = await ta.open(s.body.messages[0].message);
        assert.equal(msg.payload.typ, 'lifecycle');
        assert.equal(msg.payload.cardId, d.body.cardId);
        assert.equal(msg.payload.action, 'suspend');
        assert.ok((msg.payload.seq as number) > p.body.messages[1].seq);
        const del = await post(srv.app, `/v1/cards/${d.body.cardId}/delete`);
        assert.equal((await ta.open(del.body.messages[0].message)).payload.action, 'delete');
        assert.ok((await db.store.listLuks(d.body.cardId)).every((l) => l.retiredAt !== null));
        const plain = await digitize(srv.app, {
          profile: 'V',
          cardType: 'plain',
          fundingPan: '4012888888881881',
        });
        const pp = await post(srv.app, `/v1/devices/${ta.deviceId}/cards/${plain.body.cardId}/provision`, {
          activationCode: 'A'.repeat(22),
        });
        assert.equal(pp.body.error.code, 'ERR_CARD_STATE');
        const unbound = await digitize(srv.app, { profile: 'V' });
        assert.deepEqual((await post(srv.app, `/v1/cards/${unbound.body.cardId}/suspend`)).body.messages, []);
      });
    });

    describe('replenishment and sync', () => {
      let ta: TestTa;
      before(async () => {
        ta = await TestTa.create();
        assert.equal((await enroll(srv.app, ta)).status, 201);
      });

      async function provisionV() {
        const d = await digitize(srv.app, { profile: 'V' });
        const p = await post(srv.app, `/v1/devices/${ta.deviceId}/cards/${d.body.cardId}/provision`, {
          activationCode: d.body.activation.code,
        });
        const luk = (await ta.open(p.body.messages[1].message)).payload.luk as { key: string; api: string };
        return {
          cardId: d.body.cardId as string,
          tokenPan: d.body.tokenPan as string,
          luk: b64uToBytes(luk.key),
          api: luk.api,
        };
      }

      const pay = async (
        c: { tokenPan: string; luk: Uint8Array; api: string },
        atc: number,
        amount: number,
        un: string,
      ) => {
        const tx = { amount, un };
        const chip = chipV({ luk: c.luk, api: c.api, atc, tx });
        return post(srv.app, '/v1/authorizations', {
          idempotencyKey: idem(),
          tokenPan: c.tokenPan,
          chipData: chip.chipData,
          amount,
          currency: '978',
        });
      };

      it('profile V: a proof MAC under the outgoing LUK and a matching log get a new LUK', async () => {
        const c = await provisionV();
        assert.equal((await pay(c, 1, 300, '11111111')).body.decision, 'APPROVE');
        assert.equal((await pay(c, 2, 450, '22222222')).body.decision, 'APPROVE');
        const log = [
          { atc: 1, un: '11111111', amount: 300 },
          { atc: 2, un: '22222222', amount: 450 },
          { atc: 3, un: '33333333', amount: 10 }, // a tap that never reached the server
        ];
        const base = {
          typ: 'replenish',
          deviceId: ta.deviceId,
          cardId: c.cardId,
          api: c.api,
          firstAtc: 1,
          lastAtc: 3,
          log,
        };
        const iat = () => Math.floor(srv.clock.now() / 1000);
        const send = (st: Record<string, unknown>, kid?: string) =>
          ta
            .sign({ iat: iat(), ...st }, kid)
            .then((jws) => post(srv.app, `/v1/devices/${ta.deviceId}/replenish`, { statement: jws }));
        const counterBefore = (await db.store.getDevice(ta.deviceId))!.lastStateCounter;

        const badMac = await send({ ...base, stateCounter: ta.bump(), mac: '0011223344556677' });
        assert.equal(badMac.status, 401);
        assert.equal(badMac.body.error.code, 'ERR_REPLENISH_PROOF_INVALID');
        assert.equal(
          (await db.store.getDevice(ta.deviceId))!.lastStateCounter,
          counterBefore,
          'a refused statement changes nothing',
        );

        const missing = log.filter((e) => e.atc !== 2);
        const mismatch = await send({
          ...base,
          log: missing,
          stateCounter: ta.bump(),
          mac: proofMac(c.luk, c.api, 1, 3, missing),
        });
        assert.equal(mismatch.status, 409);
        assert.equal(mismatch.body.error.code, 'ERR_REPLENISH_LOG_MISMATCH');

        const wrongAmount = log.map((e) => (e.atc === 1 ? { ...e, amount: 301 } : e));
        const wa = await send({
          ...base,
          log: wrongAmount,
          stateCounter: ta.bump(),
          mac: proofMac(c.luk, c.api, 1, 3, wrongAmount),
        });
        assert.equal(wa.body.error.code, 'ERR_REPLENISH_LOG_MISMATCH');

        const forged = await TestTa.create();
        const fj = await forged.sign(
          { iat: iat(), ...base, stateCounter: ta.bump(), mac: proofMac(c.luk, c.api, 1, 3, log) },
          ta.sigKid,
        );
        const f = await post(srv.app, `/v1/devices/${ta.deviceId}/replenish`, { statement: fj });
        assert.equal(f.body.error.code, 'ERR_STATEMENT_INVALID');

        const rollback = await send({ ...base, stateCounter: '0', mac: proofMac(c.luk, c.api, 1, 3, log) });
        assert.equal(rollback.status, 409);
        assert.equal(rollback.body.error.code, 'ERR_STATE_COUNTER_ROLLBACK');

        const good = await send({ ...base, stateCounter: ta.bump(), mac: proofMac(c.luk, c.api, 1, 3, log) });
        assert.equal(good.status, 200, JSON.stringify(good.body));
        const cred = await ta.open(good.body.messages[0].message);
        assert.equal(cred.payload.typ, 'credentials');
        const next = cred.payload.luk as { api: string; key: string };
        assert.equal(next.api, `${c.api.slice(0, 5)}01`, 'the counter within the hour steps');
        assert.equal(
          bytesToHex(b64uToBytes(next.key)),
          bytesToHex(
            issuerDeriveAcKey(openvseProfileV, { imkAc, pan: c.tokenPan, psn: '00', api: next.api }),
          ),
        );
        // the outgoing LUK is retired, the new one works, the ATC carries on
        assert.equal((await pay(c, 4, 10, '44444444')).body.reason, 'LUK_RETIRED');
        assert.equal(
          (await pay({ ...c, luk: b64uToBytes(next.key), api: next.api }, 5, 10, '55555555')).body.decision,
          'APPROVE',
        );
        // replaying the accepted statement: its API is no longer current
        const stale = await send({
          ...base,
          stateCounter: ta.bump(),
          mac: proofMac(c.luk, c.api, 1, 3, log),
        });
        assert.equal(stale.body.error.code, 'ERR_REPLENISH_STALE');
      });

      it('profile V: two statements for the same outgoing LUK at once: one new LUK, the other STALE', async () => {
        const c = await provisionV();
        assert.equal((await pay(c, 1, 100, '0A0B0C0D')).body.decision, 'APPROVE');
        const log = [{ atc: 1, un: '0A0B0C0D', amount: 100 }];
        const iat = Math.floor(srv.clock.now() / 1000);
        // One state counter for both, as a TA that sends its statement twice does: with two, the
        // lower one could arrive second and be refused as a rollback instead of as STALE.
        const stateCounter = ta.bump();
        const statement = () =>
          ta.sign({
            iat,
            typ: 'replenish',
            deviceId: ta.deviceId,
            cardId: c.cardId,
            api: c.api,
            firstAtc: 1,
            lastAtc: 1,
            log,
            stateCounter,
            mac: proofMac(c.luk, c.api, 1, 1, log),
          });
        const [a, b] = await Promise.all([statement(), statement()]);
        const answers = await Promise.all(
          [a, b].map((jws) => post(srv.app, `/v1/devices/${ta.deviceId}/replenish`, { statement: jws })),
        );
        const ok = answers.filter((r) => r.status === 200);
        assert.equal(ok.length, 1, JSON.stringify(answers.map((r) => r.body)));
        assert.equal(answers.find((r) => r.status !== 200)!.body.error.code, 'ERR_REPLENISH_STALE');
        const issued = (await ta.open(ok[0]!.body.messages[0].message)).payload.luk as {
          api: string;
          key: string;
        };
        // exactly the LUK that was sent is current: it pays; the outgoing one is retired
        assert.equal(
          (await pay({ ...c, luk: b64uToBytes(issued.key), api: issued.api }, 2, 10, '0E0E0E0E')).body
            .decision,
          'APPROVE',
        );
        assert.equal((await pay(c, 3, 10, '0F0F0F0F')).body.reason, 'LUK_RETIRED');
      });

      it('profile M: reported USED/DISCARDED SUKs are discarded server side; new SUKs follow; exact replays refused', async () => {
        const d = await digitize(srv.app, { profile: 'M', fundingPan: '5555555555554444' });
        const p = await post(srv.app, `/v1/devices/${ta.deviceId}/cards/${d.body.cardId}/provision`, {
          activationCode: d.body.activation.code,
        });
        const suks = ((await ta.open(p.body.messages[1].message)).payload.suks as Record<string, Json>[]).map(
          (s) => ({
            atc: s.atc as number,
            sukUmd: b64uToBytes(s.sukUmd),
            skMd: b64uToBytes(s.skMd),
          }),
        );
        const statement = await ta.sign({
          typ: 'replenish',
          deviceId: ta.deviceId,
          cardId: d.body.cardId,
          iat: Math.floor(srv.clock.now() / 1000),
          stateCounter: ta.bump(),
          credentials: [
            { atc: 1, status: 'USED' },
            { atc: 2, status: 'DISCARDED' },
            { atc: 3, status: 'UNUSED' },
          ],
        });
        const r = await post(srv.app, `/v1/devices/${ta.deviceId}/replenish`, { statement });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const fresh = (await ta.open(r.body.messages[0].message)).payload.suks as { atc: number }[];
        assert.deepEqual(
          fresh.map((s) => s.atc),
          [6, 7, 8, 9, 10],
        );
        assert.equal((await db.store.getSuk(d.body.cardId, 2))?.status, 'DISCARDED');
        const tx = { amount: 100 };
        const c2 = chipM({ sukUmd: suks[1]!.sukUmd, skMd: suks[1]!.skMd, atc: 2, tx });
        const a2 = await post(srv.app, '/v1/authorizations', {
          idempotencyKey: idem(),
          tokenPan: d.body.tokenPan,
          chipData: c2.chipData,
          amount: 100,
          currency: '978',
        });
        assert.equal(a2.body.reason, 'CREDENTIAL_DISCARDED');
        const c3 = chipM({ sukUmd: suks[2]!.sukUmd, skMd: suks[2]!.skMd, atc: 3, tx });
        const a3 = await post(srv.app, '/v1/authorizations', {
          idempotencyKey: idem(),
          tokenPan: d.body.tokenPan,
          chipData: c3.chipData,
          amount: 100,
          currency: '978',
        });
        assert.equal(a3.body.decision, 'APPROVE');
        const replay = await post(srv.app, `/v1/devices/${ta.deviceId}/replenish`, { statement });
        assert.equal(replay.status, 409);
        assert.equal(replay.body.error.code, 'ERR_STATEMENT_REPLAY');
      });

      it('sync: fresh nonce and a monotonic state counter; backwards → ERR_STATE_COUNTER_ROLLBACK', async () => {
        const status = async (nonce: string, stateCounter: string, over: Record<string, unknown> = {}) =>
          post(srv.app, `/v1/devices/${ta.deviceId}/sync`, {
            statement: await ta.sign({
              typ: 'status',
              deviceId: ta.deviceId,
              nonce,
              iat: Math.floor(srv.clock.now() / 1000),
              stateCounter,
              lastSeq: 0,
              cards: [],
              ...over,
            }),
          });
        const n1 = (await challenge()).nonce;
        const ok = await status(n1, ta.bump());
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.equal(ok.body.stateCounter, ta.stateCounter.toString());
        assert.ok(ok.body.pendingMessages >= 1);
        const reuse = await status(n1, ta.bump());
        assert.equal(reuse.body.error.code, 'ERR_NONCE_INVALID');
        const back = await status((await challenge()).nonce, '2');
        assert.equal(back.status, 409);
        assert.equal(back.body.error.code, 'ERR_STATE_COUNTER_ROLLBACK');
        const same = await status((await challenge()).nonce, ta.stateCounter.toString());
        assert.equal(same.status, 200, 'an equal counter is not a rollback');
        const typ = await status((await challenge()).nonce, ta.bump(), { typ: 'replenish' });
        assert.equal(typ.body.error.code, 'ERR_STATEMENT_INVALID');
        const otherDevice = await status((await challenge()).nonce, ta.bump(), { deviceId: 'someone-else' });
        assert.equal(otherDevice.body.error.code, 'ERR_STATEMENT_INVALID');
        const unsigned = (payload: Record<string, unknown>, header: Record<string, unknown>) =>
          `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
        const none = await post(srv.app, `/v1/devices/${ta.deviceId}/sync`, {
          statement: unsigned(
            {
              typ: 'status',
              deviceId: ta.deviceId,
              nonce: (await challenge()).nonce,
              iat: Math.floor(srv.clock.now() / 1000),
              stateCounter: ta.bump(),
            },
            { alg: 'none', typ: 'openvse-ta+jwt', kid: ta.sigKid },
          ),
        });
        assert.equal(none.body.error.code, 'ERR_STATEMENT_INVALID', 'alg none refused');
        srv.clock.advance(3600_000);
        const old = await status((await challenge()).nonce, ta.bump(), {
          iat: Math.floor(srv.clock.now() / 1000) - 3600,
        });
        assert.equal(old.body.error.code, 'ERR_STATEMENT_INVALID', 'stale iat');
      });
    });
  });
}
