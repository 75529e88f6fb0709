/**
 * GP parameter checks of the CBP TA in V-OS (docs/cbp-protocol.md §4 "any param of the wrong type →
 * TEE_ERROR_BAD_PARAMETERS"; OP-TEE TAs check paramTypes first in every command): for every
 * command, wrong parameter types and garbage contents answer TEE_ERROR_BAD_PARAMETERS from the
 * TA, never a crash; a random fuzz round never gets TEE_ERROR_GENERIC or TARGET_DEAD, and the TA
 * still answers afterwards. The same garbage at the core API (software platform) is a CbpError
 * BAD_PARAMETERS.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type CbpCore, createCbpCore, createSoftwarePlatform } from '@openvse/cbp-ta';
import { CbpCommand, CbpError } from '@openvse/protocol';
import { TeeOrigin, TeeResult, type VosParam } from '@openvse/vos';
import { type Target, vosTarget } from './helpers/targets.js';

const enc = (s: string) => new TextEncoder().encode(s);
const memIn = (data: Uint8Array): VosParam => ({ type: 'memref', data });
const memOut = (size = 4096): VosParam => ({ type: 'memref', dir: 'out', size });
const valIn = (a = 0, b = 0): VosParam => ({ type: 'value', a, b });
const valOut = (): VosParam => ({ type: 'value', dir: 'out' });
const valInout = (a = 0x80, b = 0): VosParam => ({ type: 'value', dir: 'inout', a, b });
const json = (v: unknown) => memIn(enc(JSON.stringify(v)));
const PDOL = new Uint8Array(33);
const CDOL = new Uint8Array(43);

/** The correct parameter layout of each command, with harmless contents. */
const GOOD: Record<number, VosParam[]> = {
  [CbpCommand.ENROLL]: [json({ nonce: 'x' }), memOut(16384)],
  [CbpCommand.PROCESS_MESSAGE]: [memIn(enc('x')), memOut()],
  [CbpCommand.GPO_V]: [json({ cardId: 'c1' }), memIn(PDOL), valOut(), memOut()],
  [CbpCommand.GENAC_M]: [json({ cardId: 'c1' }), memIn(CDOL), valInout(), memOut()],
  [CbpCommand.STATUS]: [memIn(enc('nonce')), memOut(65536)],
  [CbpCommand.REPLENISH_REQUEST]: [memIn(enc('c1')), memOut(65536)],
  [CbpCommand.CARD_INFO]: [memOut(65536)],
  [CbpCommand.WIPE]: [memIn(enc('c1'))],
  [CbpCommand.CDCVM]: [json({ forget: true })],
};

