/**
 * The tap fast path of the CBP core (docs/cbp-protocol.md §4 "Crash safety"; src/core/
 * reservation.ts, card-store.ts): taps run on sealed reservations and their records are written
 * behind the answer. First the pure rules (what is reserved, what a crash consumes), then the
 * core itself on the software platform in reservation mode, crashed at random storage calls
 * (the crashed platform drops every later write: what a SIGKILL leaves), over many rounds:
 *  - no ATC (profile V) and no SUK (profile M) is ever answered twice;
 *  - the LUK's use count and amount never fall below what the answers used;
 *  - every replenishment statement proves every approved ATC (log entry or `lost` range), its MAC
 *    verifies, and no SUK that was answered is reported UNUSED;
 *  - a clean close loses nothing (the next ATC follows the last one).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bytesToHex, macIso9797Alg3, parseTlv, tlvToMap } from '@openvse/emv';
import { type CardProfile, ReasonCode, replenishMacData } from '@openvse/protocol';
import { decodeJwt } from 'jose';
import {
  addLostRange,
  covers,
  plannedReservation,
  type ReserveSizes,
  recoverCard,
} from '../src/core/reservation.js';
import {
  type CardState,
  type DeviceState,
  decodeCard,
  writeCardOp,
  writeDeviceOp,
} from '../src/core/state.js';
import {
  type CbpCore,
  type CbpPlatform,
  createCbpCore,
  createSoftwarePlatform,
  type SoftwarePlatform,
} from '../src/index.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PROFILE_V: CardProfile = {
  cardId: 'card-v',
  profile: 'V',
  pan: '4111111111111111',
  psn: '00',
  expiry: '3012',
  aid: 'A0000000031010',
  label: 'TEST V',
  priority: 1,
  aip: '0080',
  cvmLimit: 5000,
  currency: '0978',
  country: '0250',
  cdcvmResetTimeoutSec: 300,
  mobilePin: false,
  kdi: '01',
  replenishBelow: 3,
};
const PROFILE_M: CardProfile = {
  ...PROFILE_V,
  cardId: 'card-m',
  profile: 'M',
  pan: '5555555555554444',
  aid: 'A0000000041010',
  aip: '1980',
  afl: '08010100',
  records: [],
  cdol1: '9F02069F03069F1A0295055F2A029A039C019F3704',
};

function cardV(atc: number, luk: Partial<NonNullable<CardState['luk']>> = {}): CardState {
  return {
    v: 1,
    card: PROFILE_V,
    state: 'ACTIVE',
    atc,
    luk: {
      api: '6123401',
      dki: '01',
      keyId: 'c.00',
      maxTransactions: 40,
      notAfter: 4_000_000_000,
      maxAmount: 60_000,
      used: 0,
      usedAmount: 0,
      firstAtc: null,
      log: [],
      ...luk,
    },
    suks: [],
    history: [],
  };
}

function cardM(atc: number, sukAtcs: number[]): CardState {
  return {
    v: 1,
    card: PROFILE_M,
    state: 'ACTIVE',
    atc,
    luk: null,
    suks: sukAtcs.map((a) => ({ atc: a, umdKeyId: `c.u${a}`, mdKeyId: `c.m${a}`, idn: '0102030405060708' })),
    history: [],
  };
}

const SIZES: ReserveSizes = { atcs: 16 };

describe('reservation rules', () => {
  it('profile V: 16 ATCs ahead, a quarter of the uses and amount left, ceilings never go down', () => {
    const c = cardV(10, { used: 4, usedAmount: 1000 });
    const r = plannedReservation(c, undefined, SIZES);
    assert.deepEqual(r, { atc: 26, api: '6123401', uses: 4 + 9, amount: 1000 + 14_750 });
    assert.ok(covers(c, r, { approve: true, amount: 14_750 }));
    assert.ok(!covers(c, r, { approve: true, amount: 14_751 }));
    // a tap that needs more amount than a quarter: the reservation covers it
    const big = plannedReservation(c, r, SIZES, { approve: true, amount: 30_000 });
    assert.equal(big.amount, 31_000);
    // ceilings never go down while a tap may use the sealed ones
    const later = plannedReservation({ ...c, luk: { ...c.luk!, used: 12 } }, r, SIZES);
    assert.equal(later.uses, 12 + 7);
    assert.ok(later.atc >= r.atc && (later.amount ?? 0) >= (r.amount ?? 0));
    // a new LUK starts its own ceilings
    const fresh = plannedReservation(
      { ...c, luk: { ...c.luk!, api: '6123402', used: 0, usedAmount: 0 } },
      r,
      SIZES,
    );
    assert.equal(fresh.uses, 10);
    // the last ATC
    assert.equal(plannedReservation(cardV(0xfff8), undefined, SIZES).atc, 0xffff);
    // declines need only the ATC; no LUK, no ceilings
    assert.ok(covers(c, { atc: 11 }, { approve: false, amount: 0 }));
    assert.ok(!covers(c, { atc: 10 }, { approve: false, amount: 0 }));
    assert.ok(!covers(c, undefined, { approve: false, amount: 0 }));
  });

  it('profile M: a quarter of the unused SUKs (at least one, at most 16)', () => {
    const c = cardM(7, [8, 9, 11, 12, 20, 21, 22, 23]);
    const r = plannedReservation(c, undefined, SIZES);
    assert.deepEqual(r, { atc: 9 });
    assert.ok(covers(c, r, { approve: true, amount: 1 }, c.suks[0]));
    assert.ok(!covers(c, r, { approve: true, amount: 1 }, c.suks[2]));
    assert.deepEqual(plannedReservation(cardM(7, [30]), undefined, SIZES), { atc: 30 });
    assert.deepEqual(plannedReservation(cardM(7, []), { atc: 9 }, SIZES), { atc: 9 });
  });

  it('recovery: everything reserved counts as consumed, lost ATCs are declared, SUKs discarded', () => {
    const v = recoverCard({
      ...cardV(10, { used: 4, usedAmount: 1000, firstAtc: 3 }),
      resv: { atc: 26, api: '6123401', uses: 13, amount: 15_750 },
    });
    assert.equal(v.card.atc, 26);
    assert.equal(v.card.luk?.used, 13);
    assert.equal(v.card.luk?.usedAmount, 15_750);
    assert.deepEqual(v.card.luk?.lost, [[11, 26]]);
    assert.equal(v.card.luk?.firstAtc, 3);
    assert.equal(v.card.resv, undefined);
    // idempotent: the same sealed card recovers the same way
    assert.deepEqual(
      recoverCard({
        ...cardV(10, { used: 4, usedAmount: 1000, firstAtc: 3 }),
        resv: { atc: 26, api: '6123401', uses: 13, amount: 15_750 },
      }).card,
      v.card,
    );
    // no cryptogram yet under the LUK: the first lost ATC opens its range
    assert.equal(recoverCard({ ...cardV(10), resv: { atc: 12 } }).card.luk?.firstAtc, 11);
    // a clean card is what it is
    const clean = recoverCard(cardV(10));
    assert.equal(clean.sealed, undefined);
    assert.equal(clean.card.luk?.lost, undefined);
    const m = recoverCard({ ...cardM(7, [8, 9, 11, 12]), resv: { atc: 9 } });
    assert.deepEqual(
      m.card.suks.map((s) => s.atc),
      [11, 12],
    );
    assert.equal(m.card.atc, 9);
    assert.deepEqual(m.card.history, [
      { atc: 8, status: 'DISCARDED' },
      { atc: 9, status: 'DISCARDED' },
    ]);
    assert.deepEqual(m.dropKeys, ['c.u8', 'c.m8', 'c.u9', 'c.m9']);
  });

  it('lost ranges merge when they touch and stay bounded', () => {
    assert.deepEqual(addLostRange([[1, 4]], 5, 9), [[1, 9]]);
    assert.deepEqual(addLostRange([[1, 4]], 7, 9), [
      [1, 4],
      [7, 9],
    ]);
    let r: Array<[number, number]> = [];
    for (let i = 0; i < 300; i++) r = addLostRange(r, i * 10, i * 10 + 2);
    assert.equal(r.length, 256);
    assert.equal(r[0]?.[0], 0);
    assert.equal(r.at(-1)?.[1], 2992);
  });
});

// ── the core, crashed ──────────────────────────────────────────────────────────────────────────

interface Crashable {
  platform: CbpPlatform;
  /** Resolves when the platform died (a crash): nothing it is asked later reaches the disk. */
  died: Promise<void>;
  dead(): boolean;
  kill(): void;
}

