// @ts-check
/**
 * OpenVSE wallet quickstart: the wallet developer's path, start to finish, in one file.
 *
 *   1. the wallet's secure element: V-OS embedded in this process, the CBP TA installed in it;
 *   2. the card: the token requestor digitizes a test card at the CBP server;
 *   3. the wallet enrolls (V-OS attestation) and provisions the card (keys go into V-OS only);
 *   4. the phone taps the in-process POS terminal (packages/terminal, Kernel 3);
 *   5. the acquirer sends the terminal's chip data to the server for authorization.
 *
 * It talks to a CBP server started separately in development mode:
 *
 *   openvse server --dev --data-dir /tmp/openvse-dev
 *   node quickstart.mjs http://127.0.0.1:7070 /tmp/openvse-dev
 *
 * Arguments (or environment variables):
 *   1. the server's URL        OPENVSE_SERVER_URL       default http://127.0.0.1:7070
 *   2. the server's data dir   OPENVSE_SERVER_DATA_DIR  the `--data-dir` it was started with; default
 *      the one `openvse server --dev` uses without it: $OPENVSE_DATA_DIR/dev, else
 *      $XDG_DATA_HOME/openvse/dev, else ~/.local/share/openvse/dev
 * From the data dir it reads the development access tokens that `openvse server` writes at every
 * start (`credentials/tokens/<caller class>.jwt`): `token-requestor.jwt` to digitize the card,
 * `acquirer.jwt` to send the authorization. A real wallet holds neither: those calls belong to the
 * token requestor's and the acquirer's back ends.
 *
 * The wallet's own state (V-OS sealed storage) lives in a fresh temporary folder, removed at the
 * end: each run is a new phone, enrolled as a device of its own. Exit code 0 when the payment was
 * approved, 1 otherwise. Plain ESM with JSDoc types: copy it and run it with Node 20.10 or later;
 * `npm run typecheck` checks it against the packages' types.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerClient, VosProvider, WalletSdk } from '@openvse/cbp-sdk';
import { buildCbpTaBundle, cbpTaCodeSha256 } from '@openvse/cbp-ta';
import { createInProcessTransport, runTransaction } from '@openvse/terminal';
import { generateTaSigningKeyPair, startVos } from '@openvse/vos';

/** @typedef {import('@openvse/protocol').AuthorizationRequest} AuthorizationRequest */
/** @typedef {import('@openvse/protocol').AuthorizationResponse} AuthorizationResponse */
/** @typedef {import('@openvse/protocol').CardView} CardView */
/** @typedef {import('@openvse/terminal').Outcome} Outcome */

const serverUrl = (process.argv[2] ?? process.env.OPENVSE_SERVER_URL ?? 'http://127.0.0.1:7070').replace(
  /\/+$/,
  '',
);
const serverDataDir =
  process.argv[3] ??
  process.env.OPENVSE_SERVER_DATA_DIR ??
  join(
    process.env.OPENVSE_DATA_DIR ??
      (process.env.XDG_DATA_HOME
        ? join(process.env.XDG_DATA_HOME, 'openvse')
        : join(homedir(), '.local', 'share', 'openvse')),
    'dev',
  );

/** 12.50 EUR: below the test card's CVM limit (50.00), so no cardholder verification is needed. */
const AMOUNT = 1250;

let stepNo = 0;
/** @param {string} text */
function step(text) {
  console.log(`\n[${++stepNo}] ${text}`);
}
/** @param {string} text */
function info(text) {
  console.log(`    ${text}`);
}
/** 489537••••••1234: BIN and last four only. @param {string | undefined} pan */
function masked(pan) {
  return pan ? `${pan.slice(0, 6)}${'•'.repeat(Math.max(0, pan.length - 10))}${pan.slice(-4)}` : '?';
}

/**
 * A development access token of `openvse server` (renewed at each start, valid 24 h).
 * @param {'token-requestor' | 'acquirer'} caller
 */
function token(caller) {
  const file = join(serverDataDir, 'credentials', 'tokens', `${caller}.jwt`);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error(
      `no access token at ${file}: is \`openvse server --dev --data-dir ${serverDataDir}\` running?`,
    );
  }
}

/**
 * JSON over HTTP as a back end (token requestor, acquirer) calls the server.
 * @param {string} path
 * @param {unknown} body
 * @param {'token-requestor' | 'acquirer'} caller
 * @returns {Promise<unknown>}
 */
