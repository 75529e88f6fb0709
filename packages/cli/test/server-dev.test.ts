/**
 * `openvse server --dev` (docs/server-api.md "Development mode"): started with nothing but a data
 * directory, it accepts a wallet built from this checkout — V-OS embedded (level L0), the CBP TA
 * bundled from packages/cbp-ta — which enrolls, gets a card provisioned and a payment approved,
 * with every caller authenticated (the tokens of `<data dir>/credentials/tokens/`) and the fraud
 * engine scoring it. The start-up summary says what was configured and carries no secret. A
 * non-loopback `--host` is refused before anything is created; explicit flags override the dev
 * defaults.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createFileStore, ServerClient, VosProvider, WalletSdk } from '@openvse/cbp-sdk';
import { buildCbpTaBundle, cbpTaCodeSha256 } from '@openvse/cbp-ta';
import type { AuthorizationResponse, CardView } from '@openvse/protocol';
import { createInProcessTransport, runTransaction } from '@openvse/terminal';
import { generateTaSigningKeyPair, startVos, type VosClient } from '@openvse/vos';
import { MAIN, type RunningServer, startServerProcess } from './server-harness.js';

/** The documented test issuer keys, as hex: never in a log. */
const TEST_IMKS = /0123456789ABCDEFFEDCBA9876543210|FEDCBA98765432100123456789ABCDEF/i;