/** Garbage contents in the right layout (each must be BAD_PARAMETERS). */
const GARBAGE: Array<[string, number, VosParam[]]> = [
  ['ENROLL not JSON', CbpCommand.ENROLL, [memIn(new Uint8Array(randomBytes(40))), memOut(16384)]],
  ['ENROLL JSON array', CbpCommand.ENROLL, [json([1, 2]), memOut(16384)]],
  ['ENROLL null', CbpCommand.ENROLL, [json(null), memOut(16384)]],
  ['ENROLL nonce number', CbpCommand.ENROLL, [json({ nonce: 5, serverSigningJwk: {} }), memOut(16384)]],
  [
    'ENROLL nonce not b64url',
    CbpCommand.ENROLL,
    [json({ nonce: '!!!!!!!!!!!', serverSigningJwk: {} }), memOut(16384)],
  ],
  [
    'ENROLL jwk garbage',
    CbpCommand.ENROLL,
    [json({ nonce: 'AAAAAAAAAAA', serverSigningJwk: 'x' }), memOut(16384)],
  ],
  ['ENROLL invalid UTF-8', CbpCommand.ENROLL, [memIn(Uint8Array.of(0x7b, 0xff, 0x7d)), memOut(16384)]],
  ['ENROLL too long', CbpCommand.ENROLL, [memIn(new Uint8Array(9000).fill(0x20)), memOut(16384)]],
  ['ENROLL empty', CbpCommand.ENROLL, [memIn(new Uint8Array(0)), memOut(16384)]],
  ['MESSAGE not compact', CbpCommand.PROCESS_MESSAGE, [memIn(enc('hello world')), memOut()]],
  ['MESSAGE 3 parts', CbpCommand.PROCESS_MESSAGE, [memIn(enc('a.b.c')), memOut()]],
  ['MESSAGE binary', CbpCommand.PROCESS_MESSAGE, [memIn(new Uint8Array(randomBytes(64))), memOut()]],
  ['MESSAGE empty', CbpCommand.PROCESS_MESSAGE, [memIn(new Uint8Array(0)), memOut()]],
  ['GPO not JSON', CbpCommand.GPO_V, [memIn(enc('{')), memIn(PDOL), valOut(), memOut()]],
  ['GPO cardId number', CbpCommand.GPO_V, [json({ cardId: 1 }), memIn(PDOL), valOut(), memOut()]],
  ['GPO cardId bad', CbpCommand.GPO_V, [json({ cardId: '../x' }), memIn(PDOL), valOut(), memOut()]],
  [
    'GPO PDOL short',
    CbpCommand.GPO_V,
    [json({ cardId: 'c1' }), memIn(new Uint8Array(32)), valOut(), memOut()],
  ],
  [
    'GPO PDOL long',
    CbpCommand.GPO_V,
    [json({ cardId: 'c1' }), memIn(new Uint8Array(34)), valOut(), memOut()],
  ],
  [
    'GPO amount not BCD',
    CbpCommand.GPO_V,
    [json({ cardId: 'c1' }), memIn(new Uint8Array(33).fill(0xff)), valOut(), memOut()],
  ],
  ['GENAC P1 C0', CbpCommand.GENAC_M, [json({ cardId: 'c1' }), memIn(CDOL), valInout(0xc0), memOut()]],
  ['GENAC P1 > 255', CbpCommand.GENAC_M, [json({ cardId: 'c1' }), memIn(CDOL), valInout(0x180), memOut()]],
  [
    'GENAC pin number',
    CbpCommand.GENAC_M,
    [json({ cardId: 'c1', mobilePin: 1234 }), memIn(CDOL), valInout(), memOut()],
  ],
  [
    'GENAC pin too long',
    CbpCommand.GENAC_M,
    [json({ cardId: 'c1', mobilePin: '1'.repeat(40) }), memIn(CDOL), valInout(), memOut()],
  ],
  [
    'GENAC CDOL short',
    CbpCommand.GENAC_M,
    [json({ cardId: 'c1' }), memIn(new Uint8Array(28)), valInout(), memOut()],
  ],
  [
    'GENAC amount not BCD',
    CbpCommand.GENAC_M,
    [json({ cardId: 'c1' }), memIn(new Uint8Array(43).fill(0xaa)), valInout(), memOut()],
  ],
  ['STATUS empty', CbpCommand.STATUS, [memIn(new Uint8Array(0)), memOut()]],
  ['STATUS control chars', CbpCommand.STATUS, [memIn(Uint8Array.of(1, 2, 3)), memOut()]],
  ['STATUS too long', CbpCommand.STATUS, [memIn(new Uint8Array(600).fill(0x41)), memOut()]],
  ['REPLENISH bad id', CbpCommand.REPLENISH_REQUEST, [memIn(enc('a/b')), memOut()]],
  ['REPLENISH empty', CbpCommand.REPLENISH_REQUEST, [memIn(new Uint8Array(0)), memOut()]],
  ['WIPE bad id', CbpCommand.WIPE, [memIn(enc('../../etc'))]],
  ['WIPE too long', CbpCommand.WIPE, [memIn(new Uint8Array(100).fill(0x41))]],
  ['CDCVM not JSON', CbpCommand.CDCVM, [memIn(enc('{'))]],
  ['CDCVM bare flag', CbpCommand.CDCVM, [json({ verified: true })]],
  ['CDCVM forget false', CbpCommand.CDCVM, [json({ forget: false })]],
  ['CDCVM no PIN', CbpCommand.CDCVM, [json({ cardId: 'c1' })]],
  ['CDCVM PIN number', CbpCommand.CDCVM, [json({ cardId: 'c1', mobilePin: 2468 })]],
  ['CDCVM PIN too long', CbpCommand.CDCVM, [json({ cardId: 'c1', mobilePin: '1'.repeat(17) })]],
  ['CDCVM PIN control chars', CbpCommand.CDCVM, [json({ cardId: 'c1', mobilePin: '12\n4' })]],
  ['CDCVM cardId bad', CbpCommand.CDCVM, [json({ cardId: '../x', mobilePin: '2468' })]],
  ['CDCVM extra key', CbpCommand.CDCVM, [json({ cardId: 'c1', mobilePin: '2468', verified: true })]],
];

/** Every single-position type change of the good layout, plus none and too few. */
function wrongLayouts(good: VosParam[]): VosParam[][] {
  const kinds: VosParam[] = [valIn(), valOut(), valInout(), memIn(enc('x')), memOut(), { type: 'none' }];
  const out: VosParam[][] = [[]];
  for (let i = 0; i < 4; i++) {
    for (const k of kinds) {
      const l = [...good];
      while (l.length < 4) l.push({ type: 'none' });
      const same = JSON.stringify(l[i]) === JSON.stringify(k) || (l[i]!.type === k.type && sameDir(l[i]!, k));
      if (same) continue;
      l[i] = k;
      out.push(l);
    }
  }
  return out;
}

