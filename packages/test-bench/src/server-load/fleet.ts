/**
 * A fleet of wallets for the server's load and fault suites and bench/server, against a CBP
 * server reached over real HTTP. The devices are real CBP TAs (`createCbpCore`) on the
 * UNPROTECTED software platform (`createSoftwarePlatform`, keys in process memory: the baseline,
 * attested at protection level L0 with the code hash `softwareTaCodeSha256()`), enrolled and
 * provisioned through the production path (docs/cbp-protocol.md §1–§4): challenge → ENROLL →
 * POST /v1/devices; digitize → provision → PROCESS_MESSAGE for every message. A tap asks the TA
 * for its cryptogram (GPO_V with the PDOL data of profile V, GENERATE AC ARQC over the card's
 * CDOL1 data for profile M) and assembles the field 55-style chip data that POST
 * /v1/authorizations reads; the TA owns the ATC, so a wallet's taps are made in order, before
 * they are sent in whatever order a suite wants. Replenishment: REPLENISH_REQUEST → POST
 * replenish → PROCESS_MESSAGE.
 */
import { randomBytes } from 'node:crypto';
import {
  type CbpCore,
  type CryptogramResult,
  createCbpCore,
  createSoftwarePlatform,
  type SoftwarePlatform,
  softwareTaCodeSha256,
} from '@openvse/cbp-ta';
import { buildDolData, bytesToHex, encodeTlv, hexToBytes, parseDol, parseTlv, tlvToMap } from '@openvse/emv';
import { type QueuedMessage, ReasonCode } from '@openvse/protocol';
import type { AttestationPolicy } from '@openvse/server';
import { type Http, type HttpAnswer, type Json, pool } from './http.js';

/**
 * Fraud engine settings for load: every rule is evaluated, none can reach a decision (a fleet of
 * test wallets provisions 10 cards per device, on L0 devices without V-Guard, and taps 20 times a
 * minute per card).
 */
export const LOOSE_FRAUD = { thresholds: { stepUp: 1_000_000, decline: 1_000_000 } } as const;

/** The key-encryption key the suites give their servers (64 hex digits; public: tests only). */
export const TEST_KEK = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/**
 * The attestation policy that lets the fleet's TAs enroll: the software TA's code hash at level
 * L0 (`openvse server --allow-ta <hash> --min-level L0`).
 */
export function loadAttestationPolicy(): AttestationPolicy {
  return { allowedCodeHashes: [softwareTaCodeSha256()], minimumLevel: 'L0' };
}

function expect(a: HttpAnswer, status: number, what: string): Json {
  if (a.status !== status) throw new Error(`${what}: HTTP ${a.status} ${a.text.slice(0, 300)}`);
  return a.body;
}

/** One device: a real CBP TA core on its own in-memory software platform, enrolled on the server. */
export class LoadTa {
  /** The `seq` of the last server message the TA applied. */
  lastSeq = 0;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    /** The TA's commands. */
    readonly core: CbpCore,
    /** The software platform under it (its identity, its device id). */
    readonly platform: SoftwarePlatform,
  ) {}

  /** A fresh TA on a fresh in-memory software platform (not enrolled yet). */
  static async create(options: { clock?: { now(): number } } = {}): Promise<LoadTa> {
    const platform = await createSoftwarePlatform(options.clock ? { clock: options.clock } : {});
    return new LoadTa(createCbpCore(platform), platform);
  }

  /** The device id the platform attests, which the server enrolls the device under. */
  get deviceId(): string {
    return this.platform.deviceId;
  }

  /**
   * Runs `fn` alone among this TA's exchanges: a request whose answer carries server messages and
   * the applying of those messages, so that they reach the TA in `seq` order (it refuses a `seq`
   * at or below the last one applied).
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** PROCESS_MESSAGE for each message, in `seq` order; returns how many were applied. */
  async apply(messages: readonly Pick<QueuedMessage, 'seq' | 'message'>[]): Promise<number> {
    const sorted = [...messages].sort((a, b) => a.seq - b.seq);
    for (const m of sorted) {
      const r = await this.core.processMessage(m.message);
      this.lastSeq = r.seq;
    }
    return sorted.length;
  }
}

/** Challenge → ENROLL (the TA's attestation over the nonce) → POST /v1/devices. */
export async function enrollTa(http: Http, options: { clock?: { now(): number } } = {}): Promise<LoadTa> {
  const ta = await LoadTa.create(options);
  const ch = expect(await http.post('/v1/devices/challenge', {}), 200, 'challenge');
  const attestation = await ta.core.enroll({ nonce: ch.nonce, serverSigningJwk: ch.serverSigningJwk });
  const e = expect(
    await http.post('/v1/devices', { attestation, platformJwk: ta.platform.platformPublicJwk }),
    201,
    'enroll',
  );
  if (e.deviceId !== ta.deviceId) throw new Error(`enroll: device ${e.deviceId}, expected ${ta.deviceId}`);
  ta.lastSeq = e.lastSeq;
  return ta;
}

