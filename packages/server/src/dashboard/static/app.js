// OpenVSE threat-intelligence dashboard (docs/fraud-engine.md "Dashboard"). No framework: the
// page reads the read-only /v1/dashboard/* endpoints when the server's event stream
// (GET /v1/dashboard/events, server-sent events) says something happened, and every 15 s
// regardless; it renders with DOM APIs only (textContent, never innerHTML: threat evidence comes
// from devices and is untrusted).

const SVG_NS = 'http://www.w3.org/2000/svg';
const CLASS_COLORS = {
  debug: '#f85149',
  hook: '#db6d28',
  tamper: '#a371f7',
  environment: '#8b98a5',
  exposure: '#d29922',
  clock: '#58a6ff',
};
const seenThreats = new Set();
let firstFeed = true;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

const time = (ms) => (ms === null || ms === undefined ? '—' : new Date(ms).toISOString().slice(11, 19));
const short = (id) => (id && id.length > 18 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id || '—');
const amount = (minor, cur) => `${(minor / 100).toFixed(2)} (${cur})`;

// The signed-in operator (GET /v1/operator/session): { mode, username, role, csrfToken }; mode
// 'open' in open development mode (no sign-in), null when signed out.
let me = null;
class SignedOut extends Error {}

async function getJson(path) {
  const r = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (r.status === 401) throw new SignedOut();
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

// A state-changing call: JSON body and the session's CSRF token (docs/server-api.md "Operators").
async function postJson(path, body) {
  const headers = { accept: 'application/json', 'content-type': 'application/json' };
  if (me?.csrfToken) headers['x-openvse-csrf'] = me.csrfToken;
  const r = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store' });
  const json = await r.json().catch(() => ({}));
  return { status: r.status, json };
}

function fillBody(table, rows) {
  const body = document.querySelector(`${table} tbody`);
  body.replaceChildren(...rows);
}

function renderSummary(o) {
  const tiles = [
    ['devices', o.devices.total],
    ['compromised', o.devices.compromised],
    ['suspicious', o.devices.suspicious],
    ['silent', o.devices.silent],
    ['approved (24 h)', o.authorizations.approved],
    ['declined (24 h)', o.authorizations.declined],
    ['threats (24 h)', o.threats24h],
    ['policy version', o.policyVersion],
  ];
  document
    .getElementById('summary')
    .replaceChildren(
      ...tiles.map(([label, n]) =>
        el(
          'div',
          { class: 'tile', 'data-tile': label },
          el('div', { class: 'n' }, n),
          el('div', { class: 'l' }, label),
        ),
      ),
    );
}

function stateBadge(risk) {
  const label = risk.state === 'compromised' ? 'device compromised' : risk.state;
  const badge = el('span', { class: `state state-${risk.state}` }, label);
  return risk.silent
    ? el('span', {}, badge, ' ', el('span', { class: 'sev-medium' }, 'DEVICE_SILENT'))
    : badge;
}

function renderDevices(d) {
  fillBody(
    '#devices',
    d.devices.map((dev) =>
      el(
        'tr',
        { 'data-device': dev.deviceId, 'data-state': dev.risk.state },
        el('td', { class: 'mono', title: dev.deviceId }, short(dev.deviceId)),
        el('td', {}, stateBadge(dev.risk)),
        el(
          'td',
          {},
          ...dev.risk.activeThreats.flatMap((t, i) => [
            i > 0 ? ', ' : '',
            el('span', { class: `sev-${t.severity}`, title: `${t.class} / ${t.reaction}` }, t.code),
          ]),
        ),
        el('td', {}, dev.protectionLevel),
        el('td', {}, time(dev.risk.lastHeartbeatAt)),
        el(
          'td',
          {},
          dev.risk.lastReportAt === null
            ? '—'
            : `${time(dev.risk.lastReportAt)} (#${dev.risk.lastReportSeq})`,
        ),
        el('td', {}, dev.cards.length),
      ),
    ),
  );
}

function renderFeed(f) {
  const items = f.threats.map((t) => {
    const isNew = !firstFeed && !seenThreats.has(t.id);
    seenThreats.add(t.id);
    const evidence = Object.entries(t.evidence)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return el(
      'li',
      { class: isNew ? 'new' : '', 'data-code': t.code, 'data-threat-id': String(t.id) },
      el('span', { class: `sev-${t.severity}` }, `${t.code}`),
      ` ${t.class} · ${t.severity} → ${t.reaction}`,
      el(
        'div',
        { class: 'meta' },
        `${time(t.receivedAt)} · device ${short(t.deviceId)} · #${t.seq} · ${evidence}`,
      ),
    );
  });
  firstFeed = false;
  document
    .getElementById('feed')
    .replaceChildren(...(items.length ? items : [el('li', { class: 'meta' }, 'no threats')]));
}

function renderChart(tl) {
  const W = 600;
  const H = 240;
  const pad = { l: 30, r: 10, t: 10, b: 40 };
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': 'threats by class over time',
  });
  const totals = new Array(tl.buckets).fill(0);
  for (const s of tl.series)
    s.counts.forEach((n, i) => {
      totals[i] += n;
    });
  const max = Math.max(1, ...totals);
  const bw = (W - pad.l - pad.r) / tl.buckets;
  const y = (n) => ((H - pad.t - pad.b) * n) / max;
  root.append(svg('line', { x1: pad.l, y1: H - pad.b, x2: W - pad.r, y2: H - pad.b, stroke: '#2a3541' }));
  const maxLabel = svg('text', { x: 2, y: pad.t + 10 });
  maxLabel.textContent = String(max);
  root.append(maxLabel);
  const base = new Array(tl.buckets).fill(0);
  for (const s of tl.series) {
    const g = svg('g', { 'data-class': s.class, fill: CLASS_COLORS[s.class] || '#58a6ff' });
    s.counts.forEach((n, i) => {
      if (n === 0) return;
      const h = y(n);
      const rect = svg('rect', {
        x: pad.l + i * bw + 1,
        y: H - pad.b - y(base[i]) - h,
        width: Math.max(1, bw - 2),
        height: h,
      });
      const tip = svg('title', {});
      tip.textContent = `${s.class}: ${n}`;
      rect.append(tip);
      g.append(rect);
      base[i] += n;
    });
    root.append(g);
  }
  const from = svg('text', { x: pad.l, y: H - pad.b + 14 });
  from.textContent = time(tl.from);
  const to = svg('text', { x: W - pad.r - 50, y: H - pad.b + 14 });
  to.textContent = time(tl.to);
  root.append(from, to);
  tl.series.forEach((s, i) => {
    const x = pad.l + i * 130;
    root.append(
      svg('rect', { x, y: H - 16, width: 10, height: 10, fill: CLASS_COLORS[s.class] || '#58a6ff' }),
    );
    const t = svg('text', { x: x + 14, y: H - 7, 'data-legend': s.class });
    t.textContent = `${s.class} (${s.counts.reduce((a, b) => a + b, 0)})`;
    root.append(t);
  });
  document.getElementById('chart').replaceChildren(root);
}

