/**
 * Robustness (EMV Contactless Book A §6: every path ends in an outcome): whatever the card
 * answers at whatever step, runTransaction resolves with an outcome and never throws.
 * fast-check replaces one response of an otherwise good card with random bytes, or mutates it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createInProcessTransport, type OutcomeType, runTransaction } from '../../src/index.js';
import type { CardStep, Tamper } from '../fixtures/card-toolkit.js';
import { createProfileMCard } from '../fixtures/profile-m-card.js';
import { createProfileVCard } from '../fixtures/profile-v-card.js';

const TYPES: readonly OutcomeType[] = [
  'ONLINE_REQUEST',
  'DECLINED',
  'END_APPLICATION',
  'TRY_AGAIN',
  'SEE_PHONE',
  'APPROVED',
];
const STEPS_V: CardStep[] = ['SELECT_PPSE', 'SELECT_AID', 'GPO'];
const STEPS_M: CardStep[] = ['SELECT_PPSE', 'SELECT_AID', 'GPO', 'READ_RECORD', 'GENERATE_AC'];
const FIXED = {
  clock: () => new Date('2026-11-28T10:20:30Z'),
  unpredictableNumber: () => Uint8Array.of(1, 2, 3, 4),
};

function cardFor(kernel: 2 | 3, tamper: Tamper) {
  return kernel === 3 ? createProfileVCard({ tamper }) : createProfileMCard({ tamper });
}

describe('garbage card responses', () => {
  it('random R-APDU at any step → END_APPLICATION (SEE_PHONE only for a K3 GPO 6986), never throws', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<2 | 3>(2, 3),
        fc.nat(4),
        fc.uint8Array({ maxLength: 300 }),
        async (kernel, stepIndex, garbage) => {
          const steps = kernel === 3 ? STEPS_V : STEPS_M;
          const target = steps[stepIndex % steps.length]!;
          let hit = false;
          const card = cardFor(kernel, (step, r) => {
            if (step !== target || hit) return r;
            hit = true;
            return garbage;
          });
          const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 100 }, FIXED);
          const sw =
            garbage.length >= 2 ? (garbage[garbage.length - 2]! << 8) | garbage[garbage.length - 1]! : -1;
          if (kernel === 3 && target === 'GPO' && sw === 0x6986) assert.equal(o.type, 'SEE_PHONE');
          else
            assert.equal(
              o.type,
              'END_APPLICATION',
              `${target}: ${Buffer.from(garbage).toString('hex')} → ${o.type}`,
            );
          assert.ok(o.reason?.code);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('mutated or truncated responses → an outcome, never an exception', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<2 | 3>(2, 3),
        fc.nat(4),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (kernel, stepIndex, flips, cut) => {
          const steps = kernel === 3 ? STEPS_V : STEPS_M;
          const target = steps[stepIndex % steps.length]!;
          const card = cardFor(kernel, (step, r) => {
            if (step !== target) return r;
            const m = new Uint8Array(r);
            for (const [i, v] of flips) if (m.length > 0) m[i % m.length] = v;
            return cut === undefined ? m : m.subarray(0, cut % (m.length + 1));
          });
          const o = await runTransaction(createInProcessTransport(card.processApdu), { amount: 100 }, FIXED);
          assert.ok(TYPES.includes(o.type));
          if (o.type === 'ONLINE_REQUEST' || o.type === 'APPROVED')
            assert.ok(o.chipData && o.chipData.length > 0);
          else assert.ok(o.reason?.code);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a transport that fails at a random exchange → TRY_AGAIN', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<2 | 3>(2, 3), fc.nat(6), async (kernel, failAt) => {
        const card = kernel === 3 ? createProfileVCard() : createProfileMCard();
        let n = 0;
        const exchanges = kernel === 3 ? 3 : 6;
        const o = await runTransaction(
          createInProcessTransport(async (c) => {
            if (n++ === failAt % exchanges) throw new Error('link lost');
            return card.processApdu(c);
          }),
          { amount: 100 },
          FIXED,
        );
        assert.equal(o.type, 'TRY_AGAIN');
      }),
      { numRuns: 50 },
    );
  });
});
