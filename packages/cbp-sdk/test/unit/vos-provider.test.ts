/**
 * VosProvider against a scripted V-OS client: each method is exactly one TA command with the
 * parameter types of docs/cbp-protocol.md §4; GP results become typed SdkErrors; SHORT_BUFFER is
 * retried once with the size asked; a dead session is reopened for idempotent commands only (a
 * cryptogram command is never sent twice).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CbpCommand } from '@openvse/protocol';
import type { InvokeResult, VosClient, VosParam, VosSession } from '@openvse/vos';
import { SdkError, SdkErrorCode } from '../../src/errors.js';
import { VosProvider } from '../../src/provider/vos-provider.js';

type Call = { cmd: number; params: VosParam[] };
type Script = (call: Call, n: number) => { result: number; params?: InvokeResult['params'] };

function fakeVos(script: Script) {
  const calls: Call[] = [];
  let sessions = 0;
  const client = {
    async openSession(uuid: string): Promise<VosSession> {
      sessions++;
      return {
        taUuid: uuid,
        async invoke(cmd: number, params: VosParam[] = []): Promise<InvokeResult> {
          const call = { cmd, params };
          calls.push(call);
          const r = script(call, calls.length);
          return { result: r.result, origin: 4, params: r.params ?? [] };
        },
        async close() {},
      };
    },
    async status() {
      return { platformKey: { jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }, keyId: 'k' } };
    },
  } as unknown as VosClient;
  return { client, calls, sessions: () => sessions };
}

const mem = (s: string | Uint8Array) => {
  const data = typeof s === 'string' ? new TextEncoder().encode(s) : s;
  return { type: 'memref' as const, data, size: data.length };
};
const none = { type: 'none' as const };
const types = (ps: VosParam[]) => ps.map((p) => `${p.type}:${'dir' in p ? (p.dir ?? 'in') : ''}`);

describe('VosProvider', () => {
  it('maps every method to its command with the exact parameter types', async () => {
    const { client, calls } = fakeVos(({ cmd }) => {
      switch (cmd) {
        case CbpCommand.ENROLL:
          return { result: 0, params: [none, mem('a.b.c'), none, none] };
        case CbpCommand.PROCESS_MESSAGE:
          return { result: 0, params: [none, mem('{"typ":"provision","cardId":"c1","seq":1}'), none, none] };
        case CbpCommand.GPO_V:
        case CbpCommand.GENAC_M:
          return {
            result: 0,
            params: [none, none, { type: 'value', a: 0, b: 7 }, mem(Uint8Array.of(0x9f, 0x36, 2, 0, 7))],
          };
        case CbpCommand.STATUS:
        case CbpCommand.REPLENISH_REQUEST:
          return { result: 0, params: [none, mem('h.p.s'), none, none] };
        case CbpCommand.CARD_INFO:
          return { result: 0, params: [mem('[]'), none, none, none] };
        default:
          return { result: 0 };
      }
    });
    const p = await VosProvider.open({ vos: client });
    assert.equal(await p.enroll({ nonce: 'n', serverSigningJwk: {} }), 'a.b.c');
    assert.deepEqual(await p.processServerMessage('x.y.z.w.v'), { typ: 'provision', cardId: 'c1', seq: 1 });
    assert.deepEqual((await p.gpoV('c1', new Uint8Array(33))).atc, 7);
    const g = await p.generateAcM('c1', 0x80, new Uint8Array(43));
    assert.deepEqual([g.reason, g.atc, g.elements.length], [0, 7, 5]);
    assert.equal(await p.status('nonce'), 'h.p.s');
    assert.equal(await p.replenishRequest('c1'), 'h.p.s');
    assert.deepEqual(await p.cardInfo(), []);
    await p.wipe('*');
    await p.verifyCardholder('c1', '2468');
    await p.forgetCardholderVerification();
    assert.deepEqual(await p.platformPublicJwk(), { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' });
    assert.deepEqual(
      calls.map((c) => [c.cmd, types(c.params)]),
      [
        [0x0001, ['memref:in', 'memref:out']],
        [0x0002, ['memref:in', 'memref:out']],
        [0x0010, ['memref:in', 'memref:in', 'value:out', 'memref:out']],
        [0x0011, ['memref:in', 'memref:in', 'value:inout', 'memref:out']],
        [0x0020, ['memref:in', 'memref:out']],
        [0x0021, ['memref:in', 'memref:out']],
        [0x0022, ['memref:out']],
        [0x0030, ['memref:in']],
        [0x0031, ['memref:in']],
        [0x0031, ['memref:in']],
      ],
    );
    const text = (c: (typeof calls)[number]) =>
      new TextDecoder().decode((c.params[0] as { data: Uint8Array }).data);
    assert.equal(text(calls[8]!), '{"cardId":"c1","mobilePin":"2468"}');
    assert.equal(text(calls[9]!), '{"forget":true}');
    const genac = calls[3]!.params;
    assert.equal(new TextDecoder().decode((genac[0] as { data: Uint8Array }).data), '{"cardId":"c1"}');
    assert.equal((genac[2] as { a: number }).a, 0x80);
  });

  it('GP results become typed errors (GP codes and the CBP TA codes)', async () => {
    const cases: [number, string][] = [
      [0xffff0006, SdkErrorCode.PROVIDER_BAD_PARAMETERS],
      [0xffff0008, SdkErrorCode.UNKNOWN_CARD],
      [0xffff000f, SdkErrorCode.MESSAGE_REJECTED],
      [0xffff0001, SdkErrorCode.ACCESS_DENIED],
      [0xf0100001, SdkErrorCode.STORAGE_CORRUPT],
      [0xffff0007, SdkErrorCode.BAD_STATE],
      [0xffff000b, SdkErrorCode.NO_CREDENTIALS],
      [0xcb000001, SdkErrorCode.MESSAGE_AUDIENCE],
      [0xcb000002, SdkErrorCode.MESSAGE_REPLAY],
      [0xcb000003, SdkErrorCode.MESSAGE_EXPIRED],
      [0xcb000004, SdkErrorCode.MESSAGE_REJECTED],
      [0xcb000005, SdkErrorCode.NO_MOBILE_PIN],
      [0xffff0000, SdkErrorCode.PROVIDER_FAILED],
    ];
    for (const [result, code] of cases) {
      const { client } = fakeVos(() => ({ result }));
      const p = await VosProvider.open({ vos: client });
      await assert.rejects(p.processServerMessage('a.b.c.d.e'), (e: unknown) => {
        assert.ok(e instanceof SdkError);
        assert.equal(e.code, code);
        assert.equal(e.result, result);
        return true;
      });
    }
  });

  it('SHORT_BUFFER: retried once with the size the TA asked for', async () => {
    const { client, calls } = fakeVos((_c, n) =>
      n === 1
        ? {
            result: 0xffff0010,
            params: [none, { type: 'memref', data: new Uint8Array(0), size: 200_000 }, none, none],
          }
        : { result: 0, params: [none, mem('big.statement.ok'), none, none] },
    );
    const p = await VosProvider.open({ vos: client });
    assert.equal(await p.status('n'), 'big.statement.ok');
    assert.equal(calls.length, 2);
    assert.equal((calls[1]!.params[1] as { size: number }).size, 200_000);
  });

  it('a dead TA session: reopened and retried for STATUS, never for a cryptogram command', async () => {
    let dead = true;
    const { client, calls, sessions } = fakeVos(({ cmd }) => {
      if (dead) {
        dead = cmd !== CbpCommand.STATUS;
        return { result: 0xffff3024 };
      }
      return { result: 0, params: [none, mem('s.t.u'), none, none] };
    });
    const p = await VosProvider.open({ vos: client });
    assert.equal(await p.status('n'), 's.t.u');
    assert.equal(sessions(), 2);
    dead = true;
    await assert.rejects(p.gpoV('c1', new Uint8Array(33)), (e: unknown) => {
      return e instanceof SdkError && e.code === SdkErrorCode.PROVIDER_DEAD;
    });
    assert.equal(calls.filter((c) => c.cmd === CbpCommand.GPO_V).length, 1);
  });
});
