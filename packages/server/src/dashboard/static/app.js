// OpenVSE analyst dashboard (docs/dashboard.md; docs/server-api.md "Dashboard"). No framework.
// The page reads the read-only /v1/dashboard/* endpoints with the analyst's filters (the server
// filters and validates them: a bad value is a 400 shown under the filters), opens a device's
// detail (its cards, threats, authorizations, fraud decisions) at #device=<id>, and stays live
// through the server's event stream (GET /v1/dashboard/events, server-sent events): each event
// reloads only the panels it concerns. Without the stream it falls back to a slow refresh.
// It renders with DOM APIs only (textContent, never innerHTML): threat evidence comes from
// devices and merchant / terminal ids from acquirers, so both are untrusted. PANs arrive masked.

const SVG_NS = 'http://www.w3.org/2000/svg';
const CLASS_COLORS = {
  debug: '#f85149',
  hook: '#db6d28',
  tamper: '#a371f7',
  environment: '#8b98a5',
  exposure: '#d29922',
  clock: '#58a6ff',
};
const STATE_LABELS = {
  compromised: 'device compromised',
  suspicious: 'suspicious',
  clean: 'clean',
  never_reported: 'never reported',
};

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  return e;
}

const time = (ms) => (ms === null || ms === undefined ? '—' : new Date(ms).toISOString().slice(11, 19));
const when = (ms) =>
  ms === null || ms === undefined ? '—' : new Date(ms).toISOString().slice(5, 19).replace('T', ' ');
const short = (id) => (id && id.length > 18 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id || '—');

// The signed-in operator (GET /v1/operator/session): { mode, username, role, csrfToken }; mode
// 'open' in open development mode (no sign-in), null when signed out.
let me = null;
class SignedOut extends Error {}
class HttpError extends Error {
  constructor(path, status, code, message) {
    super(`${path}: HTTP ${status}${code ? ` ${code}` : ''}`);
    this.status = status;
    this.code = code;
    this.detail = message;
  }
}

async function getJson(path) {
  const r = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (r.status === 401) throw new SignedOut();
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    throw new HttpError(path.split('?')[0], r.status, body.error?.code, body.error?.message);
  }
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

function fillBody(table, rows, empty, columns) {
  const body = document.querySelector(`${table} tbody`);
  body.replaceChildren(
    ...(rows.length ? rows : [el('tr', { class: 'empty' }, el('td', { colspan: String(columns) }, empty))]),
  );
}

// ───────────────────────── filters ─────────────────────────

// The analyst's filters, as the inputs hold them when "Apply" was pressed.
let filters = { deviceId: '', cardId: '', decision: '', reason: '', range: '', from: '', to: '', q: '' };

function readFilters() {
  const v = (id) => document.getElementById(id).value.trim();
  return {
    deviceId: v('f-device'),
    cardId: v('f-card'),
    decision: v('f-decision'),
    reason: v('f-reason').toUpperCase(),
    range: v('f-range'),
    from: v('f-from'),
    to: v('f-to'),
    q: v('f-q'),
  };
}

function writeFilters(f) {
  document.getElementById('f-device').value = f.deviceId;
  document.getElementById('f-card').value = f.cardId;
  document.getElementById('f-decision').value = f.decision;
  document.getElementById('f-reason').value = f.reason;
  document.getElementById('f-range').value = f.range;
  document.getElementById('f-from').value = f.from;
  document.getElementById('f-to').value = f.to;
  document.getElementById('f-q').value = f.q;
  showCustomRange();
}

function showCustomRange() {
  const custom = document.getElementById('f-range').value === 'custom';
  for (const l of document.querySelectorAll('.custom-range')) l.hidden = !custom;
}

// The time range of the filters as epoch ms (a preset counts back from now).
function rangeParams() {
  if (filters.range === 'custom') {
    const ms = (s) => (s ? String(new Date(s).getTime()) : undefined);
    return { from: ms(filters.from), to: ms(filters.to) };
  }
  return filters.range ? { from: String(Date.now() - Number(filters.range)) } : {};
}

function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

const filterActive = () => Object.values(filters).some((v) => v !== '');

// ───────────────────────── renderers ─────────────────────────

