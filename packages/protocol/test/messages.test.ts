/**
 * Server → TA messages (docs/cbp-protocol.md §2): the claim checks and the strict body parsers.
 * Garbage never crashes a parser: it is a CbpError with a stable code, always.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CbpError,
  CbpErrorCode,
  checkClaims,
  parseCardProfile,
  parseLifecycle,
  parseLuk,
  parseSuks,
  SERVER_ISSUER,
} from '../src/index.js';

const b64u = (n: number, fill: number) => Buffer.alloc(n, fill).toString('base64url');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.ok(e instanceof CbpError, `not a CbpError: ${String(e)}`);
    return e.code;
  }
}

describe('checkClaims', () => {
  const now = 1_800_000_000_000;
  const good = {
    iss: SERVER_ISSUER,
    aud: 'dev-1',
    typ: 'lifecycle',
    seq: 5,
    iat: now / 1000,
    exp: now / 1000 + 60,
    jti: 'j',
    cardId: 'c1',
    action: 'suspend',
  };
  it('keeps the body apart from the registered claims', () => {
    assert.deepEqual(checkClaims(good, 'dev-1', 4, now).body, { cardId: 'c1', action: 'suspend' });
  });
  it('names each failure with its code', () => {
    assert.equal(
      codeOf(() => checkClaims({ ...good, aud: 'dev-2' }, 'dev-1', 4, now)),
      CbpErrorCode.AUDIENCE,
    );
    assert.equal(
      codeOf(() => checkClaims(good, 'dev-1', 5, now)),
      CbpErrorCode.REPLAY,
    );
    assert.equal(
      codeOf(() => checkClaims(good, 'dev-1', 4, now + 121_000)),
      CbpErrorCode.EXPIRED,
    );
    assert.equal(
      codeOf(() => checkClaims({ ...good, iss: 'x' }, 'dev-1', 4, now)),
      CbpErrorCode.MESSAGE_INVALID,
    );
  });
  it('garbage is MESSAGE_INVALID, AUDIENCE, EXPIRED or REPLAY, never a crash (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const code = codeOf(() => checkClaims(v, 'dev-1', 0, now));
        assert.ok(code === undefined || code.startsWith('ERR_'));
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});

describe('credentials bodies', () => {
  const luk = { api: '6123401', dki: '0a', key: b64u(16, 7), maxTransactions: 10, notAfter: 1, maxAmount: 5 };
  it('accepts canonical base64url keys and upper-cases hex', () => {
    assert.deepEqual(parseLuk(luk), { ...luk, dki: '0A' });
    const suk = { atc: 3, sukUmd: b64u(16, 1), skMd: b64u(16, 2), idn: b64u(8, 3) };
    assert.deepEqual(parseSuks([suk]), [suk]);
  });
  it('refuses a key of another length or a non-canonical spelling', () => {
    assert.equal(
      codeOf(() => parseLuk({ ...luk, key: b64u(15, 7) })),
      CbpErrorCode.MESSAGE_REJECTED,
    );
    assert.equal(
      codeOf(() => parseLuk({ ...luk, key: `${b64u(16, 7)}=` })),
      CbpErrorCode.MESSAGE_REJECTED,
    );
    // 'AAAAAAAAAAAAAAAAAAAAAB' decodes to 16 bytes only by dropping a set unused bit.
    assert.equal(
      codeOf(() => parseLuk({ ...luk, key: 'AAAAAAAAAAAAAAAAAAAAAB' })),
      CbpErrorCode.MESSAGE_REJECTED,
    );
  });
  it('the canonical-spelling check agrees with a decoder (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{22}$/), (s) => {
        const canonical = Buffer.from(s, 'base64url').toString('base64url') === s;
        assert.equal(codeOf(() => parseLuk({ ...luk, key: s })) === undefined, canonical);
      }),
      { seed: 3, numRuns: 2000 },
    );
  });
  it('garbage is MESSAGE_REJECTED (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        for (const fn of [
          () => parseLuk(v),
          () => parseSuks(v),
          () => parseLifecycle({ cardId: v, action: v }),
        ])
          assert.ok([undefined, CbpErrorCode.MESSAGE_REJECTED].includes(codeOf(fn) as never));
      }),
      { seed: 5, numRuns: 500 },
    );
  });
});

describe('parseCardProfile', () => {
  const checks = { luhnValid: () => true, dolLength: () => 29 };
  it('uses the EMV checks it is given', () => {
    const card = {
      cardId: 'c1',
      profile: 'V',
      pan: '4895370000000005',
      psn: '00',
      expiry: '3012',
      aid: 'a0000000031010',
      label: 'VISA',
      priority: 1,
      aip: '0000',
      cvmLimit: 5000,
      currency: '0978',
      country: '0250',
      cdcvmResetTimeoutSec: 300,
      kdi: '01',
      replenishBelow: 3,
    };
    assert.equal(parseCardProfile(card, checks).aid, 'A0000000031010');
    assert.equal(
      codeOf(() => parseCardProfile(card, { ...checks, luhnValid: () => false })),
      CbpErrorCode.MESSAGE_REJECTED,
    );
  });
  it('garbage is MESSAGE_REJECTED (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        assert.ok(
          [undefined, CbpErrorCode.MESSAGE_REJECTED].includes(
            codeOf(() => parseCardProfile(v, checks)) as never,
          ),
        );
      }),
      { seed: 9, numRuns: 500 },
    );
  });
});
