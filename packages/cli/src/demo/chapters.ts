/**
 * Chapters 1–8 of `openvse demo`: the bank starts its CBP server and creates issuer keys, digitizes
 * a card of each profile, a phone enrolls (V-OS on this machine) and gets both cards, pays at the
 * terminal, runs a LUK past its threshold, has a card suspended / resumed, and deleted.
 * Chapter 9 (a compromised device) is in compromised.ts. The story is README.md "Quick start"
 * (`npm start`); the routes used are docs/server-api.md's.
 */
import { bytesToHex, keyCheckValue } from '@openvse/emv';
import {
  type CardStatus,
  type CardView,
  type LifecycleAction,
  type ProtectionLevel,
  type QueuedMessage,
  type ReactionPolicy,
  ReasonCode,
  type StatusStatement,
} from '@openvse/protocol';
import { TEST_ISSUER_KEYS } from '@openvse/server';
import { DEV_FRAUD_CONFIG } from '../commands/server.js';
import {
  credentialsText,
  DEMO_FILES,
  DEMO_SETTINGS,
  type DemoWorld,
  maskPan,
  type PayResult,
} from './world.js';

const AMOUNTS_V = [1250, 890, 2400];
const AMOUNTS_M = [1575, 640, 1990];

function approved(p: PayResult): boolean {
  return p.outcome.type === 'ONLINE_REQUEST' && p.auth?.decision === 'APPROVE';
}

function payGot(p: PayResult): string {
  if (p.outcome.type === 'ONLINE_REQUEST')
    return p.auth?.decision === 'APPROVE'
      ? `${p.outcome.cryptogramType ?? '?'} → APPROVE (${p.auth.responseCode})`
      : `${p.outcome.cryptogramType ?? '?'} → ${p.auth?.decision ?? '?'} ${p.auth?.reason ?? ''}`.trim();
  return `${p.outcome.type} ${p.outcome.cryptogramType ?? ''} ${p.tap?.reasonName ?? ''}`
    .replace(/\s+/g, ' ')
    .trim();
}

// ───────────────────────── 1 ─────────────────────────