function renderAuthorizations(a) {
  fillBody(
    '#authorizations',
    a.authorizations.map((x) =>
      el(
        'tr',
        { 'data-decision': x.decision, 'data-reason': x.reason },
        el('td', {}, time(x.createdAt)),
        el('td', { class: 'mono' }, short(x.cardId)),
        el('td', {}, amount(x.amount, x.currency)),
        el('td', { class: x.decision === 'APPROVE' ? 'approve' : 'decline' }, x.decision),
        el(
          'td',
          {},
          x.reason === 'DEVICE_COMPROMISED' ? 'DEVICE_COMPROMISED (device compromised)' : x.reason,
        ),
      ),
    ),
  );
  document
    .getElementById('decline-reasons')
    .replaceChildren(
      ...(a.declineReasons.length
        ? a.declineReasons.map((r) => el('li', { 'data-reason': r.reason }, `${r.reason}: ${r.count}`))
        : [el('li', {}, 'none')]),
    );
}

function renderDecisions(d) {
  document
    .getElementById('decisions')
    .replaceChildren(
      ...d.decisions
        .slice(0, 15)
        .map((x) =>
          el(
            'li',
            { 'data-outcome': x.outcome },
            el(
              'span',
              { class: x.outcome === 'approve' ? 'approve' : 'decline' },
              `${x.context} ${x.outcome}`,
            ),
            ` score ${x.score} · ${x.reason}`,
            el(
              'div',
              { class: 'meta' },
              x.rules.map((r) => `${r.rule} (+${r.weight})`).join(', ') || 'no rule fired',
            ),
          ),
        ),
    );
}

