/**
 * Operator sign-in in headless Chromium driven by playwright-core (docs/server-api.md
 * "Operators"): a real server with authentication configured (local operator accounts) on
 * 127.0.0.1:0. Signed out, /dashboard shows the sign-in page; a viewer sees the dashboard but
 * cannot change the fleet policy (no editor, and the server refuses the call); a security admin
 * proposes a change, which does not take effect and which they cannot approve themselves; a
 * second security admin approves it in their own session and the new version is in force; the
 * audit log panel shows all of it. No console error but the expected 401s (a CSP violation is one).
 * Without /usr/bin/chromium the suite skips with the SYSTEM tag (docs/testing.md "System components").
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashOperatorPassword } from '../../src/auth/passwords.js';
import { authorizationServer } from '../auth/test-tokens.js';
import { type TestServer, testServer } from '../helpers/server.js';
import { adapters, type TestDb } from '../helpers/stores.js';
import { Reporter } from '../threats/reporter.js';

/** The page's document, in functions run in the browser (this package compiles without the DOM lib). */
declare const document: { cookie: string; getElementById(id: string): { textContent: string | null } | null };

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];
const PASSWORD = 'a long operator passphrase';
const skip = existsSync(CHROMIUM) ? undefined : `SYSTEM: ${CHROMIUM} is not installed (package chromium)`;
const sqlite = (await adapters()).find((x) => x.name === 'sqlite')!;

describe('dashboard operator sign-in in headless Chromium', { skip, timeout: 120_000 }, () => {
  let db: TestDb;
  let srv: TestServer;
  let base: string;
  let userDataDir: string;

  before(async () => {
    db = await sqlite.open();
    const passwordHash = await hashOperatorPassword(PASSWORD);
    srv = await testServer(db, {
      logger: false,
      auth: {
        accessTokens: (await authorizationServer()).config.accessTokens,
        operators: {
          accounts: [
            { username: 'vera', role: 'viewer', passwordHash },
            { username: 'sam', role: 'security-admin', passwordHash },
            { username: 'sue', role: 'security-admin', passwordHash },
          ],
        },
      },
    });
    await srv.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = srv.app.server.address();
    assert.ok(addr && typeof addr === 'object');
    base = `http://127.0.0.1:${addr.port}`;
    userDataDir = mkdtempSync(join(tmpdir(), 'openvse-chromium-'));
    const device = await Reporter.create();
    assert.equal((await device.enroll(srv.app)).status, 201);
  });

  after(async () => {
    await srv?.close();
    await db?.cleanup();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('signed out → sign-in page; a viewer cannot change policy; a change needs a second admin', async () => {
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
        // The browser logs every 401 and 403 answer (signed out, wrong password, the viewer's refused
        // policy change); those are expected.
        if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      const signIn = async (username: string, password = PASSWORD) => {
        await page.fill('#signin-user', username);
        await page.fill('#signin-pass', password);
        await page.click('#signin-submit');
      };
      const signOut = async () => {
        await page.click('#signout');
        await page.waitForSelector('body[data-view="signin"]');
      };

      // signed out: the sign-in page, nothing of the dashboard
      const res = await page.goto(`${base}/dashboard`);
      assert.equal(res?.status(), 200);
      await page.waitForSelector('body[data-view="signin"]', { timeout: 10_000 });
      assert.ok(await page.isVisible('#signin-form'));
      assert.ok(await page.isHidden('#app'));
      await signIn('vera', 'not the right passphrase');
      await page.waitForFunction(() => document.getElementById('signin-error')?.textContent !== '');
      assert.match((await page.textContent('#signin-error')) ?? '', /wrong username or password/);
      assert.ok(await page.isHidden('#app'));

      // a viewer: the dashboard, no policy editor, and the server refuses a policy change anyway
      await signIn('vera');
      await page.waitForSelector('body[data-view="app"][data-role="operator:viewer"]', { timeout: 10_000 });
      await page.waitForSelector('body[data-ready="1"]', { timeout: 10_000 });
      assert.match((await page.textContent('#who')) ?? '', /vera \(viewer\)/);
      assert.ok(await page.isHidden('#policy-editor'));
      assert.ok(await page.isVisible('#policy-readonly'));
      const cookies = await context.cookies(base);
      const session = cookies.find((c) => c.name === 'openvse_session');
      assert.ok(session, 'the session cookie');
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, 'Strict');
      assert.equal(await page.evaluate(() => document.cookie), '', 'not readable by script');
      const forced = await page.evaluate(async () => {
        const me = (await (await fetch('/v1/operator/session')).json()) as { csrfToken: string };
        const r = await fetch('/v1/policy', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-openvse-csrf': me.csrfToken },
          body: JSON.stringify({ policy: { rules: [{ code: '*', reaction: 'report' }] } }),
        });
        return r.status;
      });
      assert.equal(forced, 403);
      await signOut();
      assert.ok(await page.isHidden('#app'));

      // the first security admin proposes; it is not in force and they cannot approve it
      const v0 = ((await (await fetch(`${base}/v1/policy`)).json()) as { version: number }).version as number;
      await signIn('sam');
      await page.waitForSelector('body[data-role="operator:security-admin"]', { timeout: 10_000 });
      await page.waitForSelector('#policy-editor:not([hidden])');
      await page.fill('#policy-rules', JSON.stringify([{ code: '*', reaction: 'report' }]));
      await page.click('#policy-propose');
      await page.waitForSelector('#policy-msg[data-result="202"]');
      await page.waitForSelector('#policy-changes tr[data-status="pending"]', { timeout: 5_000 });
      const row = page.locator('#policy-changes tr[data-status="pending"]');
      const changeId = (await row.getAttribute('data-change'))!;
      assert.match((await row.textContent()) ?? '', /operator:sam.*awaiting a second security admin/);
      assert.equal(await page.locator(`button[data-approve="${changeId}"]`).count(), 0, 'no self-approval');
      assert.equal(
        ((await (await fetch(`${base}/v1/policy`)).json()) as { version: number }).version,
        v0,
        'not in force yet',
      );
      await signOut();

      // a second security admin approves: now it is in force
      await signIn('sue');
      await page.waitForSelector(`button[data-approve="${changeId}"]`, { timeout: 10_000 });
      await page.click(`button[data-approve="${changeId}"]`);
      await page.waitForSelector('#policy-msg[data-result="200"]');
      await page.waitForSelector(`#policy-changes tr[data-change="${changeId}"][data-status="approved"]`, {
        timeout: 5_000,
      });
      assert.equal(
        ((await (await fetch(`${base}/v1/policy`)).json()) as { version: number }).version,
        v0 + 1,
      );
      assert.match((await page.textContent('#policy-msg')) ?? '', /queued to 1 devices/);
      await page.waitForFunction(
        (v) => document.getElementById('policy-current')?.textContent?.startsWith(`version ${v} `),
        v0 + 1,
      );

      // the audit log panel shows who did what
      await page.waitForSelector('#audit tr[data-action="policy.approve"]', { timeout: 5_000 });
      const auditText = (await page.textContent('#audit')) ?? '';
      for (const want of [
        /operator:sue.*policy\.approve/,
        /operator:sam.*policy\.propose/,
        /operator:vera.*policy\.propose.*refused \(403\)/,
        /operator:vera.*operator\.sign-in.*refused \(401\)/,
      ])
        assert.match(auditText.replace(/\s+/g, ' '), want);
      await signOut();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