function json(lines: string[]): Record<string, unknown>[] {
  return lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('openvse server --dev', { timeout: 180_000 }, () => {
  let dir = '';
  let dataDir = '';
  let s: RunningServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openvse-server-dev-'));
    dataDir = join(dir, 'data');
    // No flag but the data directory (and the ephemeral port): no KEK, no keys, no policy given.
    s = await startServerProcess(['--dev', '--data-dir', dataDir]);
  });
  after(async () => {
    if (s && s.child.exitCode === null) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const token = (caller: string) =>
    readFileSync(join(dataDir, 'credentials', 'tokens', `${caller}.jwt`), 'utf8').trim();
  const call = async <T>(caller: string, method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${s.address}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token(caller)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, json: (await res.json()) as T };
  };

  test('a wallet built from this checkout enrolls (L0), is provisioned and gets a payment approved', async () => {
    // The bank side: a card digitized by the token requestor.
    const card = await call<CardView>('token-requestor', 'POST', '/v1/cards', {
      fundingPan: '4111111111111111',
      expiry: '3012',
      profile: 'V',
    });
    assert.equal(card.status, 201, JSON.stringify(card.json));
    const activation = card.json.activation?.code;
    assert.ok(activation, 'a cloud card comes with an activation code');

    // The phone: V-OS embedded in this process (L0), the CBP TA of this checkout, signed by a
    // developer's own TA key (the server pins code hashes, not TA keys).
    const taKeys = generateTaSigningKeyPair();
    let vos: VosClient | undefined;
    let provider: VosProvider | undefined;
    let wallet: WalletSdk | undefined;
    try {
      vos = await startVos({ dataDir: join(dir, 'vos'), pinnedTaKeys: [taKeys.publicKeyPem] });
      await vos.installTa(buildCbpTaBundle({ signingKeyPem: taKeys.privateKeyPem }));
      provider = await VosProvider.open({ vos });
      const p = provider;
      const client = new ServerClient({
        baseUrl: s.address,
        deviceProof: (m, t, d) => p.signDeviceRequest(m, t, d),
      });
      wallet = await WalletSdk.open({
        provider,
        server: client,
        store: createFileStore(join(dir, 'wallet.json')),
        checkIntervalMs: 0,
        afterTapDelayMs: 200,
      });
      const enrolled = await wallet.enroll();
      assert.equal(enrolled.protectionLevel, 'L0');
      const provisioned = await wallet.provision(card.json.cardId, activation);
      assert.equal(provisioned.state, 'ACTIVE');
      assert.ok(provisioned.credentialsLeft > 0);

      // The shop: one tap at the terminal, its online request sent by the acquirer.
      const hce = wallet.hce();
      hce.reset();
      const outcome = await runTransaction(createInProcessTransport(hce.processApdu), { amount: 1250 });
      assert.equal(outcome.type, 'ONLINE_REQUEST', JSON.stringify(outcome));
      const auth = await call<AuthorizationResponse>('acquirer', 'POST', '/v1/authorizations', {
        idempotencyKey: 'dev-mode-test-0001',
        tokenPan: outcome.pan,
        chipData: Buffer.from(outcome.chipData!).toString('hex').toUpperCase(),
        amount: 1250,
        currency: '978',
      });
      assert.equal(auth.status, 200);
      assert.equal(auth.json.decision, 'APPROVE', JSON.stringify(auth.json));
      await wallet.idle();
    } finally {
      await wallet?.close().catch(() => {});
      await provider?.close().catch(() => {});
      await vos?.shutdown().catch(() => {});
    }

    // The fraud engine ran (it is on in dev mode), and approved the fresh L0 device.
    const decisions = await call<{ decisions: { context: string; outcome: string }[] }>(
      'operator-viewer',
      'GET',
      '/v1/dashboard/decisions?limit=50',
    );
    assert.equal(decisions.status, 200);
    const contexts = decisions.json.decisions.map((d) => `${d.context}:${d.outcome}`).sort();
    assert.deepEqual(contexts, ['authorization:approve', 'enroll:approve', 'provision:approve']);
  });

  test('the data directory: KEK and credentials 0600, tokens per caller class, a dashboard sign-in', async () => {
    assert.ok(existsSync(join(dataDir, 'openvse.db')));
    for (const f of [
      'kek',
      'credentials/authorization-server.jwk',
      'credentials/operator.json',
      'credentials/operator-password',
      'credentials/tokens/issuer.jwt',
      'credentials/tokens/token-requestor.jwt',
      'credentials/tokens/acquirer.jwt',
      'credentials/tokens/operator-viewer.jwt',
      'credentials/tokens/operator-security-admin.jwt',
    ])
      assert.equal(statSync(join(dataDir, f)).mode & 0o777, 0o600, f);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    const password = readFileSync(join(dataDir, 'credentials', 'operator-password'), 'utf8').trim();
    const signIn = await fetch(`${s.address}/v1/operator/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: s.address },
      body: JSON.stringify({ username: 'dev', password }),
    });
    assert.equal(signIn.status, 200);
    assert.equal(((await signIn.json()) as { role: string }).role, 'operator:security-admin');
    const dashboard = await fetch(`${s.address}/dashboard`);
    assert.equal(dashboard.status, 200);
  });

  test('the start-up summary says what was configured, and no secret', () => {
    const records = json(s.lines);
    const summary = new Map(
      records.filter((r) => typeof r.startup === 'string').map((r) => [r.startup as string, String(r.msg)]),
    );
    assert.deepEqual(
      [...summary.keys()],
      ['database', 'issuer-keys', 'allowed-tas', 'minimum-level', 'fraud', 'auth', 'dashboard', 'stream'],
    );
    assert.match(
      summary.get('database')!,
      new RegExp(`sqlite:${join(dataDir, 'openvse.db')} \\(KEK ${join(dataDir, 'kek')}\\)`),
    );
    // KCVs of the test keys (08D7B4 is IMK_AC's, docs/server-api.md "Keys"), never the keys.
    assert.match(summary.get('issuer-keys')!, /TEST keys.*IMK_AC KCV [0-9A-F]{6}, IMK_MD KCV [0-9A-F]{6}/);
    assert.ok(summary.get('allowed-tas')!.includes(cbpTaCodeSha256()), summary.get('allowed-tas'));
    assert.match(summary.get('minimum-level')!, /: L0\b/);
    assert.match(summary.get('fraud')!, /fraud engine on, .*"minProtectionLevel":"L0"/);
    assert.ok(summary.get('auth')!.includes(join(dataDir, 'credentials', 'tokens')));
    assert.ok(summary.get('dashboard')!.startsWith(`dashboard ${s.address}/dashboard`));
    assert.ok(summary.get('dashboard')!.includes(join(dataDir, 'credentials', 'operator-password')));
    assert.match(summary.get('stream')!, /in-process/);
    const listening = records.findIndex((r) => String(r.msg).startsWith('listening on'));
    assert.ok(listening > records.findIndex((r) => r.startup === 'stream'), 'the summary comes first');

    // No secret anywhere in the output.
    const out = s.lines.join('\n');
    const kek = readFileSync(join(dataDir, 'kek'), 'utf8').trim();
    assert.ok(!out.includes(kek), 'the KEK');
    assert.doesNotMatch(out, TEST_IMKS);
    const jwk = JSON.parse(
      readFileSync(join(dataDir, 'credentials', 'authorization-server.jwk'), 'utf8'),
    ) as {
      d: string;
    };
    assert.ok(!out.includes(jwk.d), 'the authorization server key');
    for (const caller of ['issuer', 'acquirer', 'token-requestor', 'operator-viewer'])
      assert.ok(!out.includes(token(caller).split('.')[2]!), `the ${caller} token`);
    const password = readFileSync(join(dataDir, 'credentials', 'operator-password'), 'utf8').trim();
    assert.ok(!out.includes(password), 'the operator password');
    assert.doesNotMatch(out, /\b(489537|535580)\d{10}\b|4111111111111111/, 'no PAN');
  });

  test('SIGTERM closes it with exit 0; it starts again on the same data directory', async () => {
    assert.equal(await s.stop(), 0);
    const again = await startServerProcess(['--dev', '--data-dir', dataDir]);
    try {
      const cards = await fetch(`${again.address}/v1/dashboard/cards`, {
        headers: { authorization: `Bearer ${token('operator-viewer')}` },
      });
      assert.equal(cards.status, 200);
      assert.equal(((await cards.json()) as { cards: unknown[] }).cards.length, 1);
    } finally {
      assert.equal(await again.stop('SIGINT'), 0);
    }
  });
});

describe('openvse server --dev: flags', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openvse-server-dev-flags-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a non-loopback --host is refused (exit 2) before anything is created', () => {
    const dataDir = join(dir, 'never');
    const r = spawnSync(
      process.execPath,
      [MAIN, 'server', '--dev', '--port', '0', '--host', '0.0.0.0', '--data-dir', dataDir],
      { env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 20_000 },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /^openvse server: ERR_USAGE: --dev listens on loopback addresses only; --host 0\.0\.0\.0/,
    );
    assert.match(r.stderr, /\n {2}hint: /);
    assert.equal(existsSync(dataDir), false);
  });

  test('explicit flags override the dev defaults', async () => {
    const other = 'ab'.repeat(32);
    const fraudFile = join(dir, 'fraud.json');
    writeFileSync(fraudFile, JSON.stringify({ thresholds: { stepUp: 50, decline: 80 } }));
    const s = await startServerProcess([
      '--dev',
      '--data-dir',
      join(dir, 'data'),
      '--allow-ta',
      other,
      '--min-level',
      'L1',
      '--fraud-config',
      fraudFile,
      '--open',
    ]);
    try {
      const msg = (key: string) => String(json(s.lines).find((r) => r.startup === key)?.msg ?? '');
      assert.ok(msg('allowed-tas').includes(other));
      assert.ok(!msg('allowed-tas').includes(cbpTaCodeSha256()));
      assert.match(msg('minimum-level'), /: L1$/);
      assert.ok(msg('fraud').includes(fraudFile));
      assert.match(msg('auth'), /^open development mode/);
      assert.match(msg('issuer-keys'), /TEST keys/, 'the test issuer stays');
      // --open: no token needed
      assert.equal((await fetch(`${s.address}/v1/issuer/keys`)).status, 200);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });
});
