/**
 * Attack: code in the wallet app forges the cardholder verification to pay above the CVM limit
 * (docs/threat-model.md rows 27–28; docs/cdcvm.md). It used to take one call,
 * `cardholderVerified(true)`, from any code in the app: a payment refused before the call was
 * approved by the TA and by the server after it (5 of 5). Here, with the CBP TA in V-OS, the real
 * POS terminal (Kernel 3) and the real server, every forgery the app can make is tried, and none
 * gets a payment above the CVM limit approved:
 *  - the old bare flag (CDCVM with a value parameter a = 1) and a JSON flag, sent on the app's own
 *    session to the TA: refused (TEE_ERROR_BAD_PARAMETERS); the terminal still says see phone;
 *  - lying to the terminal: the app sets "CDCVM performed" in the CTQ (9F6C) it returns. Above
 *    the limit there is no cryptogram to send; below it the issuer reads the CVR under the LUK's
 *    MAC, which the app cannot make (a CVR claiming CDCVM without the PIN MAC is declined:
 *    packages/server/test/authorization.test.ts);
 *  - verifications with guessed PINs: the TA cannot tell (it never has the PIN) and makes the
 *    cryptogram; the issuer declines WRONG_MOBILE_PIN; the third in a row suspends the token, so
 *    that even the right PIN is then declined until the issuer resumes it;
 *  - a card without a mobile PIN cannot be verified at all (ERR_NO_MOBILE_PIN).
 * Then the cardholder's own PIN is approved, once: one verification covers one payment.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CBP_TA_UUID, CbpCommand, TeeResult } from '@openvse/protocol';
import { TestBench } from '@openvse/test-bench';
import { loadTerminal, type TerminalModule, tap } from './terminal.js';

const PIN = '2468';
const OVER_LIMIT = 7000; // the server's default CVM limit is 5000

/** Rewrites the CTQ the card returns (9F6C 02 00 00) to "CDCVM performed" (9F6C 02 00 80). */
function claimCdcvmToTerminal(rapdu: Uint8Array): Uint8Array {
  const out = new Uint8Array(rapdu);
  for (let i = 0; i + 4 < out.length; i++) {
    if (out[i] === 0x9f && out[i + 1] === 0x6c && out[i + 2] === 0x02) out[i + 4] = 0x80;
  }
  return out;
}

