/**
 * Chapter 9 of `openvse demo` (issue 6): a wallet started with an inspector open. The inspector
 * is opened for real in this very process (`inspector.open(0, '127.0.0.1')`), then the wallet
 * app restarts (a new WalletSdk and guard link over the same V-OS). Its start scan (the SDK's
 * guard link, packages/cbp-sdk/src/guard/guard-link.ts) sees INSPECTOR_OPEN: V-OS is told the
 * flag and signs the threat report, which goes to POST /v1/devices/:deviceId/threats; the server
 * marks the device compromised; the next tap still makes an ARQC (the TA has no policy yet) and
 * its authorization is declined DEVICE_COMPROMISED by the fraud engine; the wallet fetches the
 * policy message and the CBP TA blocks payments inside V-OS (AAC, PAYMENTS_BLOCKED); the
 * dashboard's JSON shows the decline. The inspector is closed at the end, whatever happened.
 *
 * Node itself announces an open inspector on stderr ("Debugger listening on ws://…", "For help,
 * see: …") from C++, synchronously inside `inspector.open()`: no JavaScript can catch or silence
 * those two lines. So when the story and stderr share a terminal, the chapter says they are coming
 * and what they are, and they sit inside its text instead of in the middle of it unannounced.
 */
import inspector from 'node:inspector';
import { decodeJwsPayload } from '@openvse/cbp-sdk';
import type { RiskView, StatusStatement } from '@openvse/protocol';
import { guardSoFar } from './chapters.js';
import { credentialsText, type DemoWorld } from './world.js';

