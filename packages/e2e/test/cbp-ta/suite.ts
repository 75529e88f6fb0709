/**
 * The CBP TA suite (docs/cbp-protocol.md §2–§5), run unchanged against both platforms
 * (test/software.test.ts, test/vos.test.ts). Every server message is built by the REAL server
 * code and every cryptogram / statement is judged by it (authorization, replenish, sync routes).
 */
import assert from 'node:assert/strict';
import { type JsonWebKey, randomBytes, type webcrypto } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

type CryptoKey = webcrypto.CryptoKey;

import { verifyAttestation } from '@openvse/attestation';
import type { CbpCore } from '@openvse/cbp-ta';
import {
  bytesToHex,
  cardGenerateCryptogram,
  issuerDeriveAcKey,
  issuerDeriveMdKey,
  macIso9797Alg3,
  openvseProfileM,
  openvseProfileV,
} from '@openvse/emv';
import { CbpError, ReasonCode, replenishMacData as serverMacData } from '@openvse/protocol';
import { TEST_ISSUER_KEYS } from '@openvse/server';
import {
  CompactEncrypt,
  CompactSign,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import {
  authorize,
  digitize,
  enrollDevice,
  type Json,
  lifecycle,
  provisionMessages,
  type TestServer,
  testServer,
} from './helpers/server.js';
import type { Target } from './helpers/targets.js';
import { cdol1M, chipData, elementsMap, pdolV } from './helpers/terminal.js';

export interface SuiteClock {
  now(): number;
  advance(ms: number): void;
}

const LUK_POLICY = { maxTransactions: 4, ttlSeconds: 3600, maxAmount: 20_000 };
/** The mobile PIN of the cards that have one (the cardholder's CDCVM, docs/cdcvm.md). */
const PIN = '2468';

/** Everything the TA ever answered, scanned for key bytes at the end. */
const outputs: string[] = [];
function record(v: unknown): void {
  outputs.push(typeof v === 'string' ? v : v instanceof Uint8Array ? bytesToHex(v) : JSON.stringify(v));
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CbpError, `expected a CbpError, got ${e}`);
    assert.equal((e as CbpError).code, code);
    return true;
  });
}