/** The platform, dying at its `crashAt`-th storage-changing call (which lands or not, at random). */
function crashable(p: SoftwarePlatform, crashAt: number): Crashable {
  let calls = 0;
  let dead = false;
  let onDead: () => void = () => undefined;
  const died = new Promise<void>((r) => {
    onDead = r;
  });
  const kill = () => {
    dead = true;
    onDead();
  };
  const hang = () => new Promise<never>(() => undefined);
  async function gate<T>(fn: () => Promise<T>): Promise<T> {
    if (dead) return hang();
    calls++;
    if (calls >= crashAt) {
      if (randomInt(2) === 0) await fn();
      kill();
      return hang();
    }
    return fn();
  }
  const platform: CbpPlatform = {
    ...p,
    transaction: (ops) => gate(() => p.transaction(ops)),
    persistKey: (h, id) => gate(() => p.persistKey(h, id)),
    deletePersistentKey: (id) => gate(() => p.deletePersistentKey(id)),
  };
  return { platform, died, dead: () => dead, kill };
}

/** 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 (the 29 bytes both profiles MAC). */
function txData(amount: number, un: string): string {
  return `${String(amount).padStart(12, '0')}${'0'.repeat(12)}0250${'0'.repeat(10)}0978261128${'00'}${un}`;
}
const pdol = (amount: number, un: string) =>
  Uint8Array.from(Buffer.from(`36000000${txData(amount, un)}`, 'hex'));
