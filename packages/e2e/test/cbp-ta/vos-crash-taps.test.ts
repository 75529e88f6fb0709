/**
 * The tap fast path under SIGKILL (docs/cbp-protocol.md §4 "Crash safety"): taps run on sealed
 * reservations and the card state is written behind the answer, so a crash must skip, never
 * reuse. A child process (crash-taps-child.ts) runs V-OS with the CBP TA and taps a profile V and
 * a profile M card in turn; the parent SIGKILLs it at a random moment (0–150 ms after V-OS is up:
 * during taps, reservation commits, writes behind answers, key deletions), at least 200 times
 * (`OPENVSE_CBP_CRASH_KILLS`). Every cryptogram the child printed is authorized by the REAL
 * server. Across all kills:
 *  - every child starts: V-OS and its sealed storage always open;
 *  - no ATC is answered twice (profile V) and no SUK is used twice (profile M), by the TA's
 *    answers and by the server (never ATC_REPLAY: every printed ARQC is approved);
 *  - every few kills (and after the last) the parent opens V-OS itself: the next ATC is above
 *    every one seen, and replenishment succeeds (the server accepts the statement, whose `lost`
 *    ranges cover the authorized ATCs whose log entries the crashes took) for both cards.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildCbpTaBundle, type CbpCore, cbpTaCodeSha256 } from '@openvse/cbp-ta';
import { bytesToHex, hexToBytes } from '@openvse/emv';
import { CBP_TA_UUID, ReasonCode } from '@openvse/protocol';
import { startVos, type VosClient } from '@openvse/vos';
import { decodeJwt } from 'jose';
import {
  authorize,
  digitize,
  enrollDevice,
  type Json,
  provisionMessages,
  type TestServer,
  testServer,
} from './helpers/server.js';
import { taSigner, tempDir, vosCbp } from './helpers/targets.js';
import { cdol1M, chipData, elementsMap, pdolV, txFields } from './helpers/terminal.js';

const CHILD = fileURLToPath(new URL('./helpers/crash-taps-child.js', import.meta.url));
const KILLS = Number(process.env.OPENVSE_CBP_CRASH_KILLS ?? 200);
/** Kills land 0..MAX_DELAY_MS after the child's V-OS is up. */
const MAX_DELAY_MS = 150;
/** The parent opens V-OS (checks, replenishes, taps) after every ROUND kills. */
const ROUND = 4;
/** SUKs per profile M replenishment (the TA holds at most 100 unused). */
const SUK_BATCH = 48;

interface Tap {
  profile: 'V' | 'M';
  reason: number;
  atc: number;
  elements: string;
  un: string;
  amount: number;
}

/** Runs the child, SIGKILLs it `delayMs` after it is ready, returns the taps it printed. */
function runAndKill(dataDir: string, cards: { V: string; M: string }, delayMs: number): Promise<Tap[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CHILD], {
      env: {
        ...process.env,
        CBP_TAPS_DIR: dataDir,
        CBP_TAPS_KEY: taSigner.publicKeyPem,
        CBP_TAPS_CARDS: JSON.stringify(cards),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const taps: Tap[] = [];
    let buf = '';
    let err = '';
    let ready = false;
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === 'ready' && !ready) {
          ready = true;
          setTimeout(() => p.kill('SIGKILL'), delayMs);
        }
        const m = /^tap ([VM]) (\d+) (\d+) ([0-9A-F]+|-) ([0-9A-F]{8}) (\d+)$/.exec(line);
        if (m)
          taps.push({
            profile: m[1] as 'V' | 'M',
            reason: Number(m[2]),
            atc: Number(m[3]),
            elements: m[4] === '-' ? '' : m[4]!,
            un: m[5]!,
            amount: Number(m[6]),
          });
        i = buf.indexOf('\n');
      }
    });
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' || !ready)
        reject(new Error(`child ended without being killed once ready (${code} ${signal}): ${err}`));
      else resolve(taps);
    });
  });
}