export function cbpSuite(name: string, makeTarget: () => Promise<Target>, taClock?: SuiteClock): void {
  describe(`CBP TA on ${name}`, () => {
    let t: Target;
    let s: TestServer;
    let deviceId: string;
    let core: () => CbpCore;
    const issuedKeys: Uint8Array[] = [];

    async function relay(messages: string[]) {
      const out = [];
      for (const m of messages) {
        const r = await core().processMessage(m);
        record(r);
        out.push(r);
      }
      return out;
    }

    async function newCard(profile: 'V' | 'M', extra: Record<string, unknown> = {}) {
      const c = await digitize(s, profile, extra);
      await relay(await provisionMessages(s, deviceId, c.cardId, c.activation.code));
      return c;
    }

    async function tapV(cardId: string, tokenPan: string, amount: number) {
      const { data, f } = pdolV({ amount });
      const r = await core().gpoV(cardId, data);
      record(r.elements);
      const auth =
        r.elements.length > 0 ? await authorize(s, tokenPan, chipData(r.elements, f, '0080'), amount) : null;
      return {
        ...r,
        auth,
        m: r.elements.length > 0 ? elementsMap(r.elements) : new Map<string, Uint8Array>(),
      };
    }

    async function tapM(cardId: string, tokenPan: string, amount: number, pin?: string, p1 = 0x80) {
      const { data, f } = cdol1M({ amount });
      const r = await core().generateAcM(cardId, p1, data, pin);
      record(r.elements);
      const auth =
        r.elements.length > 0 ? await authorize(s, tokenPan, chipData(r.elements, f, '1980'), amount) : null;
      return {
        ...r,
        auth,
        m: r.elements.length > 0 ? elementsMap(r.elements) : new Map<string, Uint8Array>(),
      };
    }

    async function cardOf(cardId: string) {
      const cards = await core().cardInfo();
      record(cards);
      return cards.find((c) => c.cardId === cardId);
    }

    before(async () => {
      t = await makeTarget();
      core = () => t.core;
      s = await testServer([t.codeSha256], { luk: LUK_POLICY });
    });
    after(async () => {
      await s?.close();
      await t?.close();
    });

    it('refuses everything before ENROLL and refuses garbage enrollment requests', async () => {
      await expectCode(core().processMessage('a.b.c.d.e'), 'ERR_NOT_ENROLLED');
      await expectCode(core().status('nonce-1'), 'ERR_NOT_ENROLLED');
      const none = await core().gpoV('card-1', pdolV({ amount: 1 }).data);
      assert.equal(none.reason, ReasonCode.UNKNOWN_CARD);
      const ch = (await s.post('/v1/devices/challenge', {})).body;
      await expectCode(
        core().enroll({ nonce: 'short', serverSigningJwk: ch.serverSigningJwk }),
        'ERR_BAD_PARAMETERS',
      );
      await expectCode(
        core().enroll({ nonce: ch.nonce, serverSigningJwk: { kty: 'oct', k: 'AAAA' } }),
        'ERR_BAD_PARAMETERS',
      );
      await expectCode(
        core().enroll({ nonce: ch.nonce, serverSigningJwk: { ...ch.serverSigningJwk, d: 'AAAA' } }),
        'ERR_BAD_PARAMETERS',
      );
    });

    describe('server message checks (a test server key pinned first)', () => {
      let fakeKey: CryptoKey;
      let fakeJwk: JWK;
      let encJwk: JWK;
      let myDevice: string;
      let seq = 0;
      const msg = async (
        claims: Record<string, unknown>,
        o: { key?: CryptoKey; header?: Record<string, unknown>; alg?: string; to?: JWK } = {},
      ) => {
        const now = Math.floor(Date.now() / 1000);
        const body = {
          iss: 'openvse-cbp-server',
          aud: myDevice,
          iat: now,
          exp: now + 600,
          jti: `j${Math.random()}`,
          ...claims,
        };
        const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(body)))
          .setProtectedHeader({
            alg: 'ES256',
            typ: 'openvse-cbp+jwt',
            kid: fakeJwk.kid!,
            ...(o.header ?? {}),
          })
          .sign(o.key ?? fakeKey);
        return new CompactEncrypt(new TextEncoder().encode(jws))
          .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
          .encrypt(await importJWK(o.to ?? encJwk, 'ECDH-ES+A256KW'));
      };
      const policy = (block: boolean, extra: Record<string, unknown> = {}) => ({
        typ: 'policy',
        seq: ++seq,
        policy: { blockPayments: block },
        ...extra,
      });

      before(async () => {
        const pair = await generateKeyPair('ES256', { extractable: true });
        fakeKey = pair.privateKey as CryptoKey;
        const pub = await exportJWK(pair.publicKey);
        const { calculateJwkThumbprint } = await import('jose');
        fakeJwk = { kty: 'EC', crv: 'P-256', x: pub.x, y: pub.y };
        fakeJwk.kid = await calculateJwkThumbprint(fakeJwk as JWK, 'sha256');
        const nonce = Buffer.from('0123456789abcdef').toString('base64url');
        const att = await core().enroll({
          nonce,
          serverSigningJwk: { kty: 'EC', crv: 'P-256', x: pub.x!, y: pub.y! },
        });
        record(att);
        const claims = decodeJwt(att) as Json;
        myDevice = claims.deviceId;
        encJwk = claims.taPublicKeys.enc;
        assert.equal(claims.nonce, nonce);
      });

      it('applies a valid message and answers {typ, seq}', async () => {
        const r = await core().processMessage(await msg(policy(false)));
        assert.deepEqual(r, { typ: 'policy', seq: 1 });
      });

      it('refuses replayed and out-of-order seq (REPLAY)', async () => {
        const m2 = await msg(policy(false));
        const m3 = await msg(policy(false));
        assert.equal((await core().processMessage(m3)).seq, 3);
        await expectCode(core().processMessage(m2), 'ERR_REPLAY');
        await expectCode(core().processMessage(m3), 'ERR_REPLAY');
      });

      it('refuses a wrong audience, an expired message, a wrong issuer/typ/kid/signer', async () => {
        const now = Math.floor(Date.now() / 1000);
        await expectCode(
          core().processMessage(await msg({ ...policy(true), aud: 'another-device' })),
          'ERR_AUDIENCE',
        );
        await expectCode(
          core().processMessage(await msg({ ...policy(true), iat: now - 7200, exp: now - 61 })),
          'ERR_EXPIRED',
        );
        await expectCode(
          core().processMessage(await msg({ ...policy(true), iss: 'evil' })),
          'ERR_MESSAGE_INVALID',
        );
        await expectCode(
          core().processMessage(await msg({ ...policy(true), typ: 'unknown' })),
          'ERR_MESSAGE_INVALID',
        );
        await expectCode(
          core().processMessage(await msg(policy(true), { header: { typ: 'JWT' } })),
          'ERR_MESSAGE_INVALID',
        );
        await expectCode(
          core().processMessage(await msg(policy(true), { header: { kid: 'not-the-pinned-key' } })),
          'ERR_MESSAGE_INVALID',
        );
        const other = await generateKeyPair('ES256');
        await expectCode(
          core().processMessage(await msg(policy(true), { key: other.privateKey as CryptoKey })),
          'ERR_MESSAGE_INVALID',
        );
        const otherEnc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
        await expectCode(
          core().processMessage(await msg(policy(true), { to: await exportJWK(otherEnc.publicKey) })),
          'ERR_MESSAGE_INVALID',
        );
        await expectCode(core().processMessage('not a jwe'), 'ERR_BAD_PARAMETERS');
        // none of these changed anything: payments are not blocked and lastSeq is still 3
        const st = decodeJwt(await core().status('n-1')) as Json;
        assert.equal(st.lastSeq, 3);
        const ok = await core().processMessage(await msg({ ...policy(false), seq: 4 }));
        assert.equal(ok.seq, 4);
      });

      it('refuses an authentic message whose content is bad, and changes nothing', async () => {
        await expectCode(
          core().processMessage(
            await msg({ typ: 'provision', seq: 10, card: { cardId: 'x', profile: 'Q' } }),
          ),
          'ERR_MESSAGE_REJECTED',
        );
        await expectCode(
          core().processMessage(await msg({ typ: 'credentials', seq: 11, cardId: 'nope', luk: {} })),
          'ERR_MESSAGE_REJECTED',
        );
        assert.deepEqual(await core().cardInfo(), []);
        assert.equal((decodeJwt(await core().status('n-2')) as Json).lastSeq, 4);
      });
      it('applies provision / credentials / policy from the pinned key: blocked → reason 7; ARQC = @openvse/emv', async () => {
        const luk = new Uint8Array(randomBytes(16));
        issuedKeys.push(luk);
        const now = Math.floor(Date.now() / 1000);
        const profile = {
          cardId: 'test-v-1',
          profile: 'V',
          pan: '4111111111111111',
          psn: '00',
          expiry: '2812',
          aid: 'A0000000031010',
          label: 'TEST VISA',
          priority: 1,
          aip: '0080',
          cvmLimit: 5000,
          currency: '0978',
          country: '0250',
          cdcvmResetTimeoutSec: 300,
          kdi: '01',
          replenishBelow: 3,
        };
        record(await core().processMessage(await msg({ typ: 'provision', seq: 20, card: profile })));
        const creds = {
          typ: 'credentials',
          seq: 21,
          cardId: 'test-v-1',
          luk: {
            api: '6123402',
            dki: '01',
            key: Buffer.from(luk).toString('base64url'),
            maxTransactions: 20,
            notAfter: now + 3600,
            maxAmount: 100000,
          },
        };
        assert.deepEqual(await core().processMessage(await msg(creds)), {
          typ: 'credentials',
          cardId: 'test-v-1',
          seq: 21,
        });
        const { data, f } = pdolV({ amount: 100 });
        const r = await core().gpoV('test-v-1', data);
        record(r.elements);
        assert.equal(r.reason, 0);
        const m = elementsMap(r.elements);
        const want = cardGenerateCryptogram(openvseProfileV, {
          amountAuthorized: f.amount,
          amountOther: f.other,
          terminalCountryCode: f.country,
          tvr: f.tvr,
          transactionCurrencyCode: f.currency,
          transactionDate: f.date,
          transactionType: f.type,
          unpredictableNumber: f.un,
          aip: '0080',
          atc: 1,
          key: luk,
          iadFields: { dki: 1, cvr: '00000000', api: '6123402' },
        });
        assert.equal(bytesToHex(m.get('9F26')!), bytesToHex(want.ac));
        assert.equal(bytesToHex(m.get('9F10')!), bytesToHex(want.iad!));
        assert.equal(bytesToHex(m.get('57')!), '4111111111111111D28122010000000000');
        await core().processMessage(await msg({ typ: 'policy', seq: 22, policy: { blockPayments: true } }));
        const blocked = await core().gpoV('test-v-1', pdolV({ amount: 100 }).data);
        assert.equal(blocked.reason, ReasonCode.PAYMENTS_BLOCKED);
        const bm = elementsMap(blocked.elements);
        assert.equal(bytesToHex(bm.get('9F27')!), '00');
        assert.equal(bm.get('9F10')![3]! & 0x08, 0x08);
        assert.equal(blocked.atc, 2);
        await core().processMessage(await msg({ typ: 'policy', seq: 23, policy: { blockPayments: false } }));
        assert.equal((await core().gpoV('test-v-1', pdolV({ amount: 100 }).data)).reason, 0);
        // the replenishment proof verifies under the outgoing LUK
        const st = decodeJwt(await core().replenishRequest('test-v-1')) as Json;
        assert.equal(st.firstAtc, 1);
        assert.equal(st.lastAtc, 3);
        assert.equal(st.log.length, 2);
        assert.equal(
          st.mac,
          bytesToHex(macIso9797Alg3(luk, serverMacData(st.api, 1, 3, st.log), 2)).toUpperCase(),
        );
        // the V-Guard reaction policy (§6): rules applied to the flags V-OS holds
        const gpo = async () => (await core().gpoV('test-v-1', pdolV({ amount: 100 }).data)).reason;
        const rules = (r: unknown[], seq: number) =>
          msg({ typ: 'policy', seq, policy: { version: '1', heartbeatSeconds: 60, rules: r } });
        await core().processMessage(
          await rules(
            [
              { code: 'INSPECTOR_OPEN', reaction: 'block_payments' },
              { code: '*', minSeverity: 'critical', reaction: 'report' },
            ],
            24,
          ),
        );
        assert.equal(await gpo(), 0);
        await t.raiseThreats(['INSPECTOR_OPEN']);
        assert.equal(await gpo(), ReasonCode.PAYMENTS_BLOCKED);
        await t.clearThreats();
        assert.equal(await gpo(), 0);
        await core().processMessage(
          await rules([{ code: 'LD_PRELOAD', minSeverity: 'high', reaction: 'wipe_keys' }], 25),
        );
        await t.raiseThreats(['LD_PRELOAD:medium']);
        assert.equal(await gpo(), 0);
        await t.raiseThreats(['LD_PRELOAD:high']);
        assert.equal(await gpo(), ReasonCode.PAYMENTS_BLOCKED);
        assert.equal((await core().cardInfo())[0]?.credentialsLeft, 0);
        if (t.platform) assert.deepEqual(await t.platform.listPersistentKeys(), ['enc', 'sig']);
        await t.clearThreats();
        assert.equal(await gpo(), ReasonCode.NO_CREDENTIALS);
        await core().processMessage(await rules([], 26));
        await expectCode(
          core().processMessage(await rules([{ code: 'X', reaction: 'explode' }], 27)),
          'ERR_MESSAGE_REJECTED',
        );
        // re-enrolling under another server key is refused while a card is provisioned
        const ch = (await s.post('/v1/devices/challenge', {})).body;
        await expectCode(
          core().enroll({ nonce: ch.nonce, serverSigningJwk: ch.serverSigningJwk }),
          'ERR_ENROLLED_ELSEWHERE',
        );
        await core().wipe('test-v-1');
        assert.deepEqual(await core().cardInfo(), []);
      });
    });

    it('enrolls with the real server: attestation verifies and carries the enc / sig JWKs', async () => {
      const e = await enrollDevice(s, core(), t.platformJwk);
      record(e.attestation);
      deviceId = e.deviceId;
      const claims = await verifyAttestation(e.attestation, t.platformJwk as JsonWebKey, e.nonce);
      assert.equal(claims.ta.uuid, 'c0bb5e0e-7a11-4c2b-9f3e-0bea7ce0c0de');
      for (const k of ['enc', 'sig'] as const) {
        const jwk = claims.taPublicKeys?.[k] as Json;
        assert.equal(jwk.kty, 'EC');
        assert.equal(jwk.crv, 'P-256');
        assert.equal(jwk.d, undefined);
      }
      assert.equal(decodeProtectedHeader(e.attestation).alg, 'ES256');
      // the server key changed (test key → real server) while no card was provisioned: re-pinned, lastSeq reset
      assert.equal((decodeJwt(await core().status('n-3')) as Json).lastSeq, 0);
    });

    describe('profile V', () => {
      let card: { cardId: string; tokenPan: string };
      before(async () => {
        card = await newCard('V', { mobilePin: PIN });
      });

      it('provisions the card: public data only, LUK thresholds from the server', async () => {
        const c = await cardOf(card.cardId);
        assert.ok(c);
        assert.equal(c.profile, 'V');
        assert.equal(c.pan, card.tokenPan);
        assert.equal(c.state, 'ACTIVE');
        assert.equal(c.credentialsLeft, LUK_POLICY.maxTransactions);
        assert.equal(c.atc, 0);
      });

      it('makes ARQCs the server approves, ATC stepping, all §4 elements present', async () => {
        const a = await tapV(card.cardId, card.tokenPan, 1000);
        assert.equal(a.reason, 0);
        assert.equal(a.atc, 1);
        assert.equal(a.auth.decision, 'APPROVE', JSON.stringify(a.auth));
        for (const tag of ['57', '82', '5F34', '9F10', '9F26', '9F27', '9F36', '9F6C', '9F6E'])
          assert.ok(a.m.has(tag), tag);
        assert.equal(bytesToHex(a.m.get('9F27')!), '80');
        assert.equal(bytesToHex(a.m.get('9F6E')!), '20700000');
        assert.equal(bytesToHex(a.m.get('9F6C')!), '0000');
        const iad = a.m.get('9F10')!;
        assert.equal(iad.length, 32);
        assert.equal(bytesToHex(iad.subarray(0, 2)), '1F43');
        assert.equal(bytesToHex(iad.subarray(3, 7)), '00000000'); // CVR: no CDCVM, reason 0
        const b = await tapV(card.cardId, card.tokenPan, 500);
        assert.equal(b.atc, 2);
        assert.equal(b.auth.decision, 'APPROVE');
        // remember the LUK the server issued (for the key-bytes scan)
        const api = bytesToHex(iad.subarray(7, 11)).slice(1);
        issuedKeys.push(
          issuerDeriveAcKey(openvseProfileV, {
            imkAc: TEST_ISSUER_KEYS.imkAc,
            pan: card.tokenPan,
            psn: '00',
            api,
          }),
        );
      });

      it('asks for CDCVM above the CVM limit (reason 6, no cryptogram); the mobile PIN covers one payment', async () => {
        const over = await tapV(card.cardId, card.tokenPan, 6000);
        assert.equal(over.reason, ReasonCode.CDCVM_REQUIRED);
        assert.equal(over.elements.length, 0);
        assert.equal(over.atc, 2); // no ATC step
        await core().verifyCardholder(card.cardId, PIN);
        const ok = await tapV(card.cardId, card.tokenPan, 6000);
        assert.equal(ok.reason, 0);
        assert.equal(ok.atc, 3);
        assert.equal(bytesToHex(ok.m.get('9F6C')!), '0080');
        const iad = ok.m.get('9F10')!;
        assert.equal(iad[3]! & 0x80, 0x80);
        assert.notEqual(bytesToHex(iad.subarray(11, 15)), '00000000', 'the PIN MAC');
        assert.equal(ok.auth.decision, 'APPROVE', JSON.stringify(ok.auth));
        // One verification, one payment.
        assert.equal((await tapV(card.cardId, card.tokenPan, 6000)).reason, ReasonCode.CDCVM_REQUIRED);
        await core().verifyCardholder(card.cardId, PIN);
        await core().forgetCardholderVerification();
        assert.equal((await tapV(card.cardId, card.tokenPan, 6000)).reason, ReasonCode.CDCVM_REQUIRED);
      });

      it('a wrong mobile PIN: the TA cannot tell, the issuer declines it (WRONG_MOBILE_PIN)', async () => {
        const c = await newCard('V', { mobilePin: PIN });
        await core().verifyCardholder(c.cardId, '1357');
        const wrong = await tapV(c.cardId, c.tokenPan, 6000);
        assert.equal(wrong.reason, 0);
        assert.equal(wrong.auth.decision, 'DECLINE');
        assert.equal(wrong.auth.reason, 'WRONG_MOBILE_PIN');
        // A card without a mobile PIN has no cardholder verification at all.
        const bare = await newCard('V');
        await expectCode(core().verifyCardholder(bare.cardId, PIN), 'ERR_NO_MOBILE_PIN');
        assert.equal((await tapV(bare.cardId, bare.tokenPan, 6000)).reason, ReasonCode.CDCVM_REQUIRED);
        await expectCode(
          core().verifyCardholder('c0ffee00-0000-4000-8000-000000000000', PIN),
          'ERR_UNKNOWN_CARD',
        );
      });

      it('replenishes: the server verifies the proof MAC and the log, the new LUK replaces the old', async () => {
        const stmt = await core().replenishRequest(card.cardId);
        record(stmt);
        const claims = decodeJwt(stmt) as Json;
        assert.equal(claims.typ, 'replenish');
        assert.equal(claims.log.length, 3);
        assert.equal(claims.firstAtc, 1);
        assert.equal(claims.lastAtc, 3);
        const r = await s.post(`/v1/devices/${deviceId}/replenish`, { statement: stmt });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        await relay(r.body.messages.map((m: Json) => m.message));
        const c = await cardOf(card.cardId);
        assert.equal(c?.credentialsLeft, LUK_POLICY.maxTransactions);
        const next = await tapV(card.cardId, card.tokenPan, 100);
        assert.equal(next.reason, 0);
        assert.equal(next.atc, 4); // the per-card ATC carries on
        assert.equal(next.auth.decision, 'APPROVE', JSON.stringify(next.auth));
        const api = bytesToHex(next.m.get('9F10')!.subarray(7, 11)).slice(1);
        assert.notEqual(api, claims.api);
        issuedKeys.push(
          issuerDeriveAcKey(openvseProfileV, {
            imkAc: TEST_ISSUER_KEYS.imkAc,
            pan: card.tokenPan,
            psn: '00',
            api,
          }),
        );
        // a statement with a forged log is refused by the server
        const forged = await core().replenishRequest(card.cardId);
        const parts = forged.split('.');
        const body = decodeJwt(forged) as Json;
        body.log = [];
        parts[1] = Buffer.from(JSON.stringify(body)).toString('base64url');
        const bad = await s.post(`/v1/devices/${deviceId}/replenish`, { statement: parts.join('.') });
        assert.notEqual(bad.status, 200);
      });

      it('LUK count threshold → AAC with reason 3, ATC still steps, server declines', async () => {
        const c = await newCard('V');
        for (let i = 0; i < LUK_POLICY.maxTransactions; i++)
          assert.equal((await tapV(c.cardId, c.tokenPan, 100)).auth.decision, 'APPROVE');
        const r = await tapV(c.cardId, c.tokenPan, 100);
        assert.equal(r.reason, ReasonCode.LUK_MAX_TRANSACTIONS);
        assert.equal(r.atc, LUK_POLICY.maxTransactions + 1);
        assert.equal(bytesToHex(r.m.get('9F27')!), '00');
        const cvr = r.m.get('9F10')!.subarray(3, 7);
        assert.equal(cvr[0]! & 0x20, 0x20);
        assert.equal(cvr[1], ReasonCode.LUK_MAX_TRANSACTIONS);
        assert.equal(r.auth.decision, 'DECLINE');
        assert.equal((await cardOf(c.cardId))?.replenishDue, true);
      });

      it('LUK cumulative amount threshold → reason 5', async () => {
        const c = await newCard('V', { mobilePin: PIN });
        assert.equal((await tapV(c.cardId, c.tokenPan, 4000)).reason, 0);
        await core().verifyCardholder(c.cardId, PIN);
        assert.equal((await tapV(c.cardId, c.tokenPan, 9000)).reason, 0);
        await core().verifyCardholder(c.cardId, PIN);
        const r = await tapV(c.cardId, c.tokenPan, 7500);
        assert.equal(r.reason, ReasonCode.LUK_MAX_AMOUNT);
        assert.equal(r.auth.decision, 'DECLINE');
      });

      it('LUK time to live → reason 4 (LUK issued by a server clock in the past)', async () => {
        const real = s.clock.now();
        s.clock.set(real - (LUK_POLICY.ttlSeconds + 120) * 1000);
        const c = await digitize(s, 'V');
        const msgs = await provisionMessages(s, deviceId, c.cardId, c.activation.code);
        s.clock.set(real);
        await relay(msgs);
        const r = await tapV(c.cardId, c.tokenPan, 100);
        assert.equal(r.reason, ReasonCode.LUK_EXPIRED);
        assert.equal(bytesToHex(r.m.get('9F27')!), '00');
        assert.equal(r.auth.decision, 'DECLINE');
      });

      it('suspend → AAC reason 1 (ATC steps); resume → approved again', async () => {
        await relay(await lifecycle(s, card.cardId, 'suspend'));
        assert.equal((await cardOf(card.cardId))?.state, 'SUSPENDED');
        const before = (await cardOf(card.cardId))!.atc;
        const r = await tapV(card.cardId, card.tokenPan, 100);
        assert.equal(r.reason, ReasonCode.CARD_SUSPENDED);
        assert.equal(r.atc, before + 1);
        assert.equal(r.m.get('9F10')![3]! & 0x10, 0x10);
        assert.equal(r.auth.decision, 'DECLINE');
        await relay(await lifecycle(s, card.cardId, 'resume'));
        const ok = await tapV(card.cardId, card.tokenPan, 100);
        assert.equal(ok.reason, 0);
        assert.equal(ok.auth.decision, 'APPROVE', JSON.stringify(ok.auth));
      });

      it('a replayed or out-of-order real server message is refused and changes nothing', async () => {
        const m1 = await lifecycle(s, card.cardId, 'suspend');
        const m2 = await lifecycle(s, card.cardId, 'resume');
        await relay(m2); // seq n+1 first
        await expectCode(core().processMessage(m1[0]!), 'ERR_REPLAY');
        await expectCode(core().processMessage(m2[0]!), 'ERR_REPLAY');
        assert.equal((await cardOf(card.cardId))?.state, 'ACTIVE');
        // expired: the server's clock is a day and two minutes behind
        const real = s.clock.now();
        s.clock.set(real - (86_400 + 120) * 1000);
        const old = await lifecycle(s, card.cardId, 'suspend');
        s.clock.set(real);
        await expectCode(core().processMessage(old[0]!), 'ERR_EXPIRED');
        assert.equal((await cardOf(card.cardId))?.state, 'ACTIVE');
        await relay(await lifecycle(s, card.cardId, 'resume')); // the server side back to ACTIVE
      });

      it('ATC is never reused across a restart (crash between cryptograms)', async () => {
        const a = await tapV(card.cardId, card.tokenPan, 100);
        assert.equal(a.auth.decision, 'APPROVE', JSON.stringify(a.auth));
        await t.restart();
        const b = await tapV(card.cardId, card.tokenPan, 100);
        assert.equal(b.atc, a.atc + 1);
        assert.equal(b.auth.decision, 'APPROVE', JSON.stringify(b.auth));
        await t.restart();
        const c = await tapV(card.cardId, card.tokenPan, 100);
        assert.equal(c.atc, b.atc + 1);
      });
    });

    describe('profile M', () => {
      let card: { cardId: string; tokenPan: string };
      before(async () => {
        card = await newCard('M');
      });

      it('makes UMD/MD cryptograms the server approves, one SUK each', async () => {
        const c0 = await cardOf(card.cardId);
        assert.equal(c0?.profile, 'M');
        const left = c0!.credentialsLeft;
        assert.ok(left >= 10);
        const a = await tapM(card.cardId, card.tokenPan, 1200);
        assert.equal(a.reason, 0);
        assert.equal(a.auth.decision, 'APPROVE', JSON.stringify(a.auth));
        assert.equal(bytesToHex(a.m.get('9F27')!), '80');
        const iad = a.m.get('9F10')!;
        assert.equal(iad.length, 18);
        assert.equal(iad[1], 0x14);
        assert.equal(bytesToHex(iad.subarray(2, 8)), 'A00000000000');
        assert.equal(iad[10], left - 1);
        const b = await tapM(card.cardId, card.tokenPan, 1200);
        assert.equal(b.atc, a.atc + 1);
        assert.equal(b.auth.decision, 'APPROVE');
        assert.equal((await cardOf(card.cardId))?.credentialsLeft, left - 2);
        for (const atc of [a.atc, b.atc]) {
          issuedKeys.push(
            issuerDeriveAcKey(openvseProfileM, {
              imkAc: TEST_ISSUER_KEYS.imkAc,
              pan: card.tokenPan,
              psn: '00',
              atc,
            }),
            issuerDeriveMdKey(openvseProfileM, {
              imkMd: TEST_ISSUER_KEYS.imkMd,
              pan: card.tokenPan,
              psn: '00',
              atc,
            }),
          );
        }
      });

      it('a terminal-requested AAC consumes the SUK; above the limit a card without a mobile PIN cannot pay', async () => {
        const aac = await tapM(card.cardId, card.tokenPan, 100, undefined, 0x00);
        assert.equal(aac.reason, 0);
        assert.equal(bytesToHex(aac.m.get('9F27')!), '00');
        const over = await tapM(card.cardId, card.tokenPan, 9000);
        assert.equal(over.reason, ReasonCode.CDCVM_REQUIRED);
        assert.equal(over.elements.length, 0);
        await expectCode(core().verifyCardholder(card.cardId, PIN), 'ERR_NO_MOBILE_PIN');
        assert.equal((await tapM(card.cardId, card.tokenPan, 9000)).reason, ReasonCode.CDCVM_REQUIRED);
      });

      it('suspended: AAC with reason 1, the SUK is consumed all the same', async () => {
        const left = (await cardOf(card.cardId))!.credentialsLeft;
        await relay(await lifecycle(s, card.cardId, 'suspend'));
        const r = await tapM(card.cardId, card.tokenPan, 100);
        assert.equal(r.reason, ReasonCode.CARD_SUSPENDED);
        assert.equal(bytesToHex(r.m.get('9F27')!), '00');
        assert.equal(r.auth.decision, 'DECLINE');
        assert.equal((await cardOf(card.cardId))?.credentialsLeft, left - 1);
        await relay(await lifecycle(s, card.cardId, 'resume'));
      });

      it('replenishes: used SUKs reported, new ones appended', async () => {
        const before = (await cardOf(card.cardId))!.credentialsLeft;
        const stmt = await core().replenishRequest(card.cardId);
        record(stmt);
        const claims = decodeJwt(stmt) as Json;
        assert.ok(claims.credentials.some((c: Json) => c.status === 'USED'));
        const r = await s.post(`/v1/devices/${deviceId}/replenish`, { statement: stmt });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        await relay(r.body.messages.map((m: Json) => m.message));
        assert.equal((await cardOf(card.cardId))?.credentialsLeft, before + 10);
        assert.equal((await tapM(card.cardId, card.tokenPan, 100)).auth.decision, 'APPROVE');
      });

      it('mobile PIN: the right PIN approves, a wrong one is WRONG_MOBILE_PIN at the server, none → reason 6', async () => {
        const c = await newCard('M', { mobilePin: '1234' });
        assert.equal((await cardOf(c.cardId))?.mobilePin, true);
        const none = await tapM(c.cardId, c.tokenPan, 100);
        assert.equal(none.reason, ReasonCode.CDCVM_REQUIRED);
        const ok = await tapM(c.cardId, c.tokenPan, 100, '1234');
        assert.equal(ok.reason, 0);
        assert.equal(ok.auth.decision, 'APPROVE', JSON.stringify(ok.auth));
        const wrong = await tapM(c.cardId, c.tokenPan, 100, '9999');
        assert.equal(wrong.reason, 0);
        assert.equal(wrong.auth.decision, 'DECLINE');
        assert.equal(wrong.auth.reason, 'WRONG_MOBILE_PIN');
        // A held verification (CDCVM command) instead of the PIN in GENERATE AC: one payment.
        await core().verifyCardholder(c.cardId, '1234');
        const held = await tapM(c.cardId, c.tokenPan, 9000);
        assert.equal(held.reason, 0);
        assert.equal(held.m.get('9F10')![5]! & 0x01, 0x01, 'CVR: CDCVM performed');
        assert.equal(held.auth.decision, 'APPROVE', JSON.stringify(held.auth));
        assert.equal((await tapM(c.cardId, c.tokenPan, 100)).reason, ReasonCode.CDCVM_REQUIRED);
      });

      it('SUKs are never reused across a restart', async () => {
        const a = await tapM(card.cardId, card.tokenPan, 100);
        await t.restart();
        const b = await tapM(card.cardId, card.tokenPan, 100);
        assert.ok(b.atc > a.atc);
        assert.equal(b.auth.decision, 'APPROVE', JSON.stringify(b.auth));
      });
    });

    it('STATUS: the server’s sync route verifies the statement', async () => {
      const ch = (await s.post('/v1/devices/challenge', {})).body;
      const st = await core().status(ch.nonce);
      record(st);
      const claims = decodeJwt(st) as Json;
      assert.equal(claims.typ, 'status');
      assert.equal(claims.deviceId, deviceId);
      assert.ok(claims.cards.length >= 3);
      const v = claims.cards.find((c: Json) => c.profile === 'V');
      assert.ok(v.thresholdsLeft);
      const r = await s.post(`/v1/devices/${deviceId}/sync`, { statement: st });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.pendingMessages, 0);
      // the same statement twice is a replay for the server
      assert.notEqual((await s.post(`/v1/devices/${deviceId}/sync`, { statement: st })).status, 200);
    });

    it('lifecycle delete wipes the card: keys destroyed, sealed objects gone, card unknown', async () => {
      const c = await newCard('V');
      await tapV(c.cardId, c.tokenPan, 100);
      const keysBefore = t.platform ? await t.platform.listPersistentKeys() : [];
      await relay(await lifecycle(s, c.cardId, 'delete'));
      assert.equal(await cardOf(c.cardId), undefined);
      assert.equal((await tapV(c.cardId, c.tokenPan, 100)).reason, ReasonCode.UNKNOWN_CARD);
      await expectCode(core().replenishRequest(c.cardId), 'ERR_UNKNOWN_CARD');
      if (t.platform) {
        const keysAfter = await t.platform.listPersistentKeys();
        assert.equal(keysAfter.length, keysBefore.length - 1);
        assert.ok(!(await t.platform.list()).includes(`cbp.card.${c.cardId}`));
      }
    });

    it('WIPE * removes every card and every credential key', async () => {
      await core().wipe('*');
      assert.deepEqual(await core().cardInfo(), []);
      if (t.platform) assert.deepEqual(await t.platform.listPersistentKeys(), ['enc', 'sig']);
      await expectCode(core().wipe('../etc'), 'ERR_BAD_PARAMETERS');
    });

    it('no key bytes in any output', () => {
      assert.ok(issuedKeys.length >= 6);
      const all = outputs.join('\n').toUpperCase();
      const b64 = outputs.join('\n');
      for (const k of issuedKeys) {
        assert.ok(!all.includes(bytesToHex(k).toUpperCase()), 'hex key bytes in an output');
        assert.ok(!b64.includes(Buffer.from(k).toString('base64url')), 'base64url key bytes in an output');
        assert.ok(!all.includes(bytesToHex(k.subarray(0, 8)).toUpperCase()), 'half a key in an output');
      }
    });

    if (taClock) {
      it('a held cardholder verification expires after cdcvmResetTimeoutSec (TA clock)', async () => {
        const c = await newCard('V', { mobilePin: PIN });
        await core().verifyCardholder(c.cardId, PIN);
        taClock.advance(299_000);
        assert.equal((await tapV(c.cardId, c.tokenPan, 6000)).reason, 0);
        await core().verifyCardholder(c.cardId, PIN);
        taClock.advance(301_000);
        assert.equal((await tapV(c.cardId, c.tokenPan, 6000)).reason, ReasonCode.CDCVM_REQUIRED);
        taClock.advance(-600_000);
      });

      it('LUK time to live on the TA clock → reason 4', async () => {
        const c = await newCard('V');
        assert.equal((await tapV(c.cardId, c.tokenPan, 100)).reason, 0);
        taClock.advance(LUK_POLICY.ttlSeconds * 1000);
        const r = await core().gpoV(c.cardId, pdolV({ amount: 100 }).data);
        taClock.advance(-LUK_POLICY.ttlSeconds * 1000);
        assert.equal(r.reason, ReasonCode.LUK_EXPIRED);
        assert.equal((await cardOf(c.cardId))?.credentialsLeft, 3);
      });
    }
  });
}
