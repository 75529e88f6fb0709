/**
 * The taps both sides run (docs/mobile.md "What runs on Hermes"): the same code on Node (against
 * the software platform, node:crypto) and, bundled, on the Hermes VM (against the pure-JavaScript
 * platform), so the two answers can be compared byte for byte. Pure: it imports only
 * `@openvse/cbp-ta/pure`'s types and `@openvse/emv/pure`, and uses the crypto backend the caller
 * chose.
 *
 * For each tap: the TA's cryptogram command (GPO_V or GENERATE AC), then what the issuer does
 * with the answer (EMV Book 2 §8: ARQC check with the issuer master keys, MD cryptogram and mobile
 * PIN MAC where the profile has them, ARPC method 1) and the ARPC check a card holding the key
 * makes. After the taps: each profile V card's replenishment statement, whose MAC under the LUK
 * covers the transaction log (docs/cbp-protocol.md §3).
 */
import type { CbpCore } from '@openvse/cbp-ta/pure';
import {
  aesEcbEncrypt,
  base64urlToBytes,
  bytesToHex,
  hexToBytes,
  issuerDeriveAcKey,
  issuerVerifyCryptogram,
  openvseProfileM,
  openvseProfileV,
  parseTlv,
  tlvToMap,
  utf8Decode,
  verifyArpcMethod1,
} from '@openvse/emv/pure';

/** One tap at a terminal, with the terminal's data as the TA receives it (hex). */
export type Tap =
  | { kind: 'V'; cardId: string; pdol: string; cdcvmPin?: string }
  | { kind: 'M'; cardId: string; p1: number; cdol1: string; mobilePin?: string };

/** What the issuer knows of a card to check its cryptograms. */
export interface IssuerCard {
  cardId: string;
  profile: 'V' | 'M';
  pan: string;
  psn: string;
  /** The cardholder's mobile PIN, when the card has one. */
  mobilePin?: string;
}

/** Everything a run needs besides the TA itself. */
export interface ScenarioPlan {
  /** The test issuer's master keys (hex), to verify the cryptograms. */
  issuer: { imkAc: string; imkMd: string };
  cards: IssuerCard[];
  taps: Tap[];
  /** The authorisation response code the issuer answers with (ARPC method 1). */
  arc: string;
}

/** The outcome of one tap, as both sides report it. */
export interface TapResult {
  cardId: string;
  reason: number;
  atc: number;
  /** The TA's BER-TLV data elements (hex). */
  elements: string;
  /** 9F26 (hex), '' when none. */
  ac: string;
  /** The issuer's checks (EMV Book 2 §8.1). */
  acValid: boolean;
  mdValid?: boolean;
  mobilePinValid?: boolean;
  /** ARPC method 1 (hex) and the card-side check of it (§8.2). */
  arpc: string;
  arpcValid: boolean;
}

/** A profile V replenishment statement's MAC and the range it covers. */
export interface ReplenishResult {
  cardId: string;
  firstAtc: number;
  lastAtc: number;
  log: unknown;
  mac: string;
}

/**
 * What the Hermes bundle receives (built in on Node, packages/hermes src/prepare.ts): the vector
 * file, the seed and clock of its TA, the enrollment and the server's sealed messages for that
 * TA, the taps, and what to measure.
 */
export interface HermesInput {
  /** 'test': vectors and taps; 'bench': also the timing loops. */
  mode: 'test' | 'bench';
  /** An `emv-vectors/1` file (test/fixtures/vectors/emv-public.json). */
  vectorsText: string;
  /** Seed of the TA's {@link deterministicBytes} (hex, 16 bytes). */
  seed: string;
  /** The TA's clock, fixed (ms since the epoch). */
  nowMs: number;
  /** ENROLL's request. */
  enroll: { nonce: string; serverSigningJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string } };
  /** PROCESS_MESSAGE inputs, in order: compact JWEs sealed for the TA this seed makes. */
  messages: string[];
  plan: ScenarioPlan;
  /** Bench mode: how long each timing loop runs (ms) and how many profile V cryptograms to time. */
  bench?: { loopMs: number; cryptograms: number; cardId: string; pdol: string };
}

/** What a run answers. */
export interface ScenarioResult {
  taps: TapResult[];
  replenish: ReplenishResult[];
}

function jwsPayload(jws: string): Record<string, unknown> {
  return JSON.parse(utf8Decode(base64urlToBytes(jws.split('.')[1] ?? ''))) as Record<string, unknown>;
}