function renderSummary(o) {
  const tiles = [
    ['devices', o.devices.total],
    ['compromised', o.devices.compromised],
    ['suspicious', o.devices.suspicious],
    ['never reported', o.devices.neverReported],
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

function stateBadge(state, risk) {
  const badge = el(
    'span',
    {
      class: `state state-${state}`,
      title: state === 'never_reported' ? 'no V-Guard scan received from this device yet' : undefined,
    },
    STATE_LABELS[state] || state,
  );
  return risk?.silent
    ? el('span', {}, badge, ' ', el('span', { class: 'sev-medium' }, 'DEVICE_SILENT'))
    : badge;
}

// A device id that opens the device's detail.
function deviceLink(deviceId) {
  if (!deviceId) return '—';
  const b = el(
    'button',
    { type: 'button', class: 'link mono', title: deviceId, 'data-open-device': deviceId },
    short(deviceId),
  );
  b.addEventListener('click', () => openDevice(deviceId));
  return b;
}

// A card (masked token PAN) that filters everything by the card.
function cardLink(cardId, masked) {
  if (!cardId) return '—';
  const b = el(
    'button',
    { type: 'button', class: 'link mono', title: `card ${cardId}: filter by it`, 'data-filter-card': cardId },
    masked || short(cardId),
  );
  b.addEventListener('click', () => applyFilters({ ...filters, cardId }));
  return b;
}

function activeThreats(risk) {
  return risk.activeThreats.flatMap((t, i) => [
    i > 0 ? ', ' : '',
    el('span', { class: `sev-${t.severity}`, title: `${t.class} / ${t.reaction}` }, t.code),
  ]);
}

function renderDevices(d) {
  fillBody(
    '#devices',
    d.devices.map((dev) =>
      el(
        'tr',
        { 'data-device': dev.deviceId, 'data-state': dev.state, 'data-risk-state': dev.risk.state },
        el('td', {}, deviceLink(dev.deviceId)),
        el('td', {}, stateBadge(dev.state, dev.risk)),
        el('td', {}, ...activeThreats(dev.risk)),
        el('td', {}, dev.protectionLevel),
        el('td', {}, time(dev.risk.lastHeartbeatAt)),
        el(
          'td',
          {},
          dev.risk.lastReportAt === null
            ? 'never'
            : `${time(dev.risk.lastReportAt)} (#${dev.risk.lastReportSeq})`,
        ),
        el(
          'td',
          { class: 'mono', 'data-cards': String(dev.cards.length) },
          dev.cards.map((c) => c.tokenPanMasked).join(', ') || '—',
        ),
      ),
    ),
    'no device matches',
    7,
  );
  if (!filters.deviceId && !filters.q)
    fillDatalist(
      'device-ids',
      d.devices.map((x) => [x.deviceId, x.state]),
    );
}

function fillDatalist(id, entries) {
  document
    .getElementById(id)
    .replaceChildren(...entries.map(([value, label]) => el('option', { value, label: label || value })));
}

const evidenceText = (e) =>
  Object.entries(e)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

// Findings seen so far (device|code → count): a new one, or one seen again, flashes.
const seenFindings = new Map();
let firstFeed = true;

function renderFeed(f) {
  const items = f.findings.map((x) => {
    const key = `${x.deviceId}|${x.code}`;
    const isNew = !firstFeed && seenFindings.get(key) !== x.count;
    seenFindings.set(key, x.count);
    return el(
      'li',
      {
        class: isNew ? 'new' : '',
        'data-code': x.code,
        'data-device': x.deviceId,
        'data-count': String(x.count),
      },
      el('span', { class: `sev-${x.severity}` }, x.code),
      ` ${x.class} · ${x.severity} → ${x.reaction} `,
      el('span', { class: 'count', title: 'reports with this finding' }, `×${x.count}`),
      el(
        'div',
        { class: 'meta' },
        `first ${when(x.firstSeen)} · last ${when(x.lastSeen)} (#${x.lastSeq}) · device `,
        deviceLink(x.deviceId),
        ` · ${evidenceText(x.evidence)}`,
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

// The reason cell: the code, the sentence that explains a decline, the rules that fired.
function reasonCell(x) {
  const cell = el('td', { class: 'reason' }, el('span', { class: 'code' }, x.reason));
  if (x.explanation) cell.append(el('div', { class: 'why', 'data-explanation': x.reason }, x.explanation));
  if (x.risk?.rules.length && x.decision === 'DECLINE')
    cell.append(
      el(
        'div',
        { class: 'meta' },
        `fraud score ${x.risk.score}: ${x.risk.rules.map((r) => `${r.rule} (+${r.weight})`).join(', ')}`,
      ),
    );
  return cell;
}

function authorizationRow(x, withDevice) {
  return el(
    'tr',
    { 'data-authorization': x.id, 'data-decision': x.decision, 'data-reason': x.reason },
    el('td', {}, when(x.createdAt)),
    el('td', {}, cardLink(x.cardId, x.tokenPanMasked)),
    el('td', { class: 'amount', 'data-currency': x.currencyCode }, x.amountText),
    el('td', { class: 'mono', 'data-merchant': '' }, x.merchantId ?? '—'),
    el('td', { class: 'mono', 'data-terminal': '' }, x.terminalId ?? '—'),
    withDevice ? el('td', {}, deviceLink(x.deviceId)) : null,
    el('td', { class: x.decision === 'APPROVE' ? 'approve' : 'decline' }, x.decision),
    reasonCell(x),
  );
}

function renderReasons(list, target) {
  document.getElementById(target).replaceChildren(
    ...(list.length
      ? list.map((r) => {
          const b = el(
            'button',
            { type: 'button', class: 'link', title: r.explanation },
            `${r.reason}: ${r.count}`,
          );
          b.addEventListener('click', () =>
            applyFilters({ ...filters, decision: 'DECLINE', reason: r.reason }),
          );
          return el('li', { 'data-reason': r.reason }, b, el('div', { class: 'meta' }, r.explanation));
        })
      : [el('li', {}, 'none')]),
  );
}

function renderAuthorizations(a) {
  fillBody(
    '#authorizations',
    a.authorizations.map((x) => authorizationRow(x, true)),
    'no authorization matches',
    8,
  );
  renderReasons(a.declineReasons, 'decline-reasons');
  document.getElementById('decline-reasons-title').textContent = filterActive()
    ? 'Decline reasons (filtered)'
    : 'Decline reasons (24 h)';
  const codes = new Set([...a.declineReasons.map((r) => r.reason), 'APPROVED']);
  fillDatalist(
    'reason-codes',
    [...codes].map((c) => [c, c]),
  );
  if (!filters.cardId && !filters.q) {
    const cards = new Map();
    for (const x of a.authorizations) if (x.cardId) cards.set(x.cardId, x.tokenPanMasked || x.cardId);
    fillDatalist('card-ids', [...cards]);
  }
}

function decisionItem(x) {
  return el(
    'li',
    { 'data-outcome': x.outcome, 'data-reason': x.reason },
    el('span', { class: x.outcome === 'approve' ? 'approve' : 'decline' }, `${x.context} ${x.outcome}`),
    ` score ${x.score} · ${x.reason}`,
    el(
      'div',
      { class: 'meta' },
      `${when(x.createdAt)} · `,
      x.rules.map((r) => `${r.rule} (+${r.weight})`).join(', ') || 'no rule fired',
    ),
  );
}

function renderDecisions(d) {
  document
    .getElementById('decisions')
    .replaceChildren(
      ...(d.decisions.length
        ? d.decisions.slice(0, 15).map(decisionItem)
        : [el('li', { class: 'meta' }, 'none')]),
    );
}

const credentialsText = (x) =>
  x.luk
    ? `LUK ${x.luk.api}: ${x.luk.usedCount}/${x.luk.maxTransactions} used`
    : x.profile === 'M'
      ? `SUKs ${x.suks.unused} unused / ${x.suks.used} used / ${x.suks.discarded} discarded`
      : '—';

function renderCards(c) {
  fillBody(
    '#cards',
    c.cards.map((x) =>
      el(
        'tr',
        { 'data-card': x.cardId },
        el('td', {}, cardLink(x.cardId, x.tokenPanMasked)),
        el('td', { class: 'mono' }, short(x.cardId)),
        el('td', {}, `${x.profile} ${x.cardType}`),
        el('td', {}, x.status),
        el('td', {}, deviceLink(x.deviceId)),
        el(
          'td',
          { 'data-credentials-left': String(x.credentialsLeft) },
          x.credentialsLeft === null ? '—' : x.credentialsLeft,
        ),
        el('td', {}, x.replenishments),
        el('td', {}, credentialsText(x)),
      ),
    ),
    'no card matches',
    8,
  );
}

// ───────────────────────── device detail ─────────────────────────

let detailId = null;

function renderDetail(d) {
  const dev = d.device;
  document
    .getElementById('detail-title')
    .replaceChildren(
      'Device ',
      el('span', { class: 'mono' }, dev.deviceId),
      ' ',
      stateBadge(dev.state, dev.risk),
    );
  const facts = [
    ['State', STATE_LABELS[dev.state] || dev.state],
    ['Protection level', dev.protectionLevel],
    ['Enrolled', when(dev.enrolledAt)],
    [
      'Last V-Guard report',
      dev.risk.lastReportAt === null
        ? 'never'
        : `${when(dev.risk.lastReportAt)} (#${dev.risk.lastReportSeq})`,
    ],
    ['Last heartbeat', dev.risk.lastHeartbeatAt === null ? 'never' : when(dev.risk.lastHeartbeatAt)],
    ['Reports missing', dev.risk.seqGaps],
  ];
  document
    .getElementById('detail-facts')
    .replaceChildren(
      ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-fact': k }, v)]),
      el('dt', {}, 'Active threats'),
      el('dd', {}, ...(dev.risk.activeThreats.length ? activeThreats(dev.risk) : ['none'])),
    );
  fillBody(
    '#detail-cards',
    d.cards.map((x) =>
      el(
        'tr',
        { 'data-card': x.cardId },
        el('td', {}, cardLink(x.cardId, x.tokenPanMasked)),
        el('td', { class: 'mono' }, short(x.cardId)),
        el('td', {}, `${x.profile} ${x.cardType}`),
        el('td', {}, x.status),
        el('td', {}, x.credentialsLeft === null ? '—' : x.credentialsLeft),
        el('td', {}, credentialsText(x)),
      ),
    ),
    'no card provisioned',
    6,
  );
  fillBody(
    '#detail-findings',
    d.findings.map((x) =>
      el(
        'tr',
        { 'data-code': x.code, 'data-count': String(x.count) },
        el('td', { class: `sev-${x.severity}` }, x.code),
        el('td', {}, `${x.class} · ${x.severity} → ${x.reaction}`),
        el('td', { class: 'count' }, `×${x.count}`),
        el('td', {}, when(x.firstSeen)),
        el('td', {}, when(x.lastSeen)),
        el('td', { class: 'meta' }, evidenceText(x.evidence)),
      ),
    ),
    dev.state === 'never_reported' ? 'never reported: no V-Guard scan received' : 'no threat reported',
    6,
  );
  fillBody(
    '#detail-authorizations',
    d.authorizations.map((x) => authorizationRow(x, false)),
    'no authorization',
    7,
  );
  document
    .getElementById('detail-decisions')
    .replaceChildren(
      ...(d.decisions.length ? d.decisions.map(decisionItem) : [el('li', { class: 'meta' }, 'none')]),
    );
  const section = document.getElementById('device-detail');
  section.dataset.device = dev.deviceId;
  section.dataset.state = dev.state;
}

function openDevice(deviceId) {
  location.hash = `device=${encodeURIComponent(deviceId)}`;
}

function closeDevice() {
  if (location.hash) history.pushState(null, '', location.pathname + location.search);
  showDetailFromHash();
}

function showDetailFromHash() {
  const m = /^#device=(.+)$/.exec(location.hash);
  const id = m ? decodeURIComponent(m[1]) : null;
  const section = document.getElementById('device-detail');
  if (id === detailId && (id === null || !section.hidden)) return;
  detailId = id;
  section.hidden = id === null;
  document.body.dataset.detail = id === null ? '' : 'loading';
  if (id !== null) {
    load(['detail']);
    section.scrollIntoView({ block: 'start' });
  }
}

// ───────────────────────── policy and audit ─────────────────────────

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
    'no change proposed',
    5,
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
    'nothing audited yet',
    6,
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
  load(['policy', 'audit', 'overview']);
}

async function approve(changeId) {
  const r = await postJson(`/v1/policy/changes/${encodeURIComponent(changeId)}/approve`, {});
  const msg = document.getElementById('policy-msg');
  msg.textContent =
    r.status === 200
      ? `approved: version ${r.json.policy.version}, queued to ${r.json.queued} devices`
      : `refused: ${r.json.error?.code ?? r.status}`;
  msg.dataset.result = String(r.status);
  load(['policy', 'audit', 'overview']);
}

// ───────────────────────── loading ─────────────────────────

// Each panel's loader: the route it reads (with the filters that apply to it) and its renderer.
const LOADERS = {
  overview: async () => renderSummary(await getJson('/v1/dashboard/overview')),
  devices: async () =>
    renderDevices(await getJson(`/v1/dashboard/devices${qs({ deviceId: filters.deviceId, q: filters.q })}`)),
  findings: async () =>
    renderFeed(
      await getJson(
        `/v1/dashboard/findings${qs({ limit: 50, deviceId: filters.deviceId, q: filters.q, ...rangeParams() })}`,
      ),
    ),
  timeline: async () =>
    renderChart(
      await getJson(
        `/v1/dashboard/threats/timeline${qs({ minutes: 60, buckets: 30, deviceId: filters.deviceId })}`,
      ),
    ),
  authorizations: async () =>
    renderAuthorizations(
      await getJson(
        `/v1/dashboard/authorizations${qs({
          limit: 50,
          deviceId: filters.deviceId,
          cardId: filters.cardId,
          decision: filters.decision,
          reason: filters.reason,
          q: filters.q,
          ...rangeParams(),
        })}`,
      ),
    ),
  decisions: async () =>
    renderDecisions(
      await getJson(
        `/v1/dashboard/decisions${qs({ limit: 15, deviceId: filters.deviceId, cardId: filters.cardId })}`,
      ),
    ),
  cards: async () =>
    renderCards(
      await getJson(
        `/v1/dashboard/cards${qs({ deviceId: filters.deviceId, cardId: filters.cardId, q: filters.q })}`,
      ),
    ),
  policy: async () => {
    const [policy, changes] = await Promise.all([getJson('/v1/policy'), getJson('/v1/policy/changes')]);
    renderPolicy(policy, changes);
  },
  audit: async () => renderAudit(await getJson('/v1/dashboard/audit?limit=50')),
  detail: async () => {
    if (detailId === null) return;
    const id = detailId;
    try {
      const d = await getJson(`/v1/dashboard/devices/${encodeURIComponent(id)}${qs({ limit: 100 })}`);
      if (id !== detailId) return;
      renderDetail(d);
      document.body.dataset.detail = 'ready';
    } catch (e) {
      if (!(e instanceof HttpError) || id !== detailId) throw e;
      document.getElementById('detail-title').textContent = `Device: ${e.code || e.status}`;
      document.body.dataset.detail = 'error';
    }
  },
};
const ALL = Object.keys(LOADERS);
const FILTERED = ['devices', 'findings', 'timeline', 'authorizations', 'decisions', 'cards'];

// What each server event concerns (stream/events.ts): only those panels are reloaded.
const EVENT_LOADERS = {
  'threat-report': ['overview', 'devices', 'findings', 'timeline', 'detail'],
  verdict: ['overview', 'devices', 'detail'],
  'risk-decision': ['decisions', 'detail'],
  authorization: ['overview', 'authorizations', 'cards', 'detail'],
  enrollment: ['overview', 'devices'],
};

function showError(e) {
  const status = document.getElementById('status');
  if (e instanceof HttpError && e.status === 400) {
    // The server refused a filter: say which and why (its message names the parameter).
    document.getElementById('filter-error').textContent =
      `filter refused: ${e.code} (${e.detail || 'bad value'})`;
    document.getElementById('filters').dataset.error = e.code || 'HTTP 400';
    return;
  }
  status.className = 'status err';
  status.textContent = `error: ${e.message}`;
}

// Runs the loaders of `names` now; a failed one shows its error, the others still render.
async function run(names) {
  const results = await Promise.allSettled(names.map((n) => LOADERS[n]()));
  const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failed.some((e) => e instanceof SignedOut)) {
    showSignIn('signed out: the session ended');
    return false;
  }
  failed.forEach(showError);
  if (failed.length === 0 || failed.every((e) => e instanceof HttpError && e.status === 400)) liveStatus();
  return failed.length === 0;
}

// Loads are coalesced: what is asked while a load runs waits for it, then goes in one batch, at
// most one batch per MIN_REFRESH_MS.
const MIN_REFRESH_MS = 250;
const pending = new Set();
let busy = false;
let soon;
function load(names) {
  for (const n of names) pending.add(n);
  if (busy || soon) return;
  soon = setTimeout(flush, 0);
}
async function flush() {
  soon = undefined;
  if (busy || pending.size === 0) return;
  busy = true;
  const names = [...pending];
  pending.clear();
  try {
    // Ready once every panel has loaded (the tests wait for it).
    if ((await run(names)) && ALL.every((n) => names.includes(n))) document.body.dataset.ready = '1';
  } finally {
    busy = false;
    if (pending.size > 0) soon = setTimeout(flush, MIN_REFRESH_MS);
  }
}

function refreshAll() {
  load(ALL);
}

function applyFilters(f) {
  filters = f;
  writeFilters(f);
  document.getElementById('filter-error').textContent = '';
  delete document.getElementById('filters').dataset.error;
  document.body.dataset.filtered = filterActive() ? '1' : '';
  load(FILTERED);
}

// ───────────────────────── live updates ─────────────────────────

// With the event stream open nothing polls: each event reloads its panels, and the policy and
// audit panels (which no event announces) reload every SLOW_REFRESH_MS. Without the stream the
// whole page reloads every FALLBACK_REFRESH_MS until it is back.
const SLOW_REFRESH_MS = 60_000;
const FALLBACK_REFRESH_MS = 15_000;
let events;
let slowTimer;
let fallbackTimer;

function liveStatus() {
  const status = document.getElementById('status');
  status.className = 'status';
  const mode = document.body.dataset.live;
  const updated = `updated ${time(Date.now())}`;
  status.textContent =
    mode === 'sse'
      ? `live (event stream) · ${updated}`
      : mode === 'polling'
        ? `polling every ${FALLBACK_REFRESH_MS / 1000} s (event stream down) · ${updated}`
        : updated;
}

function setLive(mode) {
  document.body.dataset.live = mode;
  if (mode === 'sse') {
    clearInterval(fallbackTimer);
    fallbackTimer = undefined;
  } else if (!fallbackTimer) fallbackTimer = setInterval(refreshAll, FALLBACK_REFRESH_MS);
  liveStatus();
}

function listen() {
  if (!slowTimer) slowTimer = setInterval(() => load(['policy', 'audit']), SLOW_REFRESH_MS);
  if (events) return;
  if (typeof EventSource === 'undefined') return setLive('polling');
  events = new EventSource('/v1/dashboard/events');
  for (const [type, names] of Object.entries(EVENT_LOADERS)) events.addEventListener(type, () => load(names));
  // (Re)connected: catch up on what happened while the stream was down.
  let wasDown = false;
  events.addEventListener('open', () => {
    setLive('sse');
    if (wasDown) load(ALL);
    wasDown = false;
  });
  events.addEventListener('error', () => {
    wasDown = true;
    setLive('polling');
  });
}

function unlisten() {
  events?.close();
  events = undefined;
  clearInterval(slowTimer);
  clearInterval(fallbackTimer);
  slowTimer = undefined;
  fallbackTimer = undefined;
}

// ───────────────────────── sign-in ─────────────────────────

function showSignIn(message) {
  me = null;
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
  detailId = null;
  showDetailFromHash();
  refreshAll();
  listen();
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
  document.getElementById('filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    applyFilters(readFilters());
  });
  document.getElementById('f-clear').addEventListener('click', () =>
    applyFilters({
      deviceId: '',
      cardId: '',
      decision: '',
      reason: '',
      range: '',
      from: '',
      to: '',
      q: '',
    }),
  );
  document.getElementById('f-range').addEventListener('change', showCustomRange);
  document.getElementById('detail-close').addEventListener('click', closeDevice);
  document.getElementById('detail-filter').addEventListener('click', () => {
    if (detailId !== null) applyFilters({ ...filters, deviceId: detailId });
  });
  window.addEventListener('hashchange', showDetailFromHash);
  document.getElementById('policy-propose').addEventListener('click', propose);
  boot();
});
