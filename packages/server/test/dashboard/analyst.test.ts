/**
 * The analyst's dashboard in headless Chromium driven by playwright-core (docs/dashboard.md): a
 * real server on 127.0.0.1:0 (SQLite) with the data of scenario.ts, made through its own routes.
 * On the page: masked token PANs (never a full one, in the DOM or any answer the page read),
 * amounts in EUR / USD / JPY, merchant and terminal per authorization, a device that "never
 * reported", a posture finding aggregated (×3), a sentence for every decline (ATC replay,
 * cryptogram failure, unknown card, PROTECTION_LEVEL_TOO_LOW…); the filters (device + decision,
 * free text, a refused value shown under the filters); the drill-down from a device to its cards,
 * threats, authorizations and fraud decisions; live updates through the event stream without
 * polling, and the slow refresh when the stream is unreachable; untrusted text (merchant ids,
 * evidence) rendered as text. No console error but the
 * expected 400 (a CSP violation is one). The screenshot goes to the OS temp dir, and to
 * docs/dashboard.png with OPENVSE_UPDATE_SCREENSHOTS=1 (docs/dashboard.md says so).
 * Without /usr/bin/chromium the suite skips with the SYSTEM tag (docs/testing.md "System components").
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { post } from '../helpers/server.js';
import { adapters, type TestDb } from '../helpers/stores.js';
import { threat } from '../threats/reporter.js';
import { buildScenario, type Scenario, tapAt } from './scenario.js';

/** The page's globals, in functions run in the browser (this package compiles without the DOM lib). */
declare const window: { __xss?: number; location: { hash: string } };
declare const document: { querySelectorAll(s: string): { length: number } };

const CHROMIUM = '/usr/bin/chromium';
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
const MASKED = /^[0-9]{6}\*{6}[0-9]{4}$/;
/** The committed screenshot, written only when asked (a test run leaves the tree clean). */
const DOCS_PNG = fileURLToPath(new URL('../../../../../docs/dashboard.png', import.meta.url));
const UPDATE =
  process.env.OPENVSE_UPDATE_SCREENSHOTS === '1' || process.env.OPENVSE_UPDATE_SCREENSHOT === '1';