/** Chapter 9: an inspector opens in the wallet process; detected, reported, declined, blocked. */
export async function chapterCompromised(w: DemoWorld): Promise<void> {
  const r = w.r;
  const id = w.cards.V;
  if (!id || !w.w.card(id)) throw new Error('no profile V card left to pay with');
  const vos = w.vos!;
  r.chapter(9, 'A compromised device: the wallet starts with an inspector open');
  const deviceId = w.w.deviceId!;
  guardSoFar(w);
  const before = await w.http<RiskView>('GET', `/v1/devices/${encodeURIComponent(deviceId)}/risk`);
  r.info(
    `so far: ${before.json.reports} signed reports from this device, server state ${before.json.state}` +
      `${before.json.activeThreats?.length ? ` (${before.json.activeThreats.map((t) => `${t.code} → ${t.reaction}`).join(', ')})` : ''}`,
  );
  let opened = false;
  // Node's own announcement goes to stderr: shown in the story's flow when both are a terminal.
  const announced = r.mode === 'text' && process.stdout.isTTY === true && process.stderr.isTTY === true;
  try {
    if (announced)
      r.info(
        'the wallet process opens an inspector; Node announces it itself, on stderr (the next two lines):',
      );
    inspector.open(0, '127.0.0.1', false);
    opened = true;
    const url = inspector.url() ?? '';
    const hostPort = /^ws:\/\/([^/]+)\//.exec(url)?.[1] ?? '?';
    r.step(
      Boolean(url),
      announced
        ? `that is the inspector, listening on ${hostPort} in the wallet process: any debugger could attach`
        : `an inspector opens in the wallet process on ${hostPort}: any debugger could attach`,
    );

    const g0 = w.guardEvents.length;
    const e0 = w.events.length;
    await w.openWallet();
    r.step(true, 'the wallet app restarts (new WalletSdk + guard link; V-OS and the TA keep running)');
    const scan = w.guardEventsSince(g0, 'scan')[0];
    const hit = scan?.report.threats.find((t) => t.code === 'INSPECTOR_OPEN');
    r.expect(
      'V-Guard start scan',
      'INSPECTOR_OPEN detected (critical)',
      hit
        ? `INSPECTOR_OPEN ${hit.severity}, evidence ${JSON.stringify(hit.evidence)}`
        : `not detected (${scan?.report.threats.map((t) => t.code).join(', ') || 'no scan'})`,
      Boolean(hit) && scan?.report.clean === false,
    );
    const st = await vos.status();
    const flag = st.threatFlags.find((f) => f.split(':')[0] === 'INSPECTOR_OPEN');
    r.expect(
      'V-OS told',
      'V-OS holds the INSPECTOR_OPEN flag',
      `threat flags: ${st.threatFlags.join(', ') || 'none'}; protection level ${st.protectionLevel}`,
      Boolean(flag),
    );
    const sent = w.guardEventsSince(g0, 'report-sent').at(-1);
    const risk = await w.http<RiskView>('GET', `/v1/devices/${encodeURIComponent(deviceId)}/risk`);
    const active = risk.json.activeThreats?.find((t) => t.code === 'INSPECTOR_OPEN');
    r.expect(
      'signed threat report → server',
      'compromised: INSPECTOR_OPEN → block_payments',
      `report seq ${sent?.seq ?? '?'} accepted; GET /v1/devices/:id/risk → ${risk.json.state}` +
        (active ? ` (INSPECTOR_OPEN ${active.severity} → ${active.reaction})` : ''),
      Boolean(sent) && risk.json.state === 'compromised' && active?.reaction === 'block_payments',
    );
    const reaction = w.eventsSince(e0, 'guard-reaction').find((e) => e.reaction === 'block_payments');
    if (reaction)
      r.info(`the SDK surfaces the server's reaction: block_payments (${reaction.codes.join(', ')})`);

    // The TA has no policy yet: it still makes an ARQC; the issuer's fraud engine says no.
    const e1 = w.events.length;
    const first = await w.pay(id, 1850, 'decline');
    const auth = first.auth;
    r.expect(
      'next tap: authorization',
      'DECLINE DEVICE_COMPROMISED (fraud engine)',
      first.outcome.type === 'ONLINE_REQUEST'
        ? `${first.outcome.cryptogramType} → ${auth?.decision} ${auth?.reason} (response code ${auth?.responseCode})`
        : `no online request: ${first.outcome.type} ${first.tap?.reasonName ?? ''}`,
      auth?.decision === 'DECLINE' && auth.reason === 'DEVICE_COMPROMISED',
    );
    if (auth) {
      const d = await w.http<{
        decisions: { score: number; outcome: string; rules: { rule: string; weight: number }[] }[];
      }>('GET', `/v1/dashboard/decisions?authorizationId=${encodeURIComponent(auth.authorizationId)}`);
      const dec = d.json.decisions?.[0];
      if (dec)
        r.info(
          `fraud decision: score ${dec.score} → ${dec.outcome}; rules ` +
            dec.rules.map((x) => `${x.rule} (${x.weight})`).join(', '),
        );
    }
    const refused = w.eventsSince(e1, 'background-error')[0];
    if (refused) {
      const e = refused.error as { serverCode?: string; message?: string };
      r.info(
        `the SDK's replenishment after that tap is refused too: ${e.serverCode ?? e.message ?? 'error'}`,
      );
    }

    const e2 = w.events.length;
    await w.w.fetchMessages();
    const policyApplied = w.eventsSince(e2, 'message-applied').some((e) => e.typ === 'policy');
    r.expect(
      'policy message fetched',
      'policy (blockPayments) applied by the TA',
      policyApplied ? 'policy message relayed to V-OS and applied by the TA' : 'no policy message applied',
      policyApplied,
    );
    const e3 = w.events.length;
    const blocked = await w.pay(id, 1850, 'decline');
    r.expect(
      'next tap: the TA blocks',
      'AAC, PAYMENTS_BLOCKED (decided inside V-OS)',
      `${blocked.outcome.type} ${blocked.outcome.cryptogramType ?? ''} ${blocked.tap?.reasonName ?? ''}`
        .replace(/\s+/g, ' ')
        .trim(),
      blocked.outcome.type === 'DECLINED' &&
        blocked.outcome.cryptogramType === 'AAC' &&
        blocked.tap?.reasonName === 'PAYMENTS_BLOCKED' &&
        w.eventsSince(e3, 'payments-blocked').length > 0,
    );
    const status = decodeJwsPayload<StatusStatement>(await w.provider!.status('demo-after-block'));
    const v = status.cards.find((c) => c.cardId === id);
    if (v) {
      const wiped = v.credentialsLeft === 0 && v.thresholdsLeft === null;
      r.info(
        `the TA's signed status: card ${v.state}, ${wiped ? 'no LUK any more' : credentialsText(w.w.card(id))}` +
          (wiped
            ? ' (wiped inside V-OS: the TA applies every matching rule of the policy, and ' +
              '"* minSeverity critical → wipe_keys" matches INSPECTOR_OPEN:critical too)'
            : ''),
      );
    }

    const dash = await w.http<{
      authorizations: { id: string; decision: string; reason: string }[];
      declineReasons: { reason: string; count: number }[];
    }>('GET', '/v1/dashboard/authorizations?limit=50');
    const row = dash.json.authorizations?.find((a) => a.id === auth?.authorizationId);
    const overview = await w.http<{ devices: { compromised: number } }>('GET', '/v1/dashboard/overview');
    const reasons = (dash.json.declineReasons ?? []).map((x) => `${x.reason} ×${x.count}`).join(', ');
    r.expect(
      'dashboard',
      'decline DEVICE_COMPROMISED, device listed',
      row
        ? `/v1/dashboard/authorizations: ${row.decision} ${row.reason}; ` +
            `${overview.json.devices?.compromised ?? 0} device(s) compromised`
        : 'decline not listed',
      row?.decision === 'DECLINE' &&
        row.reason === 'DEVICE_COMPROMISED' &&
        (overview.json.devices?.compromised ?? 0) >= 1,
    );
    r.info(`decline reasons (24 h): ${reasons || 'none'}`);
    r.info(
      `open ${w.baseUrl}/dashboard to see it ("device compromised"): --serve keeps the server up after ` +
        'the story; --keep keeps the database',
    );
  } finally {
    if (opened) {
      inspector.close();
      r.step(inspector.url() === undefined, 'the inspector is closed again');
    }
  }
}
