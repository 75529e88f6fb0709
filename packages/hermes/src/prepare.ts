/**
 * Node side of the Hermes run (docs/mobile.md): builds the bundle's input and the answers to
 * expect, with a stand-in server (jose) sealing `provision` and `credentials` messages exactly as
 * docs/cbp-protocol.md §2 says, for four cards (profile V with and without a mobile PIN, profile
 * M with and without one) whose keys come from the test issuer master keys below (EMV Book 2
 * Annex A1.4 and docs/emv-cryptography.md §4).
 *
 * The TA on Hermes draws its keys from a seed (scenario.ts `deterministicBytes`), so Node can
 * make the same TA first (the pure platform, same seed, same clock), read its device id and
 * encryption key from its attestation and seal the messages for it. The expected answers come
 * from the same taps on the software platform (node:crypto), provisioned with the same card
 * profiles and keys (messages sealed for its own keys).
 */
import { randomBytes } from 'node:crypto';
import { type CbpCore, createCbpCore, createPurePlatform, createSoftwarePlatform } from '@openvse/cbp-ta';
import {
  bytesToBase64url,
  bytesToHex,
  encodeTlv,
  encodeTrack2,
  issuerDeriveAcKey,
  issuerDeriveMdKey,
  luhnCheckDigit,
  mixMobilePin,
  openvseProfileM,
  openvseProfileV,
} from '@openvse/emv';
import { type CardProfile, SERVER_ISSUER, SERVER_MESSAGE_TYP } from '@openvse/protocol';
import {
  CompactEncrypt,
  CompactSign,
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  type JWK,
} from 'jose';
import {
  deterministicBytes,
  type HermesInput,
  runScenario,
  type ScenarioPlan,
  type ScenarioResult,
  type Tap,
} from './scenario.js';

/** The test issuer's master keys (not secret: test values, as in the EMV vectors). */
const IMK_AC = '0123456789ABCDEFFEDCBA9876543210';
const IMK_MD = 'FEDCBA98765432100123456789ABCDEF';
const PIN = '2468';
/** The Profile M CDOL1 (packages/server src/devices/card-profile.ts). */
const CDOL1 = '9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F3403';
const API = '6100100';

/** Options of {@link prepareHermesRun}. */
export interface PrepareOptions {
  /** 'test' (default) or 'bench'. */
  mode?: 'test' | 'bench';
  /** Taps per card (default 10: 20 profile V and 20 profile M over the four cards). */
  tapsPerCard?: number;
  /** The `emv-vectors/1` file the bundle runs. */
  vectorsText: string;
  /** Bench mode: timing loop length (ms, default 2000) and profile V cryptograms to time (default 100). */
  loopMs?: number;
  cryptograms?: number;
}

/** The bundle's input and what Node computed for the same input. */
export interface PreparedRun {
  input: HermesInput;
  /** The taps on the software platform (node:crypto backend): what Hermes must answer. */
  expected: ScenarioResult;
  /** The same TA as on Hermes (pure platform, same seed), run on Node. */
  nodePure: ScenarioResult;
}

function pan(prefix15: string): string {
  return prefix15 + luhnCheckDigit(prefix15);
}

const CARDS = [
  { cardId: 'v-plain', profile: 'V' as const, pan: pan('476173900101001'), psn: '01', mobilePin: false },
  { cardId: 'v-pin', profile: 'V' as const, pan: pan('476173900101002'), psn: '01', mobilePin: true },
  { cardId: 'm-plain', profile: 'M' as const, pan: pan('541333008901043'), psn: '00', mobilePin: false },
  { cardId: 'm-pin', profile: 'M' as const, pan: pan('541333008901044'), psn: '00', mobilePin: true },
];