const cdol = (amount: number, un: string) => Uint8Array.from(Buffer.from(txData(amount, un), 'hex'));

async function newKey(p: SoftwarePlatform): Promise<{ keyId: string; key: Uint8Array }> {
  const key = new Uint8Array(randomBytes(16));
  const h = await p.importDes3Key(key, 'mac');
  const keyId = `c.${randomBytes(8).toString('hex')}`;
  await p.persistKey(h, keyId);
  await p.destroyKey(h);
  return { keyId, key };
}

async function readCard(p: SoftwarePlatform, id: string): Promise<CardState> {
  const b = await p.read(`cbp.card.${id}`);
  assert.ok(b);
  return decodeCard(b);
}

/** A device, its `sig` key, a profile V card with a LUK and a profile M card with SUKs. */
async function seed(dir: string): Promise<{ lukKeys: Map<string, Uint8Array> }> {
  const p = await createSoftwarePlatform({ dataDir: dir });
  const sig = await p.generateEcKey('sig');
  await p.persistKey(sig, 'sig');
  const device: DeviceState = {
    v: 1,
    deviceId: 'dev-1',
    serverJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
    serverKid: 'srv',
    encKid: 'enc',
    sigKid: 'sig',
    lastSeq: 0,
    policy: null,
  };
  const luk = await newKey(p);
  const v = cardV(0, { keyId: luk.keyId });
  const m = cardM(0, []);
  await p.transaction([writeDeviceOp(device), writeCardOp(v), writeCardOp(m)]);
  await topUp(p, 0);
  return { lukKeys: new Map([[v.luk!.api, luk.key]]) };
}

