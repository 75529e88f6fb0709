/**
 * A fleet of wallets for the load and fault tests (and bench/server): talks to a CBP server over
 * real HTTP on 127.0.0.1 (node:http with a bounded keep-alive agent), enrolls test TAs, digitizes
 * and provisions cards of profiles V and M, and plays the card (helpers/card.ts, i.e.
 * packages/emv) to make chip data with increasing ATCs. `RawDb` reads the database directly, on
 * its own connection, to check what the server stored independently of the server's code.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { bytesToHex, macIso9797Alg3 } from '@openvse/emv';
import { replenishMacData } from '@openvse/protocol';
import Database from 'better-sqlite3';
import pg from 'pg';
import { chipM, chipV } from '../helpers/card.js';
import { b64uToBytes, TestTa } from '../helpers/test-ta.js';

/**
 * Fraud engine settings for load: every rule is evaluated, none can reach a decision (a fleet of
 * test wallets provisions 10 cards per device and taps 20 times a minute per card).
 */
export const LOOSE_FRAUD = { thresholds: { stepUp: 1_000_000, decline: 1_000_000 } } as const;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read freely and asserted on.
export type Json = any;

export interface HttpAnswer {
  status: number;
  body: Json;
  text: string;
}

/** JSON over HTTP to one origin, at most `maxSockets` connections (keep-alive). */
export class Http {
  readonly agent: Agent;
  constructor(
    readonly origin: string,
    maxSockets = 32,
  ) {
    const u = new URL(origin);
    if (u.hostname !== '127.0.0.1') throw new Error('test traffic goes to 127.0.0.1 only');
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 30_000): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.origin}${path}`,
        {
          method,
          agent: this.agent,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Json;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text });
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  post(path: string, body?: unknown) {
    return this.send('POST', path, body ?? {});
  }

  get(path: string) {
    return this.send('GET', path);
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface Wallet {
  index: number;
  profile: 'V' | 'M';
  ta: TestTa;
  cardId: string;
  tokenPan: string;
  /** Profile V: the LUK and its API. */
  luk?: Uint8Array;
  api?: string;
  /** Profile M: the SUKs in ATC order. */
  suks?: { atc: number; sukUmd: Uint8Array; skMd: Uint8Array; idn: Uint8Array }[];
}

export interface Tap {
  wallet: Wallet;
  /** The tap number within the wallet (0-based). */
  n: number;
  atc: number;
  un: string;
  amount: number;
  /** The POST /v1/authorizations body. */
  body: {
    idempotencyKey: string;
    tokenPan: string;
    chipData: string;
    amount: number;
    currency: string;
  };
}

function expect(a: HttpAnswer, status: number, what: string): Json {
  if (a.status !== status) throw new Error(`${what}: HTTP ${a.status} ${a.text.slice(0, 300)}`);
  return a.body;
}

/** Challenge → V-OS attestation → enrollment. */
export async function enrollTa(http: Http): Promise<TestTa> {
  const ta = await TestTa.create();
  const ch = expect(await http.post('/v1/devices/challenge', {}), 200, 'challenge');
  ta.serverJwk = ch.serverSigningJwk;
  const attestation = await ta.attest(ch.nonce);
  expect(await http.post('/v1/devices', { attestation, platformJwk: ta.platformJwk }), 201, 'enroll');
  return ta;
}

/** Digitizes and provisions one card on the TA's device; keeps the credentials the TA received. */
export async function provisionWallet(
  http: Http,
  ta: TestTa,
  index: number,
  profile: 'V' | 'M',
): Promise<Wallet> {
  const d = expect(
    await http.post('/v1/cards', {
      fundingPan: profile === 'V' ? '4111111111111111' : '5555555555554444',
      expiry: '3012',
      profile,
    }),
    201,
    'digitize',
  );
  const p = expect(
    await http.post(`/v1/devices/${ta.deviceId}/cards/${d.cardId}/provision`, {}),
    200,
    'provision',
  );
  const cred = (await ta.open(p.messages[1].message)).payload;
  const w: Wallet = { index, profile, ta, cardId: d.cardId, tokenPan: d.tokenPan };
  if (profile === 'V') {
    const luk = cred.luk as { key: string; api: string };
    w.luk = b64uToBytes(luk.key);
    w.api = luk.api;
  } else {
    w.suks = (cred.suks as { atc: number; sukUmd: string; skMd: string; idn: string }[])
      .map((s) => ({
        atc: s.atc,
        sukUmd: b64uToBytes(s.sukUmd),
        skMd: b64uToBytes(s.skMd),
        idn: b64uToBytes(s.idn),
      }))
      .sort((a, b) => a.atc - b.atc);
  }
  return w;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  fn: (t: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * `n` wallets over `devices` enrolled TAs, profiles alternating V, M (wallet i is V when i is
 * even) unless `profileOf` says otherwise. Profile M wallets hold as many SUKs as the server's
 * `sukBatch`.
 */
export async function makeFleet(
  http: Http,
  n: number,
  devices: number,
  profileOf: (i: number) => 'V' | 'M' = (i) => (i % 2 === 0 ? 'V' : 'M'),
): Promise<Wallet[]> {
  const tas = await pool(
    Array.from({ length: devices }, (_, i) => i),
    4,
    () => enrollTa(http),
  );
  return pool(
    Array.from({ length: n }, (_, i) => i),
    8,
    (i) => provisionWallet(http, tas[i % devices]!, i, profileOf(i)),
  );
}

/** The wallet's n-th tap (0-based): ATC n + 1 (V) or the n-th SUK's ATC (M), a fresh UN. */
export function makeTap(w: Wallet, n: number, keyPrefix: string, amount = 100 + n): Tap {
  const un = randomBytes(4).toString('hex').toUpperCase();
  const tx = { amount, un };
  let chip: { chipData: string; atc: number };
  if (w.profile === 'V') {
    chip = chipV({ luk: w.luk!, api: w.api!, atc: n + 1, tx });
  } else {
    const s = w.suks![n];
    if (!s) throw new Error(`wallet ${w.index}: no SUK for tap ${n} (raise sukBatch)`);
    chip = chipM({ sukUmd: s.sukUmd, skMd: s.skMd, atc: s.atc, tx, idn: s.idn });
  }
  return {
    wallet: w,
    n,
    atc: chip.atc,
    un,
    amount,
    body: {
      idempotencyKey: `${keyPrefix}-w${w.index}-t${n}`,
      tokenPan: w.tokenPan,
      chipData: chip.chipData,
      amount,
      currency: '978',
    },
  };
}

/** Direct, read-only access to the server's database for the checks. */
export interface RawDb {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function openRawDb(db: { db: string; pgSchema?: string }): Promise<RawDb> {
  if (db.db.startsWith('sqlite:')) {
    const d = new Database(db.db.slice('sqlite:'.length), { readonly: true, fileMustExist: true });
    return {
      async query(sql, params = []) {
        return d.prepare(sql).all(...params) as Record<string, unknown>[];
      },
      async close() {
        d.close();
      },
    };
  }
  const c = new pg.Client({
    connectionString: db.db,
    ...(db.pgSchema ? { options: `-c search_path=${db.pgSchema}` } : {}),
  });
  await c.connect();
  return {
    async query(sql, params = []) {
      let i = 0;
      return (
        await c.query(
          sql.replace(/\?/g, () => `$${++i}`),
          params,
        )
      ).rows;
    },
    async close() {
      await c.end();
    },
  };
}

/** (card, atc) pairs with more than one ledger row or more than one approval: must be empty. */
export async function doubleSpends(raw: RawDb): Promise<Record<string, unknown>[]> {
  const ledger = await raw.query(
    'SELECT card_id, atc, COUNT(*) AS n FROM atc_ledger GROUP BY card_id, atc HAVING COUNT(*) > 1',
  );
  const approvals = await raw.query(
    `SELECT card_id, atc, COUNT(*) AS n FROM authorizations WHERE decision = 'APPROVE'
      GROUP BY card_id, atc HAVING COUNT(*) > 1`,
  );
  return [...ledger, ...approvals];
}

/** A profile V wallet's replenish request for its current LUK (docs/cbp-protocol.md §3). */
export async function replenishRequest(
  w: Wallet,
  log: { atc: number; un: string; amount: number }[],
  stateCounter: string,
): Promise<{ path: string; body: { statement: string } }> {
  const firstAtc = log.length ? log[0]!.atc : 0;
  const lastAtc = log.length ? log[log.length - 1]!.atc : 0;
  const mac = bytesToHex(macIso9797Alg3(w.luk!, replenishMacData(w.api!, firstAtc, lastAtc, log), 2));
  const statement = await w.ta.sign({
    typ: 'replenish',
    deviceId: w.ta.deviceId,
    cardId: w.cardId,
    api: w.api,
    firstAtc,
    lastAtc,
    log,
    mac,
    stateCounter,
    iat: Math.floor(Date.now() / 1000),
  });
  return { path: `/v1/devices/${w.ta.deviceId}/replenish`, body: { statement } };
}

/** Adopts the LUK of a `credentials` message (what the TA does with it). */
export async function adoptLuk(w: Wallet, message: string): Promise<void> {
  const luk = (await w.ta.open(message)).payload.luk as { key: string; api: string };
  w.luk = b64uToBytes(luk.key);
  w.api = luk.api;
}