function sameDir(a: VosParam, b: VosParam): boolean {
  const d = (p: VosParam) => ('dir' in p && p.dir ? p.dir : 'in');
  return d(a) === d(b);
}

describe('CBP TA in V-OS: parameter checks', () => {
  let t: Target;
  before(async () => {
    t = await vosTarget();
  });
  after(async () => {
    await t.close();
  });

  it('answers TEE_ERROR_BAD_PARAMETERS to every wrong parameter layout of every command', async () => {
    let n = 0;
    for (const [cmd, good] of Object.entries(GOOD)) {
      for (const layout of wrongLayouts(good)) {
        const r = await t.session!().invoke(Number(cmd), layout);
        assert.equal(
          r.result,
          TeeResult.ERROR_BAD_PARAMETERS,
          `command 0x${Number(cmd).toString(16)} layout ${JSON.stringify(layout.map((p) => p.type + ('dir' in p ? p.dir : '')))}`,
        );
        assert.equal(r.origin, TeeOrigin.TRUSTED_APP);
        n++;
      }
    }
    assert.ok(n > 150, `${n} layouts`);
  });

  it('answers TEE_ERROR_BAD_PARAMETERS to garbage contents', async () => {
    for (const [name, cmd, params] of GARBAGE) {
      const r = await t.session!().invoke(cmd, params);
      assert.equal(r.result, TeeResult.ERROR_BAD_PARAMETERS, name);
      assert.equal(r.origin, TeeOrigin.TRUSTED_APP, name);
    }
  });

  it('refuses unknown command ids without calling the TA', async () => {
    const r = await t.session!().invoke(0x0099, [memOut()]);
    assert.equal(r.result, TeeResult.ERROR_NOT_SUPPORTED);
  });

  it('survives a random fuzz round and still answers', async () => {
    const cmds = Object.values(CbpCommand);
    const kinds = [
      () => valIn(randomInt(0, 2 ** 32), randomInt(0, 2 ** 32)),
      () => valOut(),
      () => valInout(randomInt(0, 2 ** 32)),
      () => memIn(new Uint8Array(randomBytes(randomInt(0, 200)))),
      () =>
        memIn(
          enc(JSON.stringify({ cardId: 'c1', nonce: randomBytes(9).toString('base64url'), mobilePin: '12' })),
        ),
      () => memOut(randomInt(0, 5000)),
      (): VosParam => ({ type: 'none' }),
    ];
    for (let i = 0; i < 300; i++) {
      const cmd = cmds[randomInt(0, cmds.length)]!;
      const params = Array.from({ length: randomInt(0, 5) }, () => kinds[randomInt(0, kinds.length)]!());
      const r = await t.session!().invoke(cmd, params);
      assert.notEqual(r.result, TeeResult.ERROR_GENERIC, `fuzz ${i}`);
      assert.notEqual(r.result, TeeResult.ERROR_TARGET_DEAD, `fuzz ${i}`);
    }
    const info = await t.session!().invoke(CbpCommand.CARD_INFO, [memOut(65536)]);
    assert.equal(info.result, TeeResult.SUCCESS);
  });
});

describe('core API: the same garbage is CbpError BAD_PARAMETERS', () => {
  let core: CbpCore;
  before(async () => {
    core = createCbpCore(await createSoftwarePlatform());
  });
  const bad = async (p: Promise<unknown>) =>
    assert.rejects(p, (e: unknown) => e instanceof CbpError && e.code === 'ERR_BAD_PARAMETERS');

  it('refuses wrong types and sizes on every operation', async () => {
    const any = (v: unknown) => v as never;
    await bad(core.enroll(any(null)));
    await bad(core.enroll(any({ nonce: 1 })));
    await bad(core.processMessage(any(42)));
    await bad(core.processMessage('x.y'));
    await bad(core.gpoV(any(1), PDOL));
    await bad(core.gpoV('c1', any('pdol')));
    await bad(core.gpoV('c1', new Uint8Array(3)));
    await bad(core.generateAcM('c1', any('80'), CDOL));
    await bad(core.generateAcM('c1', -1, CDOL));
    await bad(core.generateAcM('c1', 0x80, CDOL, any(1234)));
    await bad(core.status(any(undefined)));
    await bad(core.replenishRequest(any({})));
    await bad(core.wipe(any(null)));
    await bad(core.verifyCardholder(any(1), '2468'));
    await bad(core.verifyCardholder('c1', any(2468)));
    await bad(core.verifyCardholder('c1', ''));
    await bad(core.verifyCardholder('c1', 'x'.repeat(17)));
  });
});