/** Chapter 1: the bank starts its CBP server; issuer keys are generated; callers authenticate. */
export async function chapterServer(w: DemoWorld): Promise<void> {
  const r = w.r;
  r.chapter(1, 'The bank: CBP server and issuer keys');
  r.info(
    `working folder ${w.dir}: the server's SQLite database (${DEMO_FILES.db}) and its KEK ` +
      `(${DEMO_FILES.kek}, 0600), V-OS sealed storage, wallet state`,
  );
  r.info(
    `the bank allow-lists the CBP TA build it ships: code SHA-256 ${w.codeSha256.slice(0, 16)}…, ` +
      `signed with the demo TA key ${w.taKeys.keyId.slice(0, 12)}…`,
  );
  await w.startServer({
    issuerKeys: { mode: 'generate' },
    attestation: { allowedCodeHashes: [w.codeSha256], minimumLevel: 'L0' },
    luk: {
      maxTransactions: DEMO_SETTINGS.lukMaxTransactions,
      ttlSeconds: DEMO_SETTINGS.lukTtlSeconds,
      maxAmount: DEMO_SETTINGS.lukMaxAmount,
    },
    sukBatch: DEMO_SETTINGS.sukBatch,
    cardDefaults: { replenishBelow: DEMO_SETTINGS.replenishBelow },
    // The fraud engine is ON with its defaults, except the protection level rule: the demo's
    // wallet runs V-OS embedded in its own process, which attests L0, and PROTECTION_LEVEL_LOW
    // (default minimum L1, weight 45 ≥ step-up 40) would step up at provisioning. The same
    // settings as `openvse server --dev`.
    fraud: { ...DEV_FRAUD_CONFIG },
  });
  const health = await w.http('GET', '/healthz');
  r.expect(
    'server started',
    'listening on 127.0.0.1, /healthz 200',
    `${w.baseUrl} → /healthz ${health.status}`,
    health.status === 200 && w.baseUrl.startsWith('http://127.0.0.1:'),
  );
  r.info(`dashboard: ${w.baseUrl}/dashboard   (JSON: ${w.baseUrl}/v1/dashboard/overview)`);
  // Every caller authenticates: the back office with access tokens (RFC 9068) from the bank's
  // authorization server, the phone with request proofs signed inside V-OS.
  const anonymous = await fetch(`${w.baseUrl}/v1/issuer/keys`, { signal: AbortSignal.timeout(15_000) });
  const anonymousCode = ((await anonymous.json()) as { error?: { code?: string } }).error?.code;
  r.expect(
    'callers authenticate',
    'no access token → 401',
    `GET /v1/issuer/keys without a token → ${anonymous.status} ${anonymousCode ?? ''}`.trim(),
    anonymous.status === 401 && anonymousCode === 'ERR_UNAUTHENTICATED',
  );
  const keys = await w.http<{
    imkAc: { kcv: string };
    imkMd: { kcv: string };
    serverSigning: { kid: string };
  }>('GET', '/v1/issuer/keys');
  const testAc = bytesToHex(keyCheckValue(TEST_ISSUER_KEYS.imkAc)).toUpperCase();
  const testMd = bytesToHex(keyCheckValue(TEST_ISSUER_KEYS.imkMd)).toUpperCase();
  const ac = keys.json.imkAc?.kcv?.toUpperCase() ?? '';
  const md = keys.json.imkMd?.kcv?.toUpperCase() ?? '';
  r.expect(
    'issuer keys created',
    'fresh keys, KCVs only (not the test issuer)',
    `IMK_AC KCV ${ac}, IMK_MD KCV ${md}`,
    keys.status === 200 &&
      /^[0-9A-F]{6}$/.test(ac) &&
      /^[0-9A-F]{6}$/.test(md) &&
      ac !== testAc &&
      md !== testMd,
  );
  r.info(
    `keys generated inside the server, stored under a random KEK (AES-256-GCM); server signing key ` +
      `${keys.json.serverSigning?.kid?.slice(0, 12) ?? '?'}…`,
  );
  const policy = await w.http<ReactionPolicy>('GET', '/v1/policy');
  const fraudOn = Boolean((w.app as unknown as { services?: { fraud?: unknown } }).services?.fraud);
  r.expect(
    'fraud engine',
    'ON (default rules and thresholds)',
    `${fraudOn ? 'ON' : 'OFF'}: decline ≥ 70, step-up ≥ 40; reaction policy v${policy.json.version} ` +
      `(${policy.json.rules?.length ?? 0} rules)`,
    fraudOn && policy.status === 200,
  );
  r.info(
    'fraud settings changed for the demo: minProtectionLevel L0 (default L1). The demo wallet runs ' +
      'V-OS embedded in its own process, which attests L0 (chapter 10 shows L1), and ' +
      'PROTECTION_LEVEL_LOW (45) would step up provisioning',
  );
  r.info(
    `enrollment policy: minimum level L0; profile V LUK = ${DEMO_SETTINGS.lukMaxTransactions} taps ` +
      `(small on purpose, see chapter 6); profile M = ${DEMO_SETTINGS.sukBatch} SUKs per batch; ` +
      `the wallet replenishes below ${DEMO_SETTINGS.replenishBelow}`,
  );
}

// ───────────────────────── 2 ─────────────────────────