/** One card on one TA. */
export interface Wallet {
  /** The wallet's number in its fleet. */
  index: number;
  profile: 'V' | 'M';
  /** The device the card is provisioned on (shared with the other wallets of that device). */
  ta: LoadTa;
  cardId: string;
  tokenPan: string;
  /** The card profile's AIP (tag 82) and PAN sequence number (5F34), as provisioned. */
  aip: string;
  psn: string;
  /** Profile M: the card's CDOL1 (the data the terminal sends with GENERATE AC). */
  cdol1?: string;
  /** Taps made so far: the next tap's `n`. */
  taps: number;
}

/** One tap, ready to send (any number of times, in any order). */
export interface Tap {
  wallet: Wallet;
  /** The tap number within the wallet (0-based). */
  n: number;
  /** The ATC the TA used. */
  atc: number;
  /** The unpredictable number (9F37), 8 hex digits. */
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

/** Digitizes one card and provisions it on the TA's device (every message applied by the TA). */
export async function provisionWallet(
  http: Http,
  ta: LoadTa,
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
  await ta.exclusive(async () => {
    const p = expect(
      await http.post(`/v1/devices/${ta.deviceId}/cards/${d.cardId}/provision`, {
        activationCode: d.activation.code,
      }),
      200,
      'provision',
    );
    await ta.apply(p.messages);
  });
  const card = (await ta.core.cardInfo()).find((c) => c.cardId === d.cardId);
  if (!card) throw new Error(`provision: the TA has no card ${d.cardId}`);
  return {
    index,
    profile,
    ta,
    cardId: d.cardId,
    tokenPan: d.tokenPan,
    aip: card.aip,
    psn: card.psn,
    ...(card.cdol1 ? { cdol1: card.cdol1 } : {}),
    taps: 0,
  };
}

/** Options of {@link makeFleet}. */
export interface FleetOptions {
  /** The profile of wallet i; default V when i is even, M when odd. */
  profileOf?: (i: number) => 'V' | 'M';
  /** The TAs' clock (ms since the epoch); default the system clock. */
  clock?: { now(): number };
}

/**
 * `n` wallets over `devices` enrolled TAs (wallet i on device i mod `devices`), profiles
 * alternating V, M unless `profileOf` says otherwise. Profile M cards hold as many SUKs as the
 * server's `sukBatch`, profile V cards one LUK of the server's `luk` policy: a suite's server must
 * allow the number of taps it makes per wallet.
 */
export async function makeFleet(
  http: Http,
  n: number,
  devices: number,
  options: FleetOptions = {},
): Promise<Wallet[]> {
  const profileOf = options.profileOf ?? ((i: number) => (i % 2 === 0 ? 'V' : 'M'));
  const tas = await pool(
    Array.from({ length: devices }, (_, i) => i),
    4,
    () => enrollTa(http, options.clock ? { clock: options.clock } : {}),
  );
  return pool(
    Array.from({ length: n }, (_, i) => i),
    8,
    (i) => provisionWallet(http, tas[i % devices]!, i, profileOf(i)),
  );
}

/** The terminal's transaction data (EMV Book 3 Annex A formats), as hex. */
interface TerminalData {
  amount: string;
  other: string;
  country: string;
  tvr: string;
  currency: string;
  date: string;
  type: string;
  un: string;
}

function terminalData(amount: number, un: string): TerminalData {
  const now = new Date();
  const date = [now.getUTCFullYear() % 100, now.getUTCMonth() + 1, now.getUTCDate()]
    .map((x) => String(x).padStart(2, '0'))
    .join('');
  return {
    amount: String(amount).padStart(12, '0'),
    other: '000000000000',
    country: '0250',
    tvr: '0000000000',
    currency: '0978',
    date,
    type: '00',
    un,
  };
}

/** Terminal Transaction Qualifiers (9F66): contactless EMV mode, online capable (EMV Book C-3). */
const TTQ = '36000000';

/** GPO_V's PDOL data: TTQ ‖ 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 (33 bytes; docs/cbp-protocol.md §4). */
function pdolV(f: TerminalData): Uint8Array {
  return hexToBytes(`${TTQ}${f.amount}${f.other}${f.country}${f.tvr}${f.currency}${f.date}${f.type}${f.un}`);
}

/** GENERATE AC's data for the card's CDOL1 (EMV Book 3 §5.4), from the terminal's data. */
function cdol1M(cdol1: string, f: TerminalData): Uint8Array {
  const source = new Map<string, Uint8Array>(
    (
      [
        ['9F02', f.amount],
        ['9F03', f.other],
        ['9F1A', f.country],
        ['95', f.tvr],
        ['5F2A', f.currency],
        ['9A', f.date],
        ['9C', f.type],
        ['9F37', f.un],
        ['9F35', '22'], // terminal type: attended, online only, merchant
        ['9F45', '0000'], // data authentication code
        ['9F34', '1F0302'], // CVM results: no CVM performed, successful
      ] as const
    ).map(([t, v]) => [t, hexToBytes(v)]),
  );
  return buildDolData(parseDol(hexToBytes(cdol1)), source);
}

/** The chip data POST /v1/authorizations reads (the server's chip-data.ts): the card's elements and the terminal's. */
function chipData(w: Wallet, r: CryptogramResult, f: TerminalData): string {
  const m = tlvToMap(parseTlv(r.elements));
  const card = (tag: string): Uint8Array => {
    const v = m.get(tag);
    if (!v) throw new Error(`wallet ${w.index}: the TA's answer has no tag ${tag}`);
    return v;
  };
  return bytesToHex(
    encodeTlv([
      { tag: '9F26', value: card('9F26') },
      { tag: '9F27', value: card('9F27') },
      { tag: '9F10', value: card('9F10') },
      { tag: '9F37', value: f.un },
      { tag: '9F36', value: card('9F36') },
      { tag: '95', value: f.tvr },
      { tag: '9A', value: f.date },
      { tag: '9C', value: f.type },
      { tag: '9F02', value: f.amount },
      { tag: '5F2A', value: f.currency },
      { tag: '82', value: m.get('82') ?? w.aip },
      { tag: '9F1A', value: f.country },
      { tag: '9F03', value: f.other },
      { tag: '5F34', value: m.get('5F34') ?? w.psn },
    ]),
  );
}

const REASON_NAMES = new Map<number, string>(Object.entries(ReasonCode).map(([k, v]) => [v, k]));

/**
 * The wallet's tap number `n`, which must be its next one (the TA owns the ATC: taps are made in
 * order; start them in order and await them in any order): a fresh unpredictable number, the TA's
 * ARQC, the chip data and the authorization body with the idempotency key `<keyPrefix>-w<i>-t<n>`.
 * Throws when the TA declines (raise the server's luk.maxTransactions or sukBatch).
 */
export async function makeTap(w: Wallet, n: number, keyPrefix: string, amount = 100 + n): Promise<Tap> {
  if (n !== w.taps) throw new Error(`wallet ${w.index}: taps are made in order (next ${w.taps}, asked ${n})`);
  w.taps++;
  const un = randomBytes(4).toString('hex').toUpperCase();
  const f = terminalData(amount, un);
  const r =
    w.profile === 'V'
      ? await w.ta.core.gpoV(w.cardId, pdolV(f))
      : await w.ta.core.generateAcM(w.cardId, 0x80, cdol1M(w.cdol1 ?? '', f));
  if (r.reason !== ReasonCode.OK)
    throw new Error(
      `wallet ${w.index} (${w.profile}) tap ${n}: the TA answered ${REASON_NAMES.get(r.reason) ?? r.reason} ` +
        '(raise the server’s luk.maxTransactions / sukBatch?)',
    );
  return {
    wallet: w,
    n,
    atc: r.atc,
    un,
    amount,
    body: {
      idempotencyKey: `${keyPrefix}-w${w.index}-t${n}`,
      tokenPan: w.tokenPan,
      chipData: chipData(w, r, f),
      amount,
      currency: '978',
    },
  };
}

/** The card's replenish request (REPLENISH_REQUEST: the TA's signed statement; docs/cbp-protocol.md §3). */
export async function replenishRequest(w: Wallet): Promise<{ path: string; body: { statement: string } }> {
  const statement = await w.ta.core.replenishRequest(w.cardId);
  return { path: `/v1/devices/${w.ta.deviceId}/replenish`, body: { statement } };
}

/**
 * One replenishment: the statement, POST replenish and, on a 200, the answer's messages applied
 * by the TA. Returns the HTTP answer; rejects when the connection fails (the request may or may
 * not have reached the server).
 */
export function replenish(http: Http, w: Wallet): Promise<HttpAnswer> {
  return w.ta.exclusive(async () => {
    const req = await replenishRequest(w);
    const r = await http.post(req.path, req.body);
    if (r.status === 200) await w.ta.apply(r.body.messages);
    return r;
  });
}
