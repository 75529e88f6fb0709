/**
 * The server's side of lost ATCs (docs/cbp-protocol.md §3; packages/server/src/devices/
 * replenish.ts): a CBP core on tap reservations (software platform, so that the test can forge
 * statements with the TA's own key) answers taps the real server authorizes, then "crashes"
 * before the writes behind the answers land. The next core declares the reserved ATCs `lost`,
 * and the server accepts authorized ATCs that are missing from the log only inside a declared
 * range: a statement without the range, with a range that leaves one out, or with a range outside
 * [firstAtc, lastAtc] is refused, even signed by the TA; the genuine one is accepted.
 */
import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { it } from 'node:test';
import {
  type CbpPlatform,
  createCbpCore,
  createSoftwarePlatform,
  softwareTaCodeSha256,
} from '@openvse/cbp-ta';
import { ReasonCode } from '@openvse/protocol';
import { CompactSign, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import {
  authorize,
  digitize,
  enrollDevice,
  type Json,
  provisionMessages,
  testServer,
} from './helpers/server.js';
import { tempDir } from './helpers/targets.js';
import { chipData, pdolV } from './helpers/terminal.js';

it('the server accepts authorized ATCs missing from the log only inside a lost range the TA declares', async () => {
  const dataDir = tempDir();
  const s = await testServer([softwareTaCodeSha256()], {
    luk: { maxTransactions: 50, ttlSeconds: 3600, maxAmount: 1_000_000 },
  });
  const base = await createSoftwarePlatform({ dataDir });
  // Storage that stops writing on demand: what a crash leaves.
  let frozen = false;
  const platform: CbpPlatform = {
    ...base,
    transaction: (ops) => (frozen ? new Promise<never>(() => undefined) : base.transaction(ops)),
  };
  let core = createCbpCore(platform, { reserve: { atcs: 8 } });
  const { deviceId } = await enrollDevice(s, core, base.platformPublicJwk);
  const card = await digitize(s, 'V');
  for (const m of await provisionMessages(s, deviceId, card.cardId, card.activation.code))
    await core.processMessage(m);
  const tap = async () => {
    const { data, f } = pdolV({ amount: 300 });
    const r = await core.gpoV(card.cardId, data);
    assert.equal(r.reason, ReasonCode.OK);
    const auth = await authorize(s, card.tokenPan, chipData(r.elements, f, '0080'), 300);
    assert.equal(auth.decision, 'APPROVE', JSON.stringify(auth));
    return r.atc;
  };
  assert.equal(await tap(), 1); // reserves ATCs 2..8 (sealed); behind it: its record, ATCs up to 9
  await new Promise((r) => setTimeout(r, 50));
  frozen = true; // the crash: nothing written from here on
  assert.equal(await tap(), 2);
  assert.equal(await tap(), 3);

  // The next TA instance on what the crash left.
  core = createCbpCore(await createSoftwarePlatform({ dataDir }), { reserve: { atcs: 8 } });
  const statement = await core.replenishRequest(card.cardId);
  const claims = decodeJwt(statement) as Json;
  assert.deepEqual(
    (claims.log as Json[]).map((e) => e.atc),
    [1],
  );
  const last = claims.lastAtc as number;
  assert.ok(last >= 8 && last <= 9, `lastAtc ${last}`);
  assert.deepEqual(claims.lost, [{ from: 2, to: last }]);
  assert.equal(claims.firstAtc, 1);

  // Forgeries signed with the TA's own key (as if the TA lied): each is refused.
  const sig = base.dumpKeysForTests().find((k) => k.usage === 'sign' && k.persistentId === 'sig')!;
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(sig.secret));
  const pub = ecdh.getPublicKey();
  const key = await importJWK(
    {
      kty: 'EC',
      crv: 'P-256',
      d: Buffer.from(sig.secret).toString('base64url'),
      x: pub.subarray(1, 33).toString('base64url'),
      y: pub.subarray(33, 65).toString('base64url'),
    },
    'ES256',
  );
  const header = decodeProtectedHeader(statement);
  const resign = async (change: (c: Json) => void) => {
    const c = structuredClone(claims);
    change(c);
    return new CompactSign(new TextEncoder().encode(JSON.stringify(c)))
      .setProtectedHeader(header as { alg: string })
      .sign(key);
  };
  const post = async (st: string) => s.post(`/v1/devices/${deviceId}/replenish`, { statement: st });
  const refused = [
    [await resign((c) => delete c.lost), 'ERR_REPLENISH_LOG_MISMATCH'],
    [await resign((c) => (c.lost = [{ from: 3, to: last }])), 'ERR_REPLENISH_LOG_MISMATCH'],
    [await resign((c) => (c.lost = [{ from: 2, to: last + 1 }])), 'ERR_STATEMENT_INVALID'],
    [await resign((c) => (c.lost = [{ from: 0, to: last }])), 'ERR_STATEMENT_INVALID'],
    [await resign((c) => (c.lost = [{ from: 5, to: 2 }])), 'ERR_STATEMENT_INVALID'],
  ] as const;
  for (const [st, code] of refused) {
    const r = await post(st);
    assert.notEqual(r.status, 200);
    assert.equal(r.body.error?.code, code, JSON.stringify(r.body));
  }
  // The genuine statement is accepted, and the card goes on under the new LUK above the gap.
  const ok = await post(statement);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  for (const m of ok.body.messages as Json[]) await core.processMessage(m.message as string);
  assert.equal(await tap(), last + 1);
  await core.close?.();
  await s.close();
});