/** Chapter 2: the token requestor digitizes a card of each profile. */
export async function chapterDigitize(w: DemoWorld): Promise<void> {
  const r = w.r;
  r.chapter(2, 'Digitize one card of each profile');
  for (const profile of ['V', 'M'] as const) {
    const fundingPan = profile === 'V' ? DEMO_SETTINGS.fundingPanV : DEMO_SETTINGS.fundingPanM;
    const res = await w.http<CardView>('POST', '/v1/cards', {
      fundingPan,
      expiry: DEMO_SETTINGS.expiry,
      profile,
    });
    const bin = profile === 'V' ? '489537' : '535580';
    const ok =
      res.status === 201 && res.json.status === 'ACTIVE' && Boolean(res.json.tokenPan?.startsWith(bin));
    if (ok) {
      w.cards[profile] = res.json.cardId;
      w.tokenPans.set(res.json.cardId, res.json.tokenPan!);
      if (res.json.activation) w.activationCodes.set(res.json.cardId, res.json.activation.code);
    }
    r.expect(
      `profile ${profile} digitized`,
      `201, ACTIVE token on BIN ${bin}`,
      res.status === 201
        ? `funding •••• ${res.json.fundingPanLast4} → token ${maskPan(res.json.tokenPan)} ${res.json.status}`
        : `HTTP ${res.status}`,
      ok,
    );
    if (ok) r.info(`card id ${res.json.cardId}`);
  }
}

// ───────────────────────── 3 ─────────────────────────

/** Chapter 3: V-OS starts, the CBP TA is installed, the wallet enrolls (attestation) with V-Guard on. */
export async function chapterEnroll(w: DemoWorld): Promise<void> {
  const r = w.r;
  r.chapter(3, 'Enroll the wallet (V-OS on this machine)');
  const vos = await w.startVos();
  const installed = await vos.installTa(w.bundle);
  const st = await vos.status();
  const ta = st.installedTas.find((t) => t.uuid === installed.uuid);
  r.expect(
    'V-OS started, CBP TA installed',
    'bundle signed by the pinned demo TA key',
    `${installed.name} ${installed.version} (${installed.uuid.slice(0, 8)}…), code ${ta?.codeSha256.slice(0, 16) ?? '?'}…`,
    ta?.codeSha256 === w.codeSha256,
  );
  r.info(
    `V-OS ${st.vosVersion}: protection level ${st.protectionLevel}, root of trust ${st.rootOfTrust.kind}` +
      `${st.rootOfTrust.hardwareBacked ? ' (hardware)' : ' (key file, no hardware)'}`,
  );
  for (const why of st.isolationReasons) r.info(`why ${st.protectionLevel}: ${why}`);
  const wallet = await w.openWallet();
  const enrolled = await wallet.enroll();
  const dev = await w.http<{ devices: { deviceId: string; protectionLevel: ProtectionLevel }[] }>(
    'GET',
    '/v1/dashboard/devices?limit=10',
  );
  const seen = dev.json.devices?.find((d) => d.deviceId === enrolled.deviceId);
  r.expect(
    'enrollment (attestation verified)',
    `device enrolled at level ${st.protectionLevel}`,
    `device ${enrolled.deviceId.slice(0, 16)}… enrolled, level ${enrolled.protectionLevel}`,
    Boolean(seen) && enrolled.protectionLevel === st.protectionLevel,
  );
  r.info(
    'the server checked the V-OS platform signature, its nonce, the TA UUID and code hash (allow-list) ' +
      'and the level; it pinned the platform key and stored the TA encryption / signing keys',
  );
  // V-Guard: the wallet scanned when it opened (before enrollment: the report waited for a device id).
  await w.link!.flush();
  const scan = w.guardEventsSince(0, 'scan')[0];
  const sent = w.guardEventsSince(0, 'report-sent');
  const last = w.link!.lastResult;
  const findings = scan?.report.threats.map((t) => `${t.code} (${t.class}, ${t.severity})`) ?? [];
  r.expect(
    'V-Guard on in the wallet',
    'signed start scan accepted, not compromised',
    last
      ? `scan ${scan?.report.clean ? 'clean' : 'NOT clean'}, V-OS flags: ${scan?.flags.join(', ') || 'none'}; ` +
          `report seq ${last.seq} accepted → device ${last.risk.state}`
      : 'no report accepted',
    Boolean(last) && sent.length > 0 && last?.risk.state !== 'compromised',
  );
  r.info(`findings: ${findings.join(', ') || 'none'} (environment = posture: reported, blocks nothing)`);
  if (w.allowLibraries.length > 0)
    r.info(
      'V-Guard allows the in-process server’s SQLite addon (better_sqlite3.node): only the demo maps it into the wallet process',
    );
}