function renderCards(c) {
  fillBody(
    '#cards',
    c.cards.map((x) =>
      el(
        'tr',
        { 'data-card': x.cardId },
        el('td', { class: 'mono' }, short(x.cardId)),
        el('td', {}, `•••• ${x.tokenPanLast4}`),
        el('td', {}, `${x.profile} ${x.cardType}`),
        el('td', {}, x.status),
        el('td', { class: 'mono' }, short(x.deviceId)),
        el(
          'td',
          { 'data-credentials-left': String(x.credentialsLeft) },
          x.credentialsLeft === null ? '—' : x.credentialsLeft,
        ),
        el('td', {}, x.replenishments),
        el(
          'td',
          {},
          x.luk
            ? `LUK ${x.luk.api}: ${x.luk.usedCount}/${x.luk.maxTransactions} used`
            : x.profile === 'M'
              ? `SUKs ${x.suks.unused} unused / ${x.suks.used} used / ${x.suks.discarded} discarded`
              : '—',
        ),
      ),
    ),
  );
}

const isSecurityAdmin = () => me && (me.mode === 'open' || me.role === 'operator:security-admin');

function renderPolicy(policy, changes) {
  document.getElementById('policy-current').textContent =
    `version ${policy.version} · ${policy.rules.length} rules · heartbeat ${policy.heartbeatSeconds} s`;
  const editor = document.getElementById('policy-editor');
  editor.hidden = !isSecurityAdmin();
  document.getElementById('policy-readonly').hidden = isSecurityAdmin();
  const rules = document.getElementById('policy-rules');
  if (!rules.value) rules.value = JSON.stringify(policy.rules, null, 1);
  const mine = me ? `${me.mode === 'token' ? 'token' : 'operator'}:${me.username}` : '';
  fillBody(
    '#policy-changes',
    changes.changes.map((ch) => {
      const action = el('td', {});
      if (ch.status === 'pending' && isSecurityAdmin() && ch.proposedBy !== mine) {
        const b = el('button', { type: 'button', 'data-approve': ch.changeId }, 'Approve');
        b.addEventListener('click', () => approve(ch.changeId));
        action.append(b);
      } else if (ch.status === 'pending') action.append('awaiting a second security admin');
      return el(
        'tr',
        { 'data-change': ch.changeId, 'data-status': ch.status },
        el('td', {}, time(ch.proposedAt)),
        el('td', {}, ch.proposedBy),
        el('td', {}, `${ch.policy.rules.length} rules (on v${ch.baseVersion})`),
        el('td', {}, ch.status === 'approved' ? `approved by ${ch.approvedBy} → v${ch.version}` : ch.status),
        action,
      );
    }),
  );
}

function renderAudit(a) {
  fillBody(
    '#audit',
    a.entries.map((x) =>
      el(
        'tr',
        { 'data-action': x.action, 'data-outcome': x.outcome },
        el('td', {}, time(x.at)),
        el('td', {}, x.actor),
        el('td', {}, x.role || '—'),
        el('td', {}, x.action),
        el('td', { class: 'mono' }, short(x.target)),
        el('td', { class: x.outcome === 'ok' ? 'approve' : 'decline' }, `${x.outcome} (${x.status})`),
      ),
    ),
  );
}

async function propose() {
  const msg = document.getElementById('policy-msg');
  let rules;
  try {
    rules = JSON.parse(document.getElementById('policy-rules').value);
  } catch {
    msg.textContent = 'the rules are not valid JSON';
    return;
  }
  const r = await postJson('/v1/policy', { policy: { rules } });
  msg.textContent =
    r.status === 202
      ? 'proposed: it takes effect when another security admin approves it'
      : r.status === 200
        ? `set: version ${r.json.policy.version}`
        : `refused: ${r.json.error?.code ?? r.status}`;
  msg.dataset.result = String(r.status);
  tick();
}