/** The "server" between two cores (none alive): a new LUK for V when asked, SUKs for M. */
async function topUp(p: SoftwarePlatform, round: number, newLuk?: (api: string, key: Uint8Array) => void) {
  const v = await readCard(p, 'card-v');
  const m = await readCard(p, 'card-m');
  assert.equal(v.resv, undefined, 'a clean close leaves no reservation');
  assert.equal(m.resv, undefined, 'a clean close leaves no reservation');
  const cards: CardState[] = [];
  if (newLuk) {
    const k = await newKey(p);
    const api = String(6_200_000 + round);
    newLuk(api, k.key);
    cards.push({ ...v, luk: { ...cardV(0).luk!, api, keyId: k.keyId } });
  }
  if (m.suks.length < 24) {
    const from = Math.max(m.atc, ...m.suks.map((s) => s.atc), ...m.history.map((h) => h.atc)) + 1;
    const suks = [...m.suks];
    for (let a = from; a < from + 24; a++) {
      const u = await newKey(p);
      const d = await newKey(p);
      suks.push({ atc: a, umdKeyId: u.keyId, mdKeyId: d.keyId, idn: '0102030405060708' });
    }
    cards.push({ ...m, suks });
  }
  if (cards.length > 0) await p.transaction(cards.map((c) => writeCardOp(c)));
}

describe('the core on reservations, crashed at random storage calls', () => {
  it('a clean close loses nothing: the next ATC follows the last one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cbp-resv-'));
    dirs.push(dir);
    await seed(dir);
    let core = createCbpCore(await createSoftwarePlatform({ dataDir: dir }), { reserve: SIZES });
    const a = await core.gpoV('card-v', pdol(100, '11223344'));
    const b = await core.generateAcM('card-m', 0x80, cdol(100, '11223344'));
    await core.close?.();
    core = createCbpCore(await createSoftwarePlatform({ dataDir: dir }), { reserve: SIZES });
    assert.equal((await core.gpoV('card-v', pdol(100, '11223344'))).atc, a.atc + 1);
    assert.equal((await core.generateAcM('card-m', 0x80, cdol(100, '11223344'))).atc, b.atc + 1);
    const v = (await core.cardInfo()).find((c) => c.cardId === 'card-v')!;
    assert.equal(v.credentialsLeft, 40 - 2);
    await core.close?.();
  });

  it('no ATC or SUK answered twice, thresholds never undercount, statements prove the ledger', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cbp-resv-'));
    dirs.push(dir);
    const { lukKeys } = await seed(dir);
    const seenV = new Set<number>();
    const seenM = new Set<number>();
    let topV = 0;
    /** The "server's ledger": approvals answered, per API. */
    const ledger = new Map<string, Array<{ atc: number; un: string; amount: number }>>();
    const stats = { rounds: 0, crashes: 0, answers: 0, lost: 0, viaLost: 0 };
    const ROUNDS = 200;

    for (let round = 0; round < ROUNDS; round++) {
      stats.rounds++;
      const base = await createSoftwarePlatform({ dataDir: dir });
      const w = crashable(base, randomInt(1, 31));
      const core: CbpCore = createCbpCore(w.platform, { reserve: { atcs: randomInt(1, 17) } });
      const step = <T>(p: Promise<T>) => Promise.race([p, w.died.then(() => null)]);

      // What the card reports first: the statements must prove everything answered so far.
      const first = await step(checkStatements(core, lukKeys, ledger, seenM, stats));
      if (first !== null) {
        for (let i = randomInt(0, 14); i > 0; i--) {
          if (randomInt(3) < 2) {
            const amount = randomInt(1, 4001);
            const un = randomBytes(4).toString('hex').toUpperCase();
            const r = await step(core.gpoV('card-v', pdol(amount, un)));
            if (r === null) break;
            stats.answers++;
            assert.ok(!seenV.has(r.atc) && r.atc > topV, `round ${round}: V ATC ${r.atc} answered twice`);
            seenV.add(r.atc);
            topV = r.atc;
            if (r.reason === ReasonCode.OK) {
              const iad = tlvToMap(parseTlv(r.elements)).get('9F10')!;
              const api = bytesToHex(iad.subarray(7, 11)).slice(1);
              if (!ledger.has(api)) ledger.set(api, []);
              ledger.get(api)!.push({ atc: r.atc, un, amount });
            }
          } else {
            const r = await step(core.generateAcM('card-m', 0x80, cdol(100, '01020304')));
            if (r === null) break;
            stats.answers++;
            if (r.reason === ReasonCode.NO_CREDENTIALS) continue;
            assert.ok(!seenM.has(r.atc), `round ${round}: SUK ${r.atc} used twice`);
            seenM.add(r.atc);
          }
        }
      }
      if (w.dead()) {
        stats.crashes++;
        continue;
      }
      if (randomInt(3) === 0) {
        w.kill(); // a crash between taps: the writes behind the answers may not have landed
        stats.crashes++;
        continue;
      }
      // A clean stop, then the "server" replenishes (a new LUK every few rounds, SUKs when low).
      const closed = await step(core.close!().then(() => true));
      if (closed === null) {
        stats.crashes++;
        continue;
      }
      w.kill();
      await topUp(base, round, round % 5 === 4 ? (api, key) => lukKeys.set(api, key) : undefined);
    }
    console.log(
      `tap reservations: ${stats.rounds} rounds, ${stats.crashes} crashes, ${stats.answers} answers, ` +
        `${stats.lost} lost ranges declared, ${stats.viaLost} approvals proven by a lost range`,
    );
    assert.ok(stats.crashes > ROUNDS / 4, 'many rounds crash');
    assert.ok(stats.lost > 0, 'some crashes lost reserved ATCs');
    assert.ok(stats.viaLost > 0, 'some approved ATCs are proven by a lost range only');
  });
});