// ───────────────────────── 4 ─────────────────────────

/** Chapter 4: both cards provisioned to the wallet (keys unwrapped inside V-OS). */
export async function chapterProvision(w: DemoWorld): Promise<void> {
  const r = w.r;
  r.chapter(4, 'Provision both cards');
  for (const profile of ['V', 'M'] as const) {
    const id = w.cards[profile];
    if (!id) throw new Error(`no profile ${profile} card (chapter 2 failed)`);
    // The wallet presents the token requestor's one-time activation code (its proof of ID&V).
    const card = await w.w.provision(id, w.activationCodes.get(id));
    const want = profile === 'V' ? DEMO_SETTINGS.lukMaxTransactions : DEMO_SETTINGS.sukBatch;
    r.expect(
      `profile ${profile} provisioned`,
      `ACTIVE in the TA, ${profile === 'V' ? `a LUK for ${want} taps` : `${want} SUKs`}`,
      `${card.label} ${maskPan(card.pan)} ${card.state}, ${credentialsText(card)}, ATC ${card.atc}`,
      card.state === 'ACTIVE' && card.credentialsLeft === want && card.pan === w.tokenPans.get(id),
    );
  }
  r.info(
    'provision + credentials messages: JWS signed by the server inside JWE encrypted to the TA key; ' +
      'the wallet relayed them unopened, the keys were unwrapped inside V-OS',
  );
}

// ───────────────────────── 5 ─────────────────────────

/** Chapter 5: three approved taps with each card at the terminal. */
export async function chapterPay(w: DemoWorld): Promise<void> {
  const r = w.r;
  r.chapter(5, 'Pay at the terminal: 3 taps with each card');
  r.info(
    'terminal (packages/terminal) ↔ HCE over an in-process APDU transport; its online request → POST /v1/authorizations',
  );
  for (const profile of ['V', 'M'] as const) {
    const id = w.cards[profile]!;
    const amounts = profile === 'V' ? AMOUNTS_V : AMOUNTS_M;
    const kernel = profile === 'V' ? 3 : 2;
    const results: PayResult[] = [];
    for (const a of amounts) results.push(await w.pay(id, a));
    const good = results.filter((p) => approved(p) && p.outcome.kernel === kernel).length;
    r.expect(
      `profile ${profile}: 3 payments`,
      `3 × Kernel ${kernel} ARQC → APPROVE`,
      `${good}/3 approved${results.some((p) => p.outcome.kernel !== kernel) ? ' (wrong kernel)' : ''}`,
      good === 3,
    );
  }
  r.info(
    `each tap also started a V-Guard payment scan, signed by V-OS and sent: ` +
      `${w.guardEventsSince(0, 'report-sent').length} reports accepted so far`,
  );
  const replenished = w.eventsSince(0, 'replenished').length;
  r.info(
    `meanwhile the SDK replenished ${replenished} time${replenished === 1 ? '' : 's'} on its own ` +
      `(credentials below ${DEMO_SETTINGS.replenishBelow} after a tap)`,
  );
}

// ───────────────────────── 6 ─────────────────────────