async function post(path, body, caller) {
  const res = await fetch(`${serverUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token(caller)}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text);
}

const walletDir = mkdtempSync(join(tmpdir(), 'openvse-wallet-'));
/** @type {import('@openvse/vos').VosClient | undefined} */
let vos;
/** @type {VosProvider | undefined} */
let provider;
/** @type {WalletSdk | undefined} */
let wallet;

try {
  console.log(`OpenVSE wallet quickstart: CBP server ${serverUrl}, server data dir ${serverDataDir}`);
  const health = await fetch(`${serverUrl}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(
    (/** @type {unknown} */ e) => {
      throw new Error(`no CBP server at ${serverUrl} (${e instanceof Error ? e.message : e})`);
    },
  );
  if (health.status !== 200) throw new Error(`${serverUrl}/healthz: HTTP ${health.status}`);

  // ── 1. The secure element: V-OS on this machine, the CBP TA installed ──────────────────────────
  step('V-OS: start it embedded in this process, install the CBP TA');
  // V-OS runs only TAs signed by a key it pins. A bank signs its CBP TA build once and ships the
  // bundle with the app; here a fresh TA-signing key pair is made for this run.
  const taKeys = generateTaSigningKeyPair();
  vos = await startVos({
    dataDir: join(walletDir, 'vos'),
    pinnedTaKeys: [taKeys.publicKeyPem],
    // Every run of this quickstart is a new phone. Left out, the identity is this machine's, and
    // so is the device id the server pins to the phone's V-OS platform key at enrollment: a second
    // run with a fresh V-OS would be refused as a reinstalled wallet (ERR_PLATFORM_KEY_MISMATCH).
    rootOfTrust: { kind: 'keyfile', deviceIdentity: randomUUID() },
  });
  const installed = await vos.installTa(buildCbpTaBundle({ signingKeyPem: taKeys.privateKeyPem }));
  const status = await vos.status();
  info(`${installed.name} ${installed.version} installed (TA ${installed.uuid})`);
  info(`TA code SHA-256 ${cbpTaCodeSha256()}: the server must allow-list it (--dev does for this build)`);
  info(
    `protection level ${status.protectionLevel} (embedded V-OS), root of trust ${status.rootOfTrust.kind}`,
  );

  // ── 2. The card: the token requestor digitizes it (after its ID&V) ─────────────────────────────
  step('Token requestor: digitize a test card (profile V) at the CBP server');
  const card = /** @type {CardView} */ (
    await post(
      '/v1/cards',
      { fundingPan: '4111111111111111', expiry: '3012', profile: 'V' },
      'token-requestor',
    )
  );
  if (!card.activation) throw new Error('the server gave no activation code for the card');
  info(`card ${card.cardId}: token ${masked(card.tokenPan)}, ${card.status}`);
  info(
    `one-time activation code for the wallet, valid until ${new Date(card.activation.expiresAt).toISOString()}`,
  );

  // ── 3. The wallet: enroll the device, provision the card ───────────────────────────────────────
  step('Wallet: enroll this device (V-OS attestation)');
  const p = await VosProvider.open({ vos });
  provider = p;
  // Requests to the device's own routes carry proofs signed by V-OS's platform key.
  const server = new ServerClient({
    baseUrl: serverUrl,
    deviceProof: (method, target, bodySha256) => p.signDeviceRequest(method, target, bodySha256),
  });
  wallet = await WalletSdk.open({ provider: p, server, checkIntervalMs: 0 });
  const enrolled = await wallet.enroll();
  info(`device ${enrolled.deviceId} enrolled at level ${enrolled.protectionLevel}`);

  step('Wallet: provision the card (keys delivered encrypted to the TA, unwrapped inside V-OS)');
  const walletCard = await wallet.provision(card.cardId, card.activation.code);
  info(
    `${walletCard.label} ${masked(walletCard.pan)} ${walletCard.state}: ` +
      `${walletCard.credentialsLeft} payments left on its limited-use key`,
  );

  // ── 4. The tap: the terminal talks to the wallet's HCE card emulation ──────────────────────────
  step(`Terminal: tap the phone, ${(AMOUNT / 100).toFixed(2)} EUR`);
  wallet.setDefaultCard(card.cardId);
  const hce = wallet.hce();
  hce.reset(); // a new field: the card forgets any previous selection
  /** @type {Outcome} */
  const outcome = await runTransaction(createInProcessTransport(hce.processApdu), { amount: AMOUNT });
  info(
    `outcome ${outcome.type}, Kernel ${outcome.kernel ?? '-'}, ${outcome.cryptogramType ?? 'no cryptogram'}`,
  );
  if (outcome.type !== 'ONLINE_REQUEST' || !outcome.chipData || !outcome.pan)
    throw new Error(`the terminal has nothing to authorize: ${outcome.reason?.code ?? outcome.type}`);
  info(`chip data: ${outcome.chipData.length} bytes of BER-TLV (ISO 8583 field 55 style)`);

  // ── 5. The authorization: the acquirer sends the chip data to the issuer (the CBP server) ──────
  step('Acquirer: send the chip data for authorization (POST /v1/authorizations)');
  /** @type {AuthorizationRequest} */
  const request = {
    idempotencyKey: randomUUID(), // the same key on every retry of this authorization
    tokenPan: outcome.pan,
    ...(outcome.panSequence ? { panSequence: outcome.panSequence } : {}),
    chipData: Buffer.from(outcome.chipData).toString('hex').toUpperCase(),
    amount: AMOUNT,
    currency: '978', // 5F2A '0978' without its leading zero
    terminalId: 'QUICK001',
    merchantId: 'OPENVSE-QUICKSTART',
  };
  const auth = /** @type {AuthorizationResponse} */ (await post('/v1/authorizations', request, 'acquirer'));
  info(`${auth.decision} ${auth.reason}, response code ${auth.responseCode}, ATC ${auth.atc ?? '?'}`);
  // The wallet's after-tap work (status refresh, replenishment when due) waits 3 s after the tap
  // (afterTapDelayMs), so that the tap's authorization reaches the issuer first.
  await wallet.idle();
  info(`the card has ${wallet.card(card.cardId)?.credentialsLeft ?? '?'} payments left`);

  if (auth.decision !== 'APPROVE') throw new Error(`payment declined: ${auth.reason}`);
  console.log(`\nAPPROVED: ${(AMOUNT / 100).toFixed(2)} EUR paid with token ${masked(outcome.pan)}`);
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  console.error(`\nquickstart failed: ${message}`);
  if (message.includes('ERR_ATTESTATION_CODE_HASH'))
    console.error(
      'The server allow-lists another CBP TA build: start it from the same OpenVSE release as ' +
        '@openvse/cbp-ta here, or add --allow-ta with the TA code SHA-256 printed in step 1.',
    );
  process.exitCode = 1;
} finally {
  await wallet?.close().catch(() => {});
  await provider?.close().catch(() => {});
  await vos?.shutdown().catch(() => {});
  rmSync(walletDir, { recursive: true, force: true });
}