describe('attack: the app forges the cardholder verification (V-OS, Kernel 3, real server)', () => {
  let dir: string;
  let bench: TestBench;
  let t: TerminalModule;
  let card: string;
  let bare: string;
  /** Every authorization above the CVM limit the forgeries got, approved or not. */
  const forged: string[] = [];

  const pay = async (amount: number, rewrite?: (r: Uint8Array) => Uint8Array) => {
    const hce = bench.wallet.hce();
    const outcome = await tap(
      t,
      async (c) => (rewrite ? rewrite(await hce.processApdu(c)) : hce.processApdu(c)),
      amount,
    );
    const auth = outcome.type === 'ONLINE_REQUEST' ? await bench.authorize(outcome, amount) : undefined;
    await bench.wallet.idle();
    return { outcome, auth };
  };

  before(async () => {
    t = await loadTerminal();
    dir = mkdtempSync(join(tmpdir(), 'openvse-cdcvm-'));
    bench = await TestBench.start({ dir, provider: 'vos' });
    card = await bench.addCard('V', { mobilePin: PIN });
    bare = await bench.addCard('V');
    bench.wallet.setDefaultCard(card);
  });
  after(async () => {
    await bench?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the old bare flag is refused by the TA; the terminal still says see phone', async () => {
    const s = await bench.vos!.openSession(CBP_TA_UUID);
    try {
      const flag = await s.invoke(CbpCommand.CDCVM, [{ type: 'value', dir: 'in', a: 1, b: 0 }]);
      assert.equal(flag.result, TeeResult.ERROR_BAD_PARAMETERS);
      const json = await s.invoke(CbpCommand.CDCVM, [
        { type: 'memref', dir: 'in', data: new TextEncoder().encode('{"verified":true}') },
      ]);
      assert.equal(json.result, TeeResult.ERROR_BAD_PARAMETERS);
    } finally {
      await s.close();
    }
    const r = await pay(OVER_LIMIT);
    assert.equal(r.outcome.type, 'SEE_PHONE', JSON.stringify(r.outcome.reason));
  });

  it('lying to the terminal ("CDCVM performed" in the CTQ) gains nothing', async () => {
    // Above the limit the TA made no cryptogram (reason 6), so there is nothing to send online.
    const r = await pay(OVER_LIMIT, claimCdcvmToTerminal);
    assert.equal(r.outcome.type, 'SEE_PHONE', JSON.stringify(r.outcome.reason));
    // Below it the terminal goes online on the lie, and the issuer reads the CVR under the LUK's
    // MAC, which claims nothing: a plain payment below the limit (a CVR that claimed CDCVM
    // without the PIN MAC is declined: packages/server/test/authorization.test.ts).
    const low = await pay(1000, claimCdcvmToTerminal);
    assert.equal(low.outcome.type, 'ONLINE_REQUEST');
    assert.equal(low.auth!.decision, 'APPROVE');
  });

  it('guessed PINs: the issuer declines each (WRONG_MOBILE_PIN); the third in a row suspends the token', async () => {
    for (const guess of ['0000', '1234', '9999']) {
      await bench.wallet.verifyCardholder(card, guess);
      const r = await pay(OVER_LIMIT);
      assert.equal(
        r.outcome.type,
        'ONLINE_REQUEST',
        `the TA cannot tell a wrong PIN: ${JSON.stringify(r.outcome.reason)} ${JSON.stringify(bench.wallet.history().at(-1))}`,
      );
      forged.push(r.auth!.decision);
      assert.equal(r.auth!.decision, 'DECLINE');
      assert.equal(r.auth!.reason, 'WRONG_MOBILE_PIN');
    }
    // Now even the right PIN is declined: the token is suspended (and the device is told).
    await bench.wallet.verifyCardholder(card, PIN);
    const r = await pay(OVER_LIMIT);
    if (r.auth) {
      forged.push(r.auth.decision);
      assert.equal(r.auth.reason, 'TOKEN_SUSPENDED');
    }
    assert.equal(await bench.wallet.fetchMessages(), 1);
    assert.equal(bench.wallet.card(card)!.state, 'SUSPENDED');
  });

  it('a card without a mobile PIN cannot be verified at all', async () => {
    await assert.rejects(bench.wallet.verifyCardholder(bare, PIN), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'ERR_SDK_NO_MOBILE_PIN');
      return true;
    });
    bench.wallet.setDefaultCard(bare);
    assert.equal((await pay(OVER_LIMIT)).outcome.type, 'SEE_PHONE');
    assert.equal((await pay(OVER_LIMIT, claimCdcvmToTerminal)).auth?.decision ?? 'DECLINE', 'DECLINE');
    bench.wallet.setDefaultCard(card);
  });

  it('no forgery was approved; the cardholder’s PIN is, once, after the issuer resumes the token', async () => {
    assert.ok(forged.length >= 4, `${forged.length} forged payments reached the issuer`);
    assert.deepEqual(
      forged.filter((d) => d === 'APPROVE'),
      [],
      'approved forgeries',
    );
    await bench.lifecycle(card, 'resume');
    await bench.wallet.fetchMessages();
    assert.equal(bench.wallet.card(card)!.state, 'ACTIVE');
    await bench.wallet.verifyCardholder(card, PIN);
    const ok = await pay(OVER_LIMIT);
    assert.equal(ok.auth?.decision, 'APPROVE', JSON.stringify(ok.auth));
    assert.equal((await pay(OVER_LIMIT)).outcome.type, 'SEE_PHONE', 'one verification, one payment');
  });
});