/** Chapter 6: offline, a LUK runs past its threshold; back online, the SDK replenishes. */
export async function chapterLukThreshold(w: DemoWorld): Promise<void> {
  const r = w.r;
  const id = w.cards.V!;
  r.chapter(6, 'Profile V: run a LUK past its threshold, watch the SDK replenish');
  w.phoneOnline = false;
  r.step(
    true,
    'the phone goes offline (airplane mode): the wallet cannot replenish; the shop is still online',
  );
  const start = w.w.card(id)!;
  r.info(`${credentialsText(start)} (threshold: ${DEMO_SETTINGS.lukMaxTransactions} transactions per LUK)`);
  const from = w.events.length;
  let approvedCount = 0;
  let past: PayResult | undefined;
  for (let i = 0; i < DEMO_SETTINGS.lukMaxTransactions + 2; i++) {
    const p = await w.pay(id, 500 + 100 * i, i < start.credentialsLeft ? 'approve' : 'decline');
    if (approved(p)) approvedCount++;
    else {
      past = p;
      break;
    }
  }
  const queued = w.eventsSince(from, 'replenish-queued').length;
  r.expect(
    'payments while the LUK lasts',
    `${start.credentialsLeft} approved, replenishment queued`,
    `${approvedCount} approved, replenishment ${queued > 0 ? `queued (${queued} attempts)` : 'not queued'}`,
    approvedCount === start.credentialsLeft && queued > 0,
  );
  r.expect(
    'the tap past the threshold',
    'card declines: AAC, LUK_MAX_TRANSACTIONS',
    past ? payGot(past) : 'no decline',
    past?.outcome.type === 'DECLINED' &&
      past.outcome.cryptogramType === 'AAC' &&
      past.tap?.reasonName === 'LUK_MAX_TRANSACTIONS',
  );
  const before = w.events.length;
  w.phoneOnline = true;
  r.step(true, 'the phone is back online: the SDK retries its queued request with backoff, by itself');
  const deadline = Date.now() + 10_000;
  while (w.w.pendingReplenishments().length > 0 && Date.now() < deadline)
    await new Promise((res) => setTimeout(res, 50));
  await w.w.idle();
  const card = w.w.card(id);
  const replenished = w.eventsSince(before, 'replenished').length > 0;
  r.expect(
    'the SDK replenishes',
    `a new LUK (${DEMO_SETTINGS.lukMaxTransactions} taps)`,
    replenished ? `new LUK applied, ${credentialsText(card)}` : `no replenishment (${credentialsText(card)})`,
    replenished && card?.credentialsLeft === DEMO_SETTINGS.lukMaxTransactions,
  );
  const next = await w.pay(id, 1100);
  r.expect('the next tap', 'ARQC → APPROVE', payGot(next), approved(next));
}

// ───────────────────────── 7 ─────────────────────────

