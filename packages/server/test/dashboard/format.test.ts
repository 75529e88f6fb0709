/**
 * The dashboard's pure helpers (docs/dashboard.md): PAN masking (first six, last four, never more
 * than ten digits shown, at least four hidden), ISO 4217 currencies (alphabetic code and minor
 * unit; an unknown code shown as its number) and amounts in major units, exactly (fast-check);
 * a sentence for every decline reason the server gives (the issuer's checks before the fraud
 * engine and the fraud engine's own); free text turned into a LIKE pattern with its wildcards
 * escaped; the querystring helpers (`from` after `to` is a 400); and the fraud engine naming a
 * decline after what fired (PROTECTION_LEVEL_TOO_LOW for a device refused only for its level).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeclineReason } from '@openvse/protocol';
import fc from 'fast-check';
import { ManualClock } from '../../src/clock.js';
import { DECLINE_EXPLANATIONS, explainDecline, reasonsMatching } from '../../src/dashboard/explanations.js';
import {
  currencyOf,
  formatAmount,
  ISO_4217,
  MASK,
  majorUnits,
  maskPan,
  UNKNOWN_EXPONENT,
} from '../../src/dashboard/format.js';
import { rangeOf, searchOf } from '../../src/dashboard/routes.js';
import { searchPattern } from '../../src/dashboard/schemas.js';
import { deviceState } from '../../src/dashboard/views.js';
import type { DeviceRow } from '../../src/domain/devices.js';
import { ServerError } from '../../src/errors.js';
import { FraudEngine, RISK_REASON } from '../../src/fraud/engine.js';
import { likePattern } from '../../src/storage/dashboard-queries.js';
import { adapters, type TestDb } from '../helpers/stores.js';

const pan = fc
  .integer({ min: 12, max: 19 })
  .chain((n) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }))
  .map((d) => d.join(''));

describe('dashboard: PAN masking', () => {
  it('489537******1234: first six and last four of a 16-digit PAN', () => {
    assert.equal(maskPan('4895370000001234'), '489537******1234');
    assert.equal(maskPan('4895370000000001234'), '489537*********1234');
  });

  it('keeps the length, shows at most the first six and last four, hides at least four', () => {
    fc.assert(
      fc.property(pan, (p) => {
        const m = maskPan(p);
        assert.equal(m.length, p.length);
        const shown = [...m].filter((c) => c !== MASK).length;
        assert.ok(shown <= 10, m);
        assert.ok(p.length - shown >= 4, m);
        assert.ok(m.endsWith(p.slice(-4)));
        const head = m.slice(0, m.indexOf(MASK));
        assert.ok(head.length <= 6 && p.startsWith(head), m);
        assert.match(m, /^[0-9]*\*+[0-9]{4}$/);
        assert.notEqual(m, p);
        // no run of digits of the PAN longer than six survives
        assert.ok(!/[0-9]{7}/.test(m), m);
      }),
    );
  });

  it('masks anything that is not a PAN entirely', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }).filter((s) => !/^[0-9]{12,19}$/.test(s)),
        (s) => {
          assert.ok(/^\**$/.test(maskPan(s)));
        },
      ),
    );
  });
});

describe('dashboard: currencies and amounts', () => {
  it('978 → EUR, 840 → USD, 826 → GBP, 392 → JPY (0 decimals), 414 → KWD (3), 0978 as 5F2A carries it', () => {
    assert.deepEqual(currencyOf('978'), { code: 'EUR', exponent: 2, known: true });
    assert.deepEqual(currencyOf('0978'), { code: 'EUR', exponent: 2, known: true });
    assert.equal(currencyOf('840').code, 'USD');
    assert.equal(currencyOf('826').code, 'GBP');
    assert.equal(formatAmount(700, '978'), '7.00 EUR');
    assert.equal(formatAmount(5, '840'), '0.05 USD');
    assert.equal(formatAmount(1250, '392'), '1250 JPY');
    assert.equal(formatAmount(1250, '414'), '1.250 KWD');
    assert.equal(formatAmount(0, '826'), '0.00 GBP');
    assert.equal(formatAmount(700, '999'), '7.00 999', 'unknown: shown as the number');
    assert.deepEqual(currencyOf('999'), { code: '999', exponent: UNKNOWN_EXPONENT, known: false });
    assert.equal(currencyOf('__proto__').code, '__proto__', 'no prototype lookups');
    assert.equal(currencyOf('toString').known, false);
  });

  it('the table: 3-digit numeric codes, unique 3-letter alphabetic codes, exponents 0–3', () => {
    const alpha = Object.values(ISO_4217).map(([a]) => a);
    assert.equal(new Set(alpha).size, alpha.length);
    for (const [n, [a, e]] of Object.entries(ISO_4217)) {
      assert.match(n, /^[0-9]{3}$/);
      assert.match(a, /^[A-Z]{3}$/);
      assert.ok([0, 2, 3].includes(e), `${a} ${e}`);
    }
  });

  it('major units are exact: the digits back give the minor units', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 999_999_999_999 }),
        fc.constantFrom(...Object.keys(ISO_4217), '000', '999', '123'),
        (minor, cur) => {
          const text = formatAmount(minor, cur);
          const [number, code] = text.split(' ');
          const c = currencyOf(cur);
          assert.equal(code, c.code);
          assert.equal(BigInt(number!.replace('.', '')), BigInt(minor));
          const decimals = number!.includes('.') ? number!.split('.')[1]!.length : 0;
          assert.equal(decimals, c.exponent);
          if (c.exponent > 0) assert.match(number!, /^(0|[1-9][0-9]*)\.[0-9]+$/);
          else assert.match(number!, /^(0|[1-9][0-9]*)$/);
        },
      ),
    );
  });

  it('negative and unsafe amounts do not throw', () => {
    assert.equal(majorUnits(-5, 2), '-0.05');
    assert.equal(majorUnits(Number.MAX_SAFE_INTEGER + 2, 2), String(Number.MAX_SAFE_INTEGER + 2));
  });
});

describe('dashboard: decline explanations', () => {
  it('has a sentence for every reason of the issuer and of the fraud engine', () => {
    for (const r of [...Object.values(DeclineReason), ...Object.values(RISK_REASON)]) {
      assert.ok(Object.hasOwn(DECLINE_EXPLANATIONS, r), r);
      assert.ok(explainDecline(r).length > 30, r);
    }
    assert.match(explainDecline('SOMETHING_ELSE'), /no explanation/);
    assert.match(explainDecline('__proto__'), /no explanation/);
    const sentences = Object.values(DECLINE_EXPLANATIONS);
    assert.equal(new Set(sentences).size, sentences.length, 'each its own sentence');
  });

  it('names what an analyst looks for: ATC replay, cryptogram failure, unknown card, suspended, key exhausted', () => {
    assert.match(explainDecline('ATC_REPLAY'), /ATC replay/);
    assert.match(explainDecline('CRYPTOGRAM_INVALID'), /Cryptogram failure/);
    assert.match(explainDecline('UNKNOWN_TOKEN'), /Unknown card/);
    assert.match(explainDecline('TOKEN_SUSPENDED'), /suspended/);
    assert.match(explainDecline('LUK_THRESHOLD'), /Key exhausted/);
    assert.match(explainDecline('PROTECTION_LEVEL_TOO_LOW'), /protection level/);
    assert.doesNotMatch(explainDecline('PROTECTION_LEVEL_TOO_LOW'), /compromis/i);
  });

  it('free text finds reasons by code or sentence (three characters at least)', () => {
    assert.deepEqual(reasonsMatching('replay'), ['ATC_REPLAY']);
    assert.ok(reasonsMatching('exhausted').includes('LUK_THRESHOLD'));
    assert.deepEqual(reasonsMatching('ab'), []);
  });
});

describe('dashboard: query helpers', () => {
  it("LIKE patterns: lowercased, the caller's %, _ and \\ literal", () => {
    assert.equal(likePattern('AbC'), '%abc%');
    assert.equal(likePattern('50%_a\\b'), '%50\\%\\_a\\\\b%');
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        const p = likePattern(s);
        // strip the escapes: the text is back, lowercased
        const inner = p.slice(1, -1).replace(/\\(.)/g, '$1');
        assert.equal(inner, s.toLowerCase());
        // no unescaped wildcard inside
        assert.ok(!/(^|[^\\])(\\\\)*[%_]/.test(p.slice(1, -1)), p);
      }),
    );
  });

  it('from after to is a 400 ERR_VALIDATION; a blank search is none', () => {
    assert.deepEqual(rangeOf({}), {});
    assert.deepEqual(rangeOf({ from: '5', to: '5' }), { from: 5, to: 5 });
    assert.throws(
      () => rangeOf({ from: '6', to: '5' }),
      (e: unknown) => e instanceof ServerError && e.code === 'ERR_VALIDATION' && e.statusCode === 400,
    );
    assert.equal(searchOf('   '), undefined);
    assert.equal(searchOf(undefined), undefined);
    assert.deepEqual(searchOf(' replay ')?.reasons, ['ATC_REPLAY']);
  });

  it('the search pattern refuses a full PAN, spaced or not, and accepts a masked one', () => {
    const re = new RegExp(searchPattern, 'u');
    fc.assert(
      fc.property(pan, fc.constantFrom('', ' ', '-'), (p, sep) => {
        const spaced = p.replace(/(.{4})(?=.)/g, `$1${sep}`);
        assert.ok(!re.test(spaced), spaced);
        assert.ok(re.test(maskPan(p)), maskPan(p));
      }),
    );
    assert.ok(re.test('MERCH-CAFE-22'));
    assert.ok(re.test('1234'));
    assert.ok(!re.test(''));
    assert.ok(!re.test('é'));
  });

  it('a device V-Guard never sent a scan from is never_reported, not clean (unless silent)', () => {
    const view = {
      deviceId: 'd',
      state: 'clean' as const,
      silent: false,
      activeThreats: [],
      lastReportSeq: 0,
      lastReportAt: null,
      lastHeartbeatAt: null,
      lastSeenAt: null,
      seqGaps: 0,
      reports: 0,
    };
    assert.equal(deviceState(view), 'never_reported');
    assert.equal(deviceState({ ...view, lastHeartbeatAt: 1, lastSeenAt: 1 }), 'never_reported');
    assert.equal(deviceState({ ...view, state: 'suspicious', silent: true, lastSeenAt: 1 }), 'suspicious');
    assert.equal(deviceState({ ...view, lastReportAt: 1, lastSeenAt: 1 }), 'clean');
  });
});

const sqlite = (await adapters()).find((x) => x.name === 'sqlite')!;

describe('fraud engine: reasons named after what fired', () => {
  let db: TestDb;
  let engine: FraudEngine;
  const now = Date.UTC(2026, 10, 28, 6, 0, 0);
  const device = (protectionLevel: string): DeviceRow => ({
    deviceId: `dev-${protectionLevel}`,
    platformJwk: '{}',
    platformKid: 'pk',
    taEncJwk: '{}',
    taEncKid: 'ek',
    taSigJwk: '{}',
    taSigKid: 'sk',
    taCodeSha256: 'c0de',
    protectionLevel,
    lastStateCounter: '1'.padStart(20, '0'),
    lastSeq: 0,
    enrolledAt: now,
  });
  const assess = (
    protectionLevel: string,
    risk?: { threats?: boolean; silentSince?: number; gaps?: number },
  ) =>
    engine.assess({
      authorizationId: 'a1',
      cardId: 'c1',
      profile: 'V',
      cardType: 'cloud',
      deviceId: `dev-${protectionLevel}`,
      cvnProfile: 'openvse-v',
      atc: 2,
      highestAtc: 1,
      amount: 100,
      currency: '978',
      now,
      facts: {
        device: device(protectionLevel),
        ...(risk
          ? {
              deviceRisk: {
                deviceId: `dev-${protectionLevel}`,
                lastReportSeq: 1,
                lastReportAt: risk.silentSince ?? now,
                lastHeartbeatAt: null,
                lastSeenAt: risk.silentSince ?? now,
                activeThreats: risk.threats
                  ? [
                      {
                        class: 'debug',
                        code: 'DEBUGGER_ATTACHED',
                        severity: 'critical',
                        reaction: 'block_payments',
                        detectedAt: new Date(now).toISOString(),
                      },
                    ]
                  : [],
                seqGaps: risk.gaps ?? 0,
                reports: 1,
                updatedAt: now,
              },
            }
          : {}),
        recentThreats: [],
        history: [],
        policyVersion: 0,
      },
    });

  before(async () => {
    db = await sqlite.open();
    engine = new FraudEngine(db.store, new ManualClock(now));
  });
  after(async () => {
    await db?.cleanup();
  });

  it('a device below the minimum level, nothing reported: PROTECTION_LEVEL_TOO_LOW, not DEVICE_COMPROMISED', async () => {
    const r = await assess('L0');
    assert.equal(r.decision, 'DECLINE');
    assert.deepEqual(r.reasons, ['PROTECTION_LEVEL_TOO_LOW', 'RISK_STEP_UP', 'PROTECTION_LEVEL_LOW']);
    assert.equal(r.record?.reason, 'PROTECTION_LEVEL_TOO_LOW');
    assert.equal(r.record?.outcome, 'step_up');
  });

  it('the same device with a blocking threat reported: DEVICE_COMPROMISED', async () => {
    const r = await assess('L0', { threats: true });
    assert.equal(r.reasons[0], 'DEVICE_COMPROMISED');
    assert.equal(r.record?.reason, 'DEVICE_COMPROMISED');
  });

  it('below the level and missing reports, the heaviest device rule names it', async () => {
    const r = await assess('L0', { gaps: 10 });
    assert.equal(r.record?.reason, 'PROTECTION_LEVEL_TOO_LOW');
    assert.deepEqual(
      r.record?.rules.map((x) => x.rule),
      ['THREAT_REPORT_GAPS', 'PROTECTION_LEVEL_LOW'],
    );
  });

  it('a device at the minimum level, nothing reported: approved', async () => {
    const r = await assess('L1', {});
    assert.equal(r.decision, 'APPROVE');
  });
});