/** Issuer-side checks of one answer (the crypto backend in use). */
function issuerCheck(
  plan: ScenarioPlan,
  card: IssuerCard,
  tap: Tap,
  elements: Uint8Array,
): Omit<TapResult, 'cardId' | 'reason' | 'atc' | 'elements'> {
  if (elements.length === 0) return { ac: '', acValid: false, arpc: '', arpcValid: false };
  const m = tlvToMap(parseTlv(elements));
  const ac = m.get('9F26')!;
  const atc = m.get('9F36')!;
  const iad = m.get('9F10')!;
  const term = hexToBytes(tap.kind === 'V' ? tap.pdol : tap.cdol1);
  const t = tap.kind === 'V' ? term.subarray(4) : term;
  const tx = {
    amountAuthorized: t.subarray(0, 6),
    amountOther: t.subarray(6, 12),
    terminalCountryCode: t.subarray(12, 14),
    tvr: t.subarray(14, 19),
    transactionCurrencyCode: t.subarray(19, 21),
    transactionDate: t.subarray(21, 24),
    transactionType: t.subarray(24, 25),
    unpredictableNumber: t.subarray(25, 29),
    aip: m.get('82') ?? hexToBytes(card.profile === 'V' ? '0080' : '1980'),
    atc,
    iad,
  };
  const profile = card.profile === 'V' ? openvseProfileV : openvseProfileM;
  const r = issuerVerifyCryptogram(profile, {
    ...tx,
    imkAc: plan.issuer.imkAc,
    ...(card.profile === 'M' ? { imkMd: plan.issuer.imkMd } : {}),
    pan: card.pan,
    psn: card.psn,
    arqc: ac,
    arc: plan.arc,
    ...(card.profile === 'V' && card.mobilePin ? { mobilePin: card.mobilePin } : {}),
  });
  let arpcValid = false;
  if (r.arpc) {
    // The card's side of §8.2: the same ARPC key (LUK or SK_UMD), recomputed from the IMK here.
    const key = issuerDeriveAcKey(profile, {
      imkAc: plan.issuer.imkAc,
      pan: card.pan,
      psn: card.psn,
      atc,
      ...(card.profile === 'V' ? { api: profile.parseIad(iad).api } : {}),
    });
    arpcValid = verifyArpcMethod1(key, ac, plan.arc, r.arpc);
    key.fill(0);
  }
  return {
    ac: bytesToHex(ac),
    acValid: r.acValid,
    ...(r.mdValid === undefined ? {} : { mdValid: r.mdValid }),
    ...(r.mobilePinValid === undefined ? {} : { mobilePinValid: r.mobilePinValid }),
    arpc: r.arpc ? bytesToHex(r.arpc) : '',
    arpcValid,
  };
}

/** Runs every tap of `plan` on `core` (already enrolled and provisioned), then the replenishments. */
export async function runScenario(core: CbpCore, plan: ScenarioPlan): Promise<ScenarioResult> {
  const cards = new Map(plan.cards.map((c) => [c.cardId, c]));
  const taps: TapResult[] = [];
  for (const tap of plan.taps) {
    const card = cards.get(tap.cardId);
    if (!card) throw new Error(`no card ${tap.cardId}`);
    let r: { reason: number; atc: number; elements: Uint8Array };
    if (tap.kind === 'V') {
      if (tap.cdcvmPin !== undefined) await core.verifyCardholder(tap.cardId, tap.cdcvmPin);
      r = await core.gpoV(tap.cardId, hexToBytes(tap.pdol));
    } else r = await core.generateAcM(tap.cardId, tap.p1, hexToBytes(tap.cdol1), tap.mobilePin);
    taps.push({
      cardId: tap.cardId,
      reason: r.reason,
      atc: r.atc,
      elements: bytesToHex(r.elements),
      ...issuerCheck(plan, card, tap, r.elements),
    });
  }
  const replenish: ReplenishResult[] = [];
  for (const c of plan.cards) {
    if (c.profile !== 'V') continue;
    const p = jwsPayload(await core.replenishRequest(c.cardId));
    replenish.push({
      cardId: c.cardId,
      firstAtc: p.firstAtc as number,
      lastAtc: p.lastAtc as number,
      log: p.log,
      mac: p.mac as string,
    });
  }
  return { taps, replenish };
}

/**
 * TEST ONLY, NOT A RANDOM NUMBER GENERATOR: deterministic bytes from a seed (AES-128 in counter
 * mode under the seed, on the crypto backend in use), so that the TA on Hermes makes the same keys
 * as the same TA on Node and can open messages sealed on Node for it. Hermes has no CSPRNG; a real
 * app passes one (`createPurePlatform({ randomBytes })`).
 */
export function deterministicBytes(seedHex: string): (n: number) => Uint8Array {
  const key = hexToBytes(seedHex);
  if (key.length !== 16) throw new RangeError('seed: 16 bytes');
  let counter = 0;
  let pool = new Uint8Array(0);
  return (n: number) => {
    while (pool.length < n) {
      const block = new Uint8Array(16);
      let c = counter++;
      for (let i = 15; i >= 12; i--) {
        block[i] = c & 0xff;
        c >>>= 8;
      }
      const next = new Uint8Array(pool.length + 16);
      next.set(pool);
      next.set(aesEcbEncrypt(key, block), pool.length);
      pool = next;
    }
    const out = pool.slice(0, n);
    pool = pool.slice(n);
    return out;
  };
}