async function approve(changeId) {
  const r = await postJson(`/v1/policy/changes/${changeId}/approve`, {});
  const msg = document.getElementById('policy-msg');
  msg.textContent =
    r.status === 200
      ? `approved: version ${r.json.policy.version}, queued to ${r.json.queued} devices`
      : `refused: ${r.json.error?.code ?? r.status}`;
  msg.dataset.result = String(r.status);
  tick();
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    const [policy, changes, audit] = await Promise.all([
      getJson('/v1/policy'),
      getJson('/v1/policy/changes'),
      getJson('/v1/dashboard/audit?limit=50'),
    ]);
    renderPolicy(policy, changes);
    renderAudit(audit);
    const [o, d, f, tl, a, dec, c] = await Promise.all([
      getJson('/v1/dashboard/overview'),
      getJson('/v1/dashboard/devices'),
      getJson('/v1/dashboard/threats?limit=50'),
      getJson('/v1/dashboard/threats/timeline?minutes=60&buckets=30'),
      getJson('/v1/dashboard/authorizations?limit=50'),
      getJson('/v1/dashboard/decisions?limit=15'),
      getJson('/v1/dashboard/cards'),
    ]);
    renderSummary(o);
    renderDevices(d);
    renderFeed(f);
    renderChart(tl);
    renderAuthorizations(a);
    renderDecisions(dec);
    renderCards(c);
    status.className = 'status';
    status.textContent = `live · updated ${time(o.now)}`;
    document.body.dataset.ready = '1';
  } catch (e) {
    if (e instanceof SignedOut) return showSignIn('signed out: the session ended');
    status.className = 'status err';
    status.textContent = `error: ${e.message}`;
  }
}

let busy = false;
let again = false;
async function tick() {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  try {
    await refresh();
  } finally {
    busy = false;
  }
  if (again) {
    again = false;
    setTimeout(tick, MIN_REFRESH_MS);
  }
}

// Refresh on the server's events: a burst of events is one refresh (at most one per
// MIN_REFRESH_MS); the slow timer is the fallback when the stream is down.
const FALLBACK_REFRESH_MS = 15_000;
const MIN_REFRESH_MS = 200;
const EVENT_TYPES = ['threat-report', 'verdict', 'risk-decision', 'authorization'];
let events;
let soon;
function refreshSoon() {
  if (soon) return;
  soon = setTimeout(() => {
    soon = undefined;
    tick();
  }, MIN_REFRESH_MS);
}
function listen() {
  if (events || typeof EventSource === 'undefined') return;
  events = new EventSource('/v1/dashboard/events');
  for (const type of EVENT_TYPES) events.addEventListener(type, refreshSoon);
  // (re)connected: catch up on what happened while the stream was down
  events.addEventListener('open', refreshSoon);
}
function unlisten() {
  events?.close();
  events = undefined;
}

let timer;
function showSignIn(message) {
  me = null;
  clearInterval(timer);
  timer = undefined;
  unlisten();
  document.getElementById('app').hidden = true;
  document.getElementById('signout').hidden = true;
  document.getElementById('who').textContent = '';
  document.getElementById('status').textContent = '';
  document.getElementById('signin').hidden = false;
  document.getElementById('signin-error').textContent = message || '';
  document.body.dataset.view = 'signin';
  document.getElementById('signin-user').focus();
}

function showApp() {
  document.getElementById('signin').hidden = true;
  document.getElementById('app').hidden = false;
  document.getElementById('signout').hidden = me.mode !== 'session';
  document.getElementById('who').textContent =
    me.mode === 'open'
      ? 'open development mode'
      : `${me.username} (${(me.role || '').replace('operator:', '')})`;
  document.body.dataset.view = 'app';
  document.body.dataset.role = me.role || 'open';
  tick();
  listen();
  if (!timer) timer = setInterval(tick, FALLBACK_REFRESH_MS);
}

async function boot() {
  try {
    me = await getJson('/v1/operator/session');
    showApp();
  } catch (e) {
    if (e instanceof SignedOut) showSignIn();
    else document.getElementById('status').textContent = `error: ${e.message}`;
  }
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('signin-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await postJson('/v1/operator/sign-in', {
      username: document.getElementById('signin-user').value,
      password: document.getElementById('signin-pass').value,
    });
    document.getElementById('signin-pass').value = '';
    if (r.status !== 200) {
      document.getElementById('signin-error').textContent = 'wrong username or password';
      return;
    }
    me = r.json;
    showApp();
  });
  document.getElementById('signout').addEventListener('click', async () => {
    unlisten();
    await postJson('/v1/operator/sign-out', {});
    showSignIn('signed out');
  });
  document.getElementById('policy-propose').addEventListener('click', propose);
  boot();
});
