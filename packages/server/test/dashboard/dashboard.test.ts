/**
 * The dashboard in headless Chromium driven by playwright-core (docs/fraud-engine.md
 * "Dashboard"): a real server on 127.0.0.1:0 with data made through its own routes (cards,
 * authorizations approved and declined, a compromised device whose reports are signed by a real
 * V-OS PlatformIdentity), GET /dashboard under its CSP, then the devices, the decline reasons
 * (with "device compromised"), the SVG chart and the key inventory must be on the page, a new
 * threat report must appear in the live feed within a few seconds, no console error (a CSP
 * violation is one), and a screenshot goes to the OS temp dir (docs/dashboard.png is made by
 * analyst.test.ts).
 * Without /usr/bin/chromium the suite skips with the SYSTEM tag (docs/testing.md "System components").
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { idem, provisionV, tap } from '../fraud/wallet.js';
import { alterCryptogram, chipV } from '../helpers/card.js';
import { digitize, post, type TestServer, testServer } from '../helpers/server.js';
import { adapters, type TestDb } from '../helpers/stores.js';
import { Reporter, threat } from '../threats/reporter.js';

const CHROMIUM = '/usr/bin/chromium';
const text = async (l: { textContent(): Promise<string | null> }) => (await l.textContent()) ?? '';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const skip = existsSync(CHROMIUM) ? undefined : `SYSTEM: ${CHROMIUM} is not installed (package chromium)`;

const sqlite = (await adapters()).find((x) => x.name === 'sqlite')!;

describe('dashboard in headless Chromium', { skip, timeout: 120_000 }, () => {
  let db: TestDb;
  let srv: TestServer;
  let base: string;
  let userDataDir: string;
  const data = {} as {
    bad: Reporter;
    good: Reporter;
    compromisedDecline: string;
    cards: string[];
  };

  before(async () => {
    db = await sqlite.open();
    srv = await testServer(db, { logger: false });
    await srv.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = srv.app.server.address();
    assert.ok(addr && typeof addr === 'object');
    base = `http://127.0.0.1:${addr.port}`;
    userDataDir = mkdtempSync(join(tmpdir(), 'openvse-chromium-'));

    // a device that gets compromised, with a card: approved, then declined DEVICE_COMPROMISED
    data.bad = await Reporter.create();
    assert.equal((await data.bad.enroll(srv.app)).status, 201);
    const c1 = (await provisionV(srv.app, data.bad)).card!;
    assert.equal((await tap(srv.app, c1, 1250)).body.decision, 'APPROVE');
    assert.equal((await tap(srv.app, c1, 4200)).body.decision, 'APPROVE');
    await data.bad.post(srv.app, await data.bad.heartbeat());
    const rep = await data.bad.post(
      srv.app,
      await data.bad.report([threat('DEBUGGER_ATTACHED', { tracerPid: 31337 }), threat('CONTAINER')]),
    );
    assert.equal(rep.body.risk.state, 'compromised');
    const d = await tap(srv.app, c1, 990);
    assert.equal(d.body.reason, 'DEVICE_COMPROMISED');
    data.compromisedDecline = d.body.authorizationId;

    // a clean device with a card: approved, and a forged cryptogram declined
    data.good = await Reporter.create();
    assert.equal((await data.good.enroll(srv.app)).status, 201);
    await data.good.post(srv.app, await data.good.report([]));
    const c2 = (await provisionV(srv.app, data.good, '4012888888881881')).card!;
    assert.equal((await tap(srv.app, c2, 350)).body.decision, 'APPROVE');
    const chip = chipV({ luk: c2.luk, api: c2.api, atc: 9, tx: { amount: 350 } });
    const forged = await post(srv.app, '/v1/authorizations', {
      idempotencyKey: idem(),
      tokenPan: c2.tokenPan,
      chipData: alterCryptogram(chip.chipData),
      amount: 350,
      currency: '978',
    });
    assert.equal(forged.body.reason, 'CRYPTOGRAM_INVALID');

    // a profile M card (SUK inventory) on the clean device
    const m = await digitize(srv.app, { profile: 'M', fundingPan: '5555555555554444' });
    assert.equal(
      (
        await post(srv.app, `/v1/devices/${data.good.deviceId}/cards/${m.body.cardId}/provision`, {
          activationCode: m.body.activation.code,
        })
      ).status,
      200,
    );
    data.cards = [c1.cardId, c2.cardId, m.body.cardId];
  });

  after(async () => {
    await srv?.close();
    await db?.cleanup();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('shows devices, decline reasons, the chart and the key inventory, and new threats live', async () => {
    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      viewport: { width: 1400, height: 1100 },
    });
    const problems: string[] = [];
    try {
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      const res = await page.goto(`${base}/dashboard`);
      assert.equal(res?.status(), 200);
      const csp = res?.headers()['content-security-policy'] ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 10_000 });

      // devices and their risk state
      const badRow = page.locator(`#devices tr[data-device="${data.bad.deviceId}"]`);
      assert.equal(await badRow.getAttribute('data-state'), 'compromised');
      const badText = await text(badRow);
      assert.match(badText, /device compromised/);
      assert.match(badText, /DEBUGGER_ATTACHED/);
      assert.equal(
        await page.locator(`#devices tr[data-device="${data.good.deviceId}"]`).getAttribute('data-state'),
        'clean',
      );

      // authorizations approved and declined, with reasons
      const auths = await text(page.locator('#authorizations'));
      assert.match(auths, /APPROVE/);
      assert.match(auths, /DEVICE_COMPROMISED/);
      assert.match(
        await text(page.locator('#authorizations tr[data-reason="DEVICE_COMPROMISED"] .why')),
        /V-Guard reported a threat/,
      );
      assert.match(auths, /CRYPTOGRAM_INVALID/);
      const reasons = await text(page.locator('#decline-reasons'));
      assert.match(reasons, /DEVICE_COMPROMISED: 1/);
      assert.match(reasons, /CRYPTOGRAM_INVALID: 1/);
      assert.match(await text(page.locator('#decisions')), /DEVICE_COMPROMISED \(\+100\)/);

      // the chart: SVG bars per class and a legend
      assert.ok((await page.locator('#chart svg g[data-class="debug"] rect').count()) >= 1);
      assert.ok((await page.locator('#chart svg g[data-class="environment"] rect').count()) >= 1);
      assert.match(
        (await page.locator('#chart svg text[data-legend="debug"]').textContent()) ?? '',
        /debug \(1\)/,
      );

      // key inventory, equal to the JSON endpoint
      const inv = (await (await fetch(`${base}/v1/dashboard/cards`)).json()) as {
        cards: { cardId: string; credentialsLeft: number | null; profile: string }[];
      };
      for (const id of data.cards) {
        const want = inv.cards.find((x) => x.cardId === id)!;
        const cell = page.locator(`#cards tr[data-card="${id}"] td[data-credentials-left]`);
        assert.equal(await cell.getAttribute('data-credentials-left'), String(want.credentialsLeft));
      }
      const vLeft = inv.cards.find((x) => x.cardId === data.cards[0])!.credentialsLeft;
      assert.equal(vLeft, 10 - 3, 'LUK: 10 transactions, 3 spent');
      assert.equal(inv.cards.find((x) => x.cardId === data.cards[2])!.credentialsLeft, 10, 'SUK batch');
      assert.match(await text(page.locator('#cards')), /LUK \d{7}: 3\/10 used/);

      // a new report appears in the live feed within a few seconds
      assert.equal(await page.locator('#feed li[data-code="LD_PRELOAD"]').count(), 0);
      const t0 = Date.now();
      const live = await data.good.post(
        srv.app,
        await data.good.report([threat('LD_PRELOAD', { lib: '/tmp/hook.so' })]),
      );
      assert.equal(live.status, 200);
      await page.waitForSelector('#feed li[data-code="LD_PRELOAD"]', { timeout: 5_000 });
      await page.waitForSelector(
        `#devices tr[data-device="${data.good.deviceId}"][data-state="compromised"]`,
        {
          timeout: 5_000,
        },
      );
      const latency = Date.now() - t0;
      assert.ok(latency < 5_000, `feed latency ${latency} ms`);
      assert.match(await text(page.locator('#feed li[data-code="LD_PRELOAD"]')), /lib=\/tmp\/hook\.so/);

      // docs/dashboard.png is analyst.test.ts's; this one stays in the temp dir.
      const shot = join(mkdtempSync(join(tmpdir(), 'openvse-dashboard-')), 'status.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`dashboard screenshot: ${shot}`);
      assert.deepEqual(problems, [], 'no console errors (CSP violations included)');
    } finally {
      await context.close();
    }
  });

  it('serves the page and assets with a CSP, and the JSON endpoints have closed query schemas', async () => {
    for (const path of ['/dashboard', '/dashboard/app.js', '/dashboard/app.css']) {
      const r = await fetch(`${base}${path}`);
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
    const bad = await fetch(`${base}/v1/dashboard/threats?limit=5&x=1`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'ERR_VALIDATION');
    const body = await (await fetch(`${base}/v1/dashboard/cards`)).text();
    for (const id of data.cards) {
      const card = (await db.store.getCard(id))!;
      assert.ok(!body.includes(card.tokenPan), 'no token PAN in the inventory');
    }
    const post405 = await fetch(`${base}/v1/dashboard/devices`, { method: 'POST' });
    assert.equal(post405.status, 404, 'read-only');
  });
});