/**
 * The statements of a fresh core, judged as the server would: profile V's MAC under the LUK,
 * every approved ATC of the ledger inside [first, last] and in the log (same UN and amount) or
 * a lost range, the thresholds at least what the ledger used; profile M: no SUK that was
 * answered is UNUSED.
 */
async function checkStatements(
  core: CbpCore,
  lukKeys: Map<string, Uint8Array>,
  ledger: Map<string, Array<{ atc: number; un: string; amount: number }>>,
  seenM: Set<number>,
  stats: { lost: number; viaLost: number },
): Promise<true> {
  const v = decodeJwt(await core.replenishRequest('card-v')) as {
    api: string;
    firstAtc: number;
    lastAtc: number;
    log: Array<{ atc: number; un: string; amount: number }>;
    lost?: Array<{ from: number; to: number }>;
    mac: string;
  };
  const key = lukKeys.get(v.api);
  assert.ok(key, 'the statement names a LUK the server issued');
  const mac = bytesToHex(macIso9797Alg3(key, replenishMacData(v.api, v.firstAtc, v.lastAtc, v.log), 2));
  assert.equal(v.mac.toUpperCase(), mac);
  const lost = v.lost ?? [];
  stats.lost += lost.length;
  const log = new Map(v.log.map((e) => [e.atc, e]));
  const mine = ledger.get(v.api) ?? [];
  for (const row of mine) {
    assert.ok(row.atc >= v.firstAtc && row.atc <= v.lastAtc, `ATC ${row.atc} outside the statement's range`);
    const e = log.get(row.atc);
    if (e) assert.deepEqual([e.un, e.amount], [row.un, row.amount]);
    else {
      assert.ok(
        lost.some((r) => row.atc >= r.from && row.atc <= r.to),
        `approved ATC ${row.atc} neither logged nor declared lost`,
      );
      stats.viaLost++;
    }
  }
  const info = (await core.cardInfo()).find((c) => c.cardId === 'card-v')!;
  assert.ok(
    info.credentialsLeft <= Math.max(0, 40 - mine.length),
    'the LUK use count went below the answers',
  );
  const status = decodeJwt(await core.status('nonce')) as {
    cards: Array<{ cardId: string; thresholdsLeft: { amount: number } | null }>;
  };
  const amountLeft = status.cards.find((c) => c.cardId === 'card-v')!.thresholdsLeft!.amount;
  assert.ok(
    amountLeft <= 60_000 - mine.reduce((a, r) => a + r.amount, 0),
    'the LUK amount went below the answers',
  );
  const m = decodeJwt(await core.replenishRequest('card-m')) as {
    credentials: Array<{ atc: number; status: string }>;
  };
  for (const c of m.credentials)
    if (c.status === 'UNUSED') assert.ok(!seenM.has(c.atc), `answered SUK ${c.atc} reported UNUSED`);
  return true;
}