it(`no ATC or SUK is used twice across ${KILLS} SIGKILLs of V-OS during taps; replenishment still succeeds`, {
  timeout: 30 * 60_000,
}, async () => {
  const started = Date.now();
  const dataDir = tempDir('cbp-crash-taps-');
  const start = () => startVos({ dataDir, pinnedTaKeys: [taSigner.publicKeyPem], commandTimeoutMs: 30_000 });
  const s: TestServer = await testServer([cbpTaCodeSha256()], {
    luk: { maxTransactions: 60, ttlSeconds: 86_400, maxAmount: 100_000_000 },
    sukBatch: SUK_BATCH,
  });
  let vos: VosClient = await start();
  await vos.installTa(buildCbpTaBundle({ signingKeyPem: taSigner.privateKeyPem }));
  let session = await vos.openSession(CBP_TA_UUID);
  const core: CbpCore = vosCbp(() => session);
  const platformJwk = (await vos.status()).platformKey.jwk as Record<string, unknown>;
  const { deviceId } = await enrollDevice(s, core, platformJwk);
  const relay = async (messages: string[]) => {
    for (const m of messages) await core.processMessage(m);
  };
  const v = await digitize(s, 'V');
  const mc = await digitize(s, 'M');
  await relay(await provisionMessages(s, deviceId, v.cardId, v.activation.code));
  await relay(await provisionMessages(s, deviceId, mc.cardId, mc.activation.code));
  const pans = { V: v.tokenPan, M: mc.tokenPan };
  const ids = { V: v.cardId, M: mc.cardId };

  const seen = { V: new Set<number>(), M: new Set<number>() };
  const top = { V: 0, M: 0 };
  const stats = {
    taps: 0,
    approved: 0,
    killsAfterTaps: 0,
    replenishV: 0,
    replenishM: 0,
    lostRanges: 0,
    ledgerViaLost: 0,
  };
  /** ATCs the server approved under each API of the V card (for the lost-range evidence). */
  const approvedV = new Map<string, Set<number>>();

  /** Checks a TA answer for reuse and has the server authorize it (an ARQC must be approved). */
  const judge = async (t: Tap, where: string) => {
    stats.taps++;
    const usesCredential = t.elements !== '' && (t.profile === 'V' || t.reason !== ReasonCode.NO_CREDENTIALS);
    if (!usesCredential) return;
    assert.ok(!seen[t.profile].has(t.atc), `${where}: profile ${t.profile} ATC ${t.atc} answered twice`);
    assert.ok(t.atc > top[t.profile], `${where}: ATC ${t.atc} not above ${top[t.profile]}`);
    seen[t.profile].add(t.atc);
    top[t.profile] = t.atc;
    if (t.reason !== ReasonCode.OK) return;
    const f = txFields({ amount: t.amount, un: t.un });
    const elements = hexToBytes(t.elements);
    const auth = await authorize(
      s,
      pans[t.profile],
      chipData(elements, f, t.profile === 'V' ? '0080' : '1980'),
      t.amount,
    );
    assert.equal(auth.decision, 'APPROVE', `${where}: ${t.profile} ATC ${t.atc}: ${JSON.stringify(auth)}`);
    stats.approved++;
    if (t.profile === 'V') {
      const api = bytesToHex(elementsMap(elements).get('9F10')!.subarray(7, 11)).slice(1);
      if (!approvedV.has(api)) approvedV.set(api, new Set());
      approvedV.get(api)!.add(t.atc);
    }
  };

  const tapNow = async (profile: 'V' | 'M', where: string) => {
    const amount = 250;
    if (profile === 'V') {
      const { data, f } = pdolV({ amount });
      const r = await core.gpoV(ids.V, data);
      await judge(
        { profile, reason: r.reason, atc: r.atc, elements: bytesToHex(r.elements), un: f.un, amount },
        where,
      );
      return r.reason;
    }
    const { data, f } = cdol1M({ amount });
    const r = await core.generateAcM(ids.M, 0x80, data);
    await judge(
      { profile, reason: r.reason, atc: r.atc, elements: bytesToHex(r.elements), un: f.un, amount },
      where,
    );
    return r.reason;
  };

  const replenish = async (profile: 'V' | 'M', where: string) => {
    // The server's clock follows the wall clock the TA signs with (a slow run lasts minutes, and
    // statements are fresh for ±300 s).
    s.clock.set(Date.now());
    const statement = await core.replenishRequest(ids[profile]);
    const claims = decodeJwt(statement) as Json;
    if (profile === 'V') {
      const lost = (claims.lost ?? []) as Array<{ from: number; to: number }>;
      stats.lostRanges += lost.length;
      const logged = new Set((claims.log as Json[]).map((e) => e.atc as number));
      for (const atc of approvedV.get(claims.api) ?? [])
        if (!logged.has(atc) && lost.some((r) => atc >= r.from && atc <= r.to)) stats.ledgerViaLost++;
    }
    const r = await s.post(`/v1/devices/${deviceId}/replenish`, { statement });
    assert.equal(r.status, 200, `${where}: replenish ${profile}: ${JSON.stringify(r.body)}`);
    await relay(r.body.messages.map((m: Json) => m.message as string));
    stats[profile === 'V' ? 'replenishV' : 'replenishM']++;
  };

  const left = async () => {
    const info = await core.cardInfo();
    const of = (id: string) => info.find((c) => c.cardId === id)!;
    return { V: of(ids.V), M: of(ids.M) };
  };

  // A first tap of each card before any crash.
  assert.equal(await tapNow('V', 'setup'), ReasonCode.OK);
  assert.equal(await tapNow('M', 'setup'), ReasonCode.OK);
  await vos.shutdown();

  for (let kill = 0; kill < KILLS; kill++) {
    const where = `kill ${kill}`;
    // Each child first opens V-OS (and its sealed storage) on what the last kill left.
    const taps = await runAndKill(dataDir, ids, randomInt(0, MAX_DELAY_MS + 1));
    if (taps.length > 0) stats.killsAfterTaps++;
    for (const t of taps) await judge(t, where);
    if (kill % ROUND !== ROUND - 1 && kill !== KILLS - 1) continue;
    // Every few kills the parent opens V-OS itself: the cards go on, and are replenished.
    vos = await start();
    session = await vos.openSession(CBP_TA_UUID);
    const before = await left();
    assert.ok(before.V.atc >= top.V && before.M.atc >= top.M, `${where}: the card ATC went back`);
    await replenish('V', where);
    if (before.M.credentialsLeft <= SUK_BATCH) await replenish('M', where);
    assert.equal(await tapNow('V', `${where}, parent`), ReasonCode.OK);
    assert.equal(await tapNow('M', `${where}, parent`), ReasonCode.OK);
    await vos.shutdown();
  }
  await s.close();
  console.log(
    `crash taps: ${KILLS} kills (${stats.killsAfterTaps} after the child's first answers) in ` +
      `${Date.now() - started} ms; ${stats.taps} answers, ${stats.approved} ` +
      `approved, V ATCs up to ${top.V}, M ATCs up to ${top.M}; ${stats.replenishV} V and ` +
      `${stats.replenishM} M replenishments accepted, ${stats.lostRanges} lost ranges declared, ` +
      `${stats.ledgerViaLost} authorized ATCs accepted through a lost range`,
  );
  assert.ok(stats.approved > KILLS, 'the children made real progress between kills');
  assert.ok(stats.killsAfterTaps >= KILLS / 4, 'many kills landed while the child was tapping');
});