describe('analyst dashboard in headless Chromium', { skip, timeout: 180_000 }, () => {
  let db: TestDb;
  let sc: Scenario;
  let base: string;
  let userDataDir: string;

  before(async () => {
    db = await sqlite.open();
    sc = await buildScenario(db);
    await sc.srv.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = sc.srv.app.server.address();
    assert.ok(addr && typeof addr === 'object');
    base = `http://127.0.0.1:${addr.port}`;
    userDataDir = mkdtempSync(join(tmpdir(), 'openvse-chromium-'));
  });

  after(async () => {
    await sc?.srv.close();
    await db?.cleanup();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('filters, drills down from a device, explains every decline, and stays live without polling', async () => {
    const { chromium } = await import('playwright-core');
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      viewport: { width: 1400, height: 1000 },
    });
    const problems: string[] = [];
    const answers: string[] = [];
    try {
      const page = await context.newPage();
      page.on('console', (m) => {
        // The one refused filter below answers 400, which the browser logs.
        if (m.type() === 'error' && !/status of 400/.test(m.text())) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('response', async (r) => {
        if (r.url().includes('/v1/dashboard/') && !r.url().includes('/events'))
          answers.push(await r.text().catch(() => ''));
      });
      const text = async (selector: string) =>
        ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ');
      const row = (id: string) => `#authorizations tr[data-authorization="${id}"]`;

      assert.equal((await page.goto(`${base}/dashboard`))?.status(), 200);
      await page.waitForSelector('body[data-ready="1"][data-live="sse"]', { timeout: 10_000 });

      // ── what is shown ──
      // masked token PANs, amounts in their currency, merchant and terminal
      const approved = row(sc.auth.badApproved);
      const panText = (await page.locator(`${approved} [data-filter-card]`).textContent()) ?? '';
      assert.match(panText, MASKED);
      assert.equal(panText, `${sc.cards.bad.tokenPan.slice(0, 6)}******${sc.cards.bad.tokenPan.slice(-4)}`);
      assert.equal(await text(`${approved} td.amount`), '12.50 EUR');
      assert.equal(await text(`${approved} [data-merchant]`), 'MERCH-BAKERY-01');
      assert.equal(await text(`${approved} [data-terminal]`), 'TERM-0042');
      assert.equal(
        await page.locator(`${approved} [data-open-device]`).getAttribute('data-open-device'),
        sc.bad.deviceId,
      );
      assert.equal(await text(`${row(sc.auth.usd)} td.amount`), '3.50 USD');
      assert.equal(await text(`${row(sc.auth.jpy)} td.amount`), '1250 JPY');
      // a sentence for every decline, those decided before the fraud engine included
      assert.match(await text(`${row(sc.auth.replay)} .why`), /ATC replay/);
      assert.match(await text(`${row(sc.auth.forged)} .why`), /Cryptogram failure/);
      assert.match(await text(`${row(sc.auth.unknown)} .why`), /Unknown card/);
      assert.match(await text(`${row(sc.auth.compromised)} .why`), /V-Guard reported a threat/);
      assert.match(await text(`${row(sc.auth.compromised)} td.reason`), /DEVICE_COMPROMISED \(\+100\)/);
      // named after what fired: the level, not "compromised"
      const lowRow = await text(`${row(sc.auth.lowLevel)} td.reason`);
      assert.equal(await text(`${row(sc.auth.lowLevel)} td.reason .code`), 'PROTECTION_LEVEL_TOO_LOW');
      assert.match(lowRow, /protection level is below the minimum/);
      assert.match(lowRow, /PROTECTION_LEVEL_LOW \(\+45\)/);
      assert.doesNotMatch(lowRow, /COMPROMISED/);
      assert.match(await text('#decline-reasons'), /PROTECTION_LEVEL_TOO_LOW: 1/);
      // devices: never reported is not clean
      const lowDevice = `#devices tr[data-device="${sc.low.deviceId}"]`;
      assert.equal(await page.locator(lowDevice).getAttribute('data-state'), 'never_reported');
      assert.match(await text(lowDevice), /never reported/);
      assert.equal(
        await page.locator(`#devices tr[data-device="${sc.good.deviceId}"]`).getAttribute('data-state'),
        'clean',
      );
      assert.match(await text(`#devices tr[data-device="${sc.bad.deviceId}"]`), /device compromised/);
      assert.equal(await text('[data-tile="never reported"] .n'), '1');
      // a posture finding reported in three scans is one row with its count
      const container = `#feed li[data-code="CONTAINER"][data-device="${sc.good.deviceId}"]`;
      assert.equal(await page.locator(container).count(), 1);
      assert.equal(await page.locator(container).getAttribute('data-count'), '3');
      assert.match(await text(container), /×3/);
      assert.match(await text(container), /runtime=docker/);
      // no full PAN on the page nor in any answer it read
      const html = await page.content();
      for (const p of sc.pans) {
        assert.ok(!html.includes(p), 'a PAN in the page');
        assert.ok(!answers.some((a) => a.includes(p)), 'a PAN in an answer');
      }

      // ── live, without polling ──
      const polled: string[] = [];
      const onRequest = (r: { url(): string }) => {
        if (r.url().includes('/v1/')) polled.push(r.url());
      };
      page.on('request', onRequest);
      await page.waitForTimeout(2500);
      page.off('request', onRequest);
      assert.deepEqual(polled, [], 'nothing polled while the event stream is open');
      assert.match(await text('#status'), /live \(event stream\)/);

      // ── filter: one device's declines ──
      await page.fill('#f-device', sc.bad.deviceId);
      await page.selectOption('#f-decision', 'DECLINE');
      await page.click('#f-apply');
      await page.waitForFunction(
        () => document.querySelectorAll('#authorizations tbody tr[data-authorization]').length === 1,
        undefined,
        { timeout: 5000 },
      );
      assert.equal(await page.locator(row(sc.auth.compromised)).count(), 1);
      assert.equal(await page.locator(`#devices tbody tr[data-device]`).count(), 1);
      assert.equal(await page.locator(`#feed li[data-device="${sc.good.deviceId}"]`).count(), 0);
      assert.match(await text('#decline-reasons-title'), /filtered/);
      // free text: a merchant, then the last four digits of a card
      await page.click('#f-clear');
      await page.fill('#f-q', 'bakery');
      await page.click('#f-apply');
      await page.waitForFunction(
        () => document.querySelectorAll('#authorizations tbody tr[data-authorization]').length === 1,
        undefined,
        { timeout: 5000 },
      );
      assert.equal(await page.locator(row(sc.auth.badApproved)).count(), 1);
      await page.fill('#f-q', sc.cards.good.tokenPan.slice(-4));
      await page.click('#f-apply');
      await page.waitForFunction(
        () => document.querySelectorAll('#authorizations tbody tr[data-authorization]').length === 4,
        undefined,
        { timeout: 5000 },
      );
      // a full PAN is refused by the server, and the page says so
      await page.fill('#f-q', sc.cards.good.tokenPan);
      await page.click('#f-apply');
      await page.waitForSelector('#filters[data-error="ERR_VALIDATION"]', { timeout: 5000 });
      assert.match(await text('#filter-error'), /filter refused: ERR_VALIDATION/);
      await page.click('#f-clear');
      await page.waitForFunction(
        () => document.querySelectorAll('#authorizations tbody tr[data-authorization]').length === 8,
        undefined,
        { timeout: 5000 },
      );
      assert.equal(await text('#filter-error'), '');

      // ── drill down: a device's cards, threats, authorizations, decisions ──
      await page.click(`#devices tr[data-device="${sc.good.deviceId}"] [data-open-device]`);
      await page.waitForSelector(`#device-detail[data-device="${sc.good.deviceId}"]:not([hidden])`, {
        timeout: 5000,
      });
      await page.waitForSelector('body[data-detail="ready"]');
      assert.equal(await page.evaluate(() => window.location.hash), `#device=${sc.good.deviceId}`);
      assert.equal(await page.locator('#detail-cards tbody tr[data-card]').count(), 1);
      assert.match((await page.locator('#detail-cards [data-filter-card]').textContent()) ?? '', MASKED);
      assert.equal(
        await page.locator('#detail-findings tr[data-code="CONTAINER"]').getAttribute('data-count'),
        '3',
      );
      assert.equal(await page.locator('#detail-authorizations tbody tr[data-authorization]').count(), 4);
      assert.match(await text('#detail-authorizations'), /ATC replay/);
      assert.match(await text('#detail-authorizations'), /MERCH-CAFE-22/);
      assert.match(await text('#detail-decisions'), /provision approve/);
      // live in the detail too: the finding seen again, and a new one
      const t0 = Date.now();
      const again = await sc.good.post(
        sc.srv.app,
        await sc.good.report([
          threat('CONTAINER', { runtime: 'docker' }),
          threat('LD_PRELOAD', { lib: '/tmp/hook.so' }),
        ]),
      );
      assert.equal(again.status, 200);
      await page.waitForSelector('#detail-findings tr[data-code="CONTAINER"][data-count="4"]', {
        timeout: 5000,
      });
      await page.waitForSelector(`${container}[data-count="4"]`, { timeout: 5000 });
      await page.waitForSelector(`#feed li[data-code="LD_PRELOAD"][data-device="${sc.good.deviceId}"]`, {
        timeout: 5000,
      });
      await page.waitForSelector(`#device-detail[data-state="compromised"]`, { timeout: 5000 });
      assert.ok(Date.now() - t0 < 5000);
      // the never-reported device, its refusal for the level
      await page.click(`#devices tr[data-device="${sc.low.deviceId}"] [data-open-device]`);
      await page.waitForSelector(
        `#device-detail[data-device="${sc.low.deviceId}"][data-state="never_reported"]`,
        {
          timeout: 5000,
        },
      );
      await page.waitForSelector('body[data-detail="ready"]');
      assert.match(await text('#detail-title'), /never reported/);
      assert.match(await text('#detail-findings'), /never reported: no V-Guard scan received/);
      assert.match(await text('[data-fact="Protection level"]'), /L0/);
      assert.match(await text('#detail-authorizations'), /PROTECTION_LEVEL_TOO_LOW/);
      assert.match(
        await text('#detail-decisions'),
        /authorization step_up score 45 · PROTECTION_LEVEL_TOO_LOW/,
      );
      // a new authorization appears live (event stream), in the detail and in the list
      const live = await tapAt(sc.srv.app, sc.cards.low, 150, '826', {
        merchantId: 'MERCH-TAXI-5',
        terminalId: 'TERM-88',
      });
      assert.equal(live.body.reason, 'PROTECTION_LEVEL_TOO_LOW');
      const liveId = live.body.authorizationId as string;
      await page.waitForSelector(`#detail-authorizations tr[data-authorization="${liveId}"]`, {
        timeout: 5000,
      });
      await page.waitForSelector(row(liveId), { timeout: 5000 });
      assert.equal(await text(`${row(liveId)} td.amount`), '1.50 GBP');
      assert.equal(await text(`${row(liveId)} [data-merchant]`), 'MERCH-TAXI-5');
      // back to the whole fleet
      await page.click('#detail-close');
      await page.waitForSelector('#device-detail[hidden]', { state: 'attached' });
      assert.equal(await page.evaluate(() => window.location.hash), '');

      // ── the screenshot of the docs: a device's detail (opened from the feed) above the fleet ──
      await page.click(
        `#feed li[data-code="CONTAINER"][data-device="${sc.good.deviceId}"] [data-open-device]`,
      );
      await page.waitForSelector(`#device-detail[data-device="${sc.good.deviceId}"]:not([hidden])`, {
        timeout: 5000,
      });
      await page.waitForSelector('body[data-detail="ready"]');
      const shot = join(mkdtempSync(join(tmpdir(), 'openvse-dashboard-')), 'dashboard.png');
      // From the top to the fraud decisions (the policy, key inventory and audit panels below are
      // dashboard.test.ts's and operators.test.ts's).
      const bottom = (await page.evaluate(
        "document.getElementById('decisions').closest('section').getBoundingClientRect().bottom + window.scrollY",
      )) as number;
      await page.screenshot({
        path: shot,
        fullPage: true,
        clip: { x: 0, y: 0, width: 1400, height: Math.ceil(bottom) + 16 },
      });
      if (UPDATE) {
        copyFileSync(shot, DOCS_PNG);
        console.log(`dashboard screenshot: ${shot} (copied to docs/dashboard.png)`);
      } else
        console.log(
          `dashboard screenshot: ${shot} (OPENVSE_UPDATE_SCREENSHOTS=1 updates docs/dashboard.png)`,
        );

      // ── untrusted text stays text: an acquirer's merchant and terminal ids ──
      const xss = '<img src=x onerror=__xss=1>';
      const odd = await tapAt(sc.srv.app, sc.cards.good, 200, '978', {
        merchantId: xss,
        terminalId: '"><b>t</b>',
      });
      const oddId = odd.body.authorizationId as string;
      await page.waitForSelector(`#detail-authorizations tr[data-authorization="${oddId}"]`, {
        timeout: 5000,
      });
      await page.waitForSelector(row(oddId), { timeout: 5000 });
      assert.equal(await text(`${row(oddId)} [data-merchant]`), xss);
      assert.equal(await text(`${row(oddId)} [data-terminal]`), '"><b>t</b>');
      assert.equal(
        await page
          .locator('#authorizations img, #authorizations b, #device-detail img, #device-detail b')
          .count(),
        0,
      );
      assert.equal(await page.evaluate(() => window.__xss), undefined);
      assert.deepEqual(problems, [], 'no console errors (CSP violations included)');

      // ── without the event stream: a slow refresh, and the header says so ──
      const blind = await context.newPage();
      await blind.route('**/v1/dashboard/events', (r) => r.abort());
      await blind.goto(`${base}/dashboard`);
      await blind.waitForSelector('body[data-ready="1"][data-live="polling"]', { timeout: 10_000 });
      assert.match((await blind.textContent('#status')) ?? '', /polling every 15 s \(event stream down\)/);
      await blind.close();
    } finally {
      await context.close();
    }
  });

  it('the page script builds its DOM without HTML parsing of data', async () => {
    // the script without its comments (which say "never innerHTML")
    const js = (await (await fetch(`${base}/dashboard/app.js`)).text()).replace(/^\s*\/\/.*$/gm, '');
    for (const sink of [
      'innerHTML',
      'outerHTML',
      'insertAdjacentHTML',
      'document.write',
      'eval(',
      'new Function',
    ])
      assert.ok(!js.includes(sink), sink);
    // untrusted evidence through a report: stored and served as data
    const r = await sc.bad.post(
      sc.srv.app,
      await sc.bad.report([threat('LD_PRELOAD', { lib: '<script>x</script>' })]),
    );
    assert.equal(r.status, 200);
    const feed = (await (
      await fetch(`${base}/v1/dashboard/findings?deviceId=${sc.bad.deviceId}`)
    ).json()) as {
      findings: { code: string; evidence: Record<string, unknown> }[];
    };
    assert.equal(feed.findings.find((f) => f.code === 'LD_PRELOAD')?.evidence.lib, '<script>x</script>');
    const denied = await post(sc.srv.app, '/v1/dashboard/devices', {});
    assert.equal(denied.status, 404, 'read-only');
  });
});