async function lifecycle(w: DemoWorld, cardId: string, action: LifecycleAction) {
  const res = await w.http<{ cardId: string; status: CardStatus; messages: QueuedMessage[] }>(
    'POST',
    `/v1/cards/${cardId}/${action}`,
    {},
  );
  if (res.status !== 200) throw new Error(`${action}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/** Chapter 7: the bank suspends the profile M card, a tap is declined, the card is resumed. */
export async function chapterSuspend(w: DemoWorld): Promise<void> {
  const r = w.r;
  const id = w.cards.M!;
  r.chapter(7, 'Profile M: suspend, tap declined, resume');
  const s = await lifecycle(w, id, 'suspend');
  r.step(s.status === 'SUSPENDED', `the bank suspends the card (POST /v1/cards/:id/suspend) → ${s.status}`);
  const e0 = w.events.length;
  const n = await w.w.fetchMessages();
  const suspended = w.w.card(id);
  const typs = w.eventsSince(e0, 'message-applied').map((e) => e.typ);
  r.expect(
    'lifecycle message fetched',
    'card SUSPENDED in the TA',
    `${n} message${n === 1 ? '' : 's'} applied (${typs.join(', ') || 'none'}) → ${suspended?.state ?? 'card gone'}`,
    suspended?.state === 'SUSPENDED',
  );
  const declined = await w.pay(id, 720, 'decline');
  r.expect(
    'tap while suspended',
    'card declines: AAC, CARD_SUSPENDED',
    payGot(declined),
    declined.outcome.type === 'DECLINED' &&
      declined.outcome.cryptogramType === 'AAC' &&
      declined.tap?.reasonName === 'CARD_SUSPENDED',
  );
  const res = await lifecycle(w, id, 'resume');
  r.step(res.status === 'ACTIVE', `the bank resumes the card → ${res.status}`);
  await w.w.fetchMessages();
  r.info(`wallet: ${w.w.card(id)?.state ?? 'card gone'}`);
  const ok = await w.pay(id, 735);
  r.expect(
    'tap after resume',
    'ARQC → APPROVE',
    payGot(ok),
    approved(ok) && w.w.card(id)?.state === 'ACTIVE',
  );
}

// ───────────────────────── 8 ─────────────────────────

/** Chapter 8: the bank deletes the profile M token; the TA wipes its keys. */
export async function chapterDelete(w: DemoWorld): Promise<void> {
  const r = w.r;
  const id = w.cards.M!;
  r.chapter(8, 'Profile M: delete, keys wiped');
  const before = w.w.card(id);
  r.info(
    `before: ${before ? `${maskPan(before.pan)} ${before.state}, ${credentialsText(before)}` : 'card gone'}`,
  );
  const d = await lifecycle(w, id, 'delete');
  r.step(d.status === 'DELETED', `the bank deletes the token (POST /v1/cards/:id/delete) → ${d.status}`);
  const n = await w.w.fetchMessages();
  r.info(`the wallet fetched ${n} message${n === 1 ? '' : 's'} (the lifecycle message with action delete)`);
  const provider = w.provider!;
  const info = await provider.cardInfo();
  const statusJws = await provider.status('demo-after-delete');
  const status = JSON.parse(
    Buffer.from(statusJws.split('.')[1]!, 'base64url').toString('utf8'),
  ) as StatusStatement;
  const inInfo = info.some((c) => c.cardId === id);
  const inStatus = status.cards.some((c) => c.cardId === id);
  r.expect(
    'the TA wiped the card',
    'gone from CARD_INFO and the signed STATUS',
    `CARD_INFO ${inInfo ? 'still lists it' : 'no longer lists it'}, STATUS ${inStatus ? 'still lists it' : 'no longer lists it'}; ` +
      `${info.length} card${info.length === 1 ? '' : 's'} left`,
    !inInfo && !inStatus && !w.w.card(id),
  );
  let keyUse: string;
  try {
    // A well-formed GENERATE AC (ARQC) for the card id: amount 0, CDOL1-sized data.
    const g = await provider.generateAcM(id, 0x80, new Uint8Array(45));
    keyUse = g.reason === ReasonCode.UNKNOWN_CARD ? 'UNKNOWN_CARD' : `reason ${g.reason}`;
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    keyUse = /UNKNOWN_CARD|BAD_PARAMETERS/.test(code) ? code.replace(/^ERR_SDK_/, '') : `error ${code}`;
  }
  r.expect(
    'a cryptogram with the deleted card',
    'refused by the TA (no keys)',
    keyUse,
    /UNKNOWN_CARD/.test(keyUse),
  );
  const server = await w.http<CardView>('GET', `/v1/cards/${id}`);
  r.expect(
    'the server',
    'token DELETED',
    `GET /v1/cards/:id → ${server.json.status}`,
    server.json.status === 'DELETED',
  );
}

/**
 * The honest chapters ran with V-Guard on: a scan at every tap, signed by V-OS and sent. None
 * may have found a blocking threat (it would have made the device compromised, and the server
 * would have sent the TA a policy): recorded so that a machine that is not clean says so.
 */
export function guardSoFar(w: DemoWorld): void {
  const r = w.r;
  const scans = w.guardEventsSince(0, 'scan');
  const flagged = scans.filter((e) => e.flags.length > 0);
  const sent = w.guardEventsSince(0, 'report-sent');
  const compromised = sent.filter((e) => e.state === 'compromised');
  const flags = [...new Set(flagged.flatMap((e) => e.flags))];
  r.expect(
    'V-Guard at every tap so far',
    'no blocking threat in any scan',
    flagged.length === 0
      ? `${scans.length} scans, ${sent.length} signed reports accepted, V-OS flags: none`
      : `${flagged.length}/${scans.length} scans flagged ${flags.join(', ')}; device compromised in ${compromised.length} answers`,
    flagged.length === 0 && compromised.length === 0,
  );
}