function cardProfile(c: (typeof CARDS)[number]): CardProfile {
  const common = {
    cardId: c.cardId,
    profile: c.profile,
    pan: c.pan,
    psn: c.psn,
    expiry: '2812',
    priority: 1,
    cvmLimit: 5000,
    currency: '0978',
    country: '0250',
    cdcvmResetTimeoutSec: 300,
    kdi: '01',
    replenishBelow: 1,
    mobilePin: c.mobilePin,
  };
  if (c.profile === 'V') return { ...common, aid: 'A0000000031010', label: 'OPENVSE VISA', aip: '0080' };
  const record = encodeTlv({
    tag: '70',
    children: [
      { tag: '57', value: encodeTrack2({ pan: c.pan, expiry: '2812' }) },
      { tag: '5A', value: c.pan },
      { tag: '5F24', value: '281231' },
      { tag: '5F34', value: c.psn },
      { tag: '8C', value: CDOL1 },
    ],
  });
  return {
    ...common,
    aid: 'A0000000041010',
    label: 'OPENVSE MASTERCARD',
    aip: '1980',
    afl: '08010100',
    records: [{ sfi: 1, record: 1, data: bytesToHex(record) }],
    cdol1: CDOL1,
  };
}

/**
 * Terminal data 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 (29 bytes, hex): the amount, no other amount,
 * France, TVR zero, euro, 2026-06-01, a purchase, the unpredictable number.
 */
function terminal(amount: number, un: string): string {
  const amount12 = String(amount).padStart(12, '0');
  const country = '0250';
  const tvr = '0000000000';
  const currencyDateType = '097826060100';
  return `${amount12}${'0'.repeat(12)}${country}${tvr}${currencyDateType}${un}`;
}

function plan(tapsPerCard: number): ScenarioPlan {
  const taps: Tap[] = [];
  for (let i = 0; i < tapsPerCard; i++) {
    const un = (0x1a2b3c00 + i).toString(16).toUpperCase();
    // v-plain: under the CVM limit; v-pin: every other tap above it, with the mobile PIN held.
    taps.push({ kind: 'V', cardId: 'v-plain', pdol: `36000000${terminal(1000 + i * 7, un)}` });
    const cdcvm = i % 2 === 1;
    taps.push({
      kind: 'V',
      cardId: 'v-pin',
      pdol: `36000000${terminal(cdcvm ? 6000 + i : 1200 + i, un)}`,
      ...(cdcvm ? { cdcvmPin: PIN } : {}),
    });
    // ‖ 9F35 terminal type, 9F45 DAC, 9F4C ICC dynamic number, 9F34 CVM results (43 bytes in all).
    const cdol = (amount: number) => `${terminal(amount, un)}22${'00'.repeat(2)}${'00'.repeat(8)}1F0302`;
    taps.push({ kind: 'M', cardId: 'm-plain', p1: 0x80, cdol1: cdol(900 + i * 3) });
    taps.push({ kind: 'M', cardId: 'm-pin', p1: 0x80, cdol1: cdol(7000 + i), mobilePin: PIN });
  }
  return {
    issuer: { imkAc: IMK_AC, imkMd: IMK_MD },
    cards: CARDS.map((c) => ({
      cardId: c.cardId,
      profile: c.profile,
      pan: c.pan,
      psn: c.psn,
      ...(c.mobilePin ? { mobilePin: PIN } : {}),
    })),
    taps,
    arc: '3030',
  };
}

/** The stand-in server: one ES256 key, messages sealed for one TA (`seal`). */
async function stubServer() {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const pub = await exportJWK(pair.publicKey);
  const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x: pub.x!, y: pub.y! };
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    jwk,
    /** `bodies` signed and sealed for the TA whose attestation is `attestation`. */
    async seal(
      attestation: string,
      nowMs: number,
      bodies: Array<Record<string, unknown>>,
    ): Promise<string[]> {
      const c = decodeJwt(attestation) as { deviceId: string; taPublicKeys: { enc: JWK } };
      const now = Math.floor(nowMs / 1000);
      const out: string[] = [];
      for (const [i, body] of bodies.entries()) {
        const claims = {
          iss: SERVER_ISSUER,
          aud: c.deviceId,
          iat: now,
          exp: now + 3600,
          jti: randomBytes(8).toString('hex'),
          seq: i + 1,
          ...body,
        };
        const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
          .setProtectedHeader({ alg: 'ES256', typ: SERVER_MESSAGE_TYP, kid })
          .sign(pair.privateKey);
        out.push(
          await new CompactEncrypt(new TextEncoder().encode(jws))
            .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
            .encrypt(c.taPublicKeys.enc),
        );
      }
      return out;
    },
  };
}

/** The `provision` and `credentials` bodies of the four cards (keys from the test IMKs). */
function messageBodies(nowMs: number, sukCount: number, idnSeed: string): Array<Record<string, unknown>> {
  const idns = deterministicBytes(idnSeed);
  const bodies: Array<Record<string, unknown>> = CARDS.map((c) => ({
    typ: 'provision',
    card: cardProfile(c),
  }));
  for (const c of CARDS) {
    if (c.profile === 'V') {
      const key = issuerDeriveAcKey(openvseProfileV, { imkAc: IMK_AC, pan: c.pan, psn: c.psn, api: API });
      bodies.push({
        typ: 'credentials',
        cardId: c.cardId,
        luk: {
          api: API,
          dki: '01',
          key: bytesToBase64url(key),
          maxTransactions: 1000,
          notAfter: Math.floor(nowMs / 1000) + 86_400,
          maxAmount: 999_999_999,
        },
      });
      key.fill(0);
      continue;
    }
    const suks = [];
    for (let atc = 1; atc <= sukCount; atc++) {
      const umd = issuerDeriveAcKey(openvseProfileM, { imkAc: IMK_AC, pan: c.pan, psn: c.psn, atc });
      const md = issuerDeriveMdKey(openvseProfileM, { imkMd: IMK_MD, pan: c.pan, psn: c.psn, atc });
      const sukUmd = c.mobilePin ? mixMobilePin(umd, PIN) : umd;
      suks.push({
        atc,
        sukUmd: bytesToBase64url(sukUmd),
        skMd: bytesToBase64url(md),
        idn: bytesToBase64url(idns(8)),
      });
      umd.fill(0);
      md.fill(0);
      sukUmd.fill(0);
    }
    bodies.push({ typ: 'credentials', cardId: c.cardId, suks });
  }
  return bodies;
}

async function provision(core: CbpCore, messages: string[]): Promise<void> {
  for (const m of messages) await core.processMessage(m);
}

/**
 * The bundle's input (enrollment, sealed messages, taps) and the answers Node gives for it: on the
 * software platform (the expected cryptograms) and on the pure platform with the Hermes TA's seed.
 */
export async function prepareHermesRun(options: PrepareOptions): Promise<PreparedRun> {
  const mode = options.mode ?? 'test';
  const tapsPerCard = options.tapsPerCard ?? 10;
  const seed = '000102030405060708090A0B0C0D0E0F';
  const nowMs = Date.UTC(2026, 5, 1, 12, 0, 0);
  const clock = { now: () => nowMs };
  const server = await stubServer();
  const enroll = { nonce: bytesToBase64url(new Uint8Array(16).fill(7)), serverSigningJwk: server.jwk };
  const bench = mode === 'bench' ? (options.cryptograms ?? 100) : 0;
  const bodies = messageBodies(nowMs, Math.min(100, tapsPerCard), '0F0E0D0C0B0A09080706050403020100');
  const p = plan(tapsPerCard);

  // The Hermes TA, made first on Node: same code, seed and clock, so the same keys.
  const pure = await createPurePlatform({ randomBytes: deterministicBytes(seed), clock });
  const pureCore = createCbpCore(pure);
  const messages = await server.seal(await pureCore.enroll(enroll), nowMs, bodies);
  await provision(pureCore, messages);
  const nodePure = await runScenario(pureCore, p);

  // The software baseline: its own keys, the same cards, keys and taps.
  const soft = await createSoftwarePlatform({ clock });
  const softCore = createCbpCore(soft);
  await provision(softCore, await server.seal(await softCore.enroll(enroll), nowMs, bodies));
  const expected = await runScenario(softCore, p);

  const input: HermesInput = {
    mode,
    vectorsText: options.vectorsText,
    seed,
    nowMs,
    enroll,
    messages,
    plan: p,
    ...(mode === 'bench'
      ? {
          bench: {
            loopMs: options.loopMs ?? 2000,
            cryptograms: bench,
            cardId: 'v-plain',
            pdol: `36000000${terminal(100, '0BADCAFE')}`,
          },
        }
      : {}),
  };
  return { input, expected, nodePure };
}
