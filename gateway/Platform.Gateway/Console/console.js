'use strict';
// The node's ops console: signs in with the node's own OAuth2 client credentials and reads the node's APIs with that token.

const TEXT = {
  zh: {
    title: '运维控制台', range: '时间范围', range1h: '最近1小时', range24h: '最近24小时', range30d: '最近30天', signOut: '退出',
    signIn: '登录', signInHelp: '使用本节点的API客户端（客户端凭证）登录。', clientId: '客户端ID', clientSecret: '客户端密钥', signInButton: '登录',
    signInFailed: '登录失败：客户端ID或密钥不正确。', interactions: '交换次数', errorRate: '错误率', outboxBacklog: '发件箱积压', rejected: '拒收消息(已隔离)', auditChain: '审计链',
    matrix: '部门间交换矩阵', timeSeries: '交换量时间序列', queueDepth: '队列深度', byKind: '按类型与结果', from: '来源', to: '目标', kind: '类型',
    outcome: '结果', count: '次数', services: '本节点服务', service: '服务', status: '状态', oldestAge: '最旧消息(秒)', peers: '对端节点',
    department: '部门', gateway: '网关', queues: '队列', queue: '队列', messages: '消息', unacked: '未确认', consumers: '消费者',
    pendingReviews: '待审核申请', request: '申请', requester: '申请部门', submitted: '提交时间', deadline: '审核期限', kpis: '共享绩效（本月）',
    downloadCsv: '下载月报CSV', printable: '打印版', rank: '排名', published: '发布档案', quality: '平均质量', received: '收到申请', answered: '已答复',
    overdue: '逾期', onTime: '按时率', approval: '批准率', median: '审批中位数(小时)', delivered: '提供内容', failed: '失败交付',
    deadLetters: '死信通知', subscription: '订阅', event: '事件', attempts: '尝试次数', lastError: '最后错误', replay: '重新投递', replayed: '已重新排队',
    updated: '更新于', valid: '完整', broken: '已损坏', entries: '条', witnesses: '见证节点一致', none: '无', forbidden: '无权限查看',
  },
  en: {
    title: 'Ops console', range: 'Range', range1h: 'Last hour', range24h: 'Last 24 hours', range30d: 'Last 30 days', signOut: 'Sign out',
    signIn: 'Sign in', signInHelp: 'Sign in with an API client of this node (client credentials).', clientId: 'Client id', clientSecret: 'Client secret',
    signInButton: 'Sign in', signInFailed: 'Sign-in failed: wrong client id or secret.', interactions: 'Interactions', errorRate: 'Error rate',
    outboxBacklog: 'Outbox backlog', rejected: 'Rejected messages (quarantined)', auditChain: 'Audit chain', matrix: 'Department-to-department traffic', timeSeries: 'Traffic over time',
    queueDepth: 'Queue depth', byKind: 'By kind and outcome', from: 'From', to: 'To', kind: 'Kind', outcome: 'Outcome', count: 'Count',
    services: 'Services of this node', service: 'Service', status: 'Status', oldestAge: 'Oldest (s)', peers: 'Peer nodes', department: 'Department',
    gateway: 'Gateway', queues: 'Queues', queue: 'Queue', messages: 'Messages', unacked: 'Unacked', consumers: 'Consumers',
    pendingReviews: 'Pending reviews', request: 'Request', requester: 'Requester', submitted: 'Submitted', deadline: 'Review deadline',
    kpis: 'Sharing KPIs (this month)', downloadCsv: 'Monthly report (CSV)', printable: 'Printable page', rank: 'Rank', published: 'Records published',
    quality: 'Avg quality', received: 'Requests received', answered: 'Answered', overdue: 'Overdue', onTime: 'On-time rate', approval: 'Approval rate',
    median: 'Median decision (h)', delivered: 'Deliveries', failed: 'Failed deliveries', deadLetters: 'Dead-lettered notifications',
    subscription: 'Subscription', event: 'Event', attempts: 'Attempts', lastError: 'Last error', replay: 'Replay', replayed: 'Queued again',
    updated: 'Updated', valid: 'intact', broken: 'BROKEN', entries: 'entries', witnesses: 'witnesses agreeing', none: 'none', forbidden: 'not permitted',
  },
};
const RANGES = { '1h': [3600e3, 'minute'], '24h': [86400e3, 'hour'], '30d': [30 * 86400e3, 'day'] };

let lang = localStorage.getItem('console.lang') || (navigator.language.startsWith('zh') ? 'zh' : 'en');
let token = sessionStorage.getItem('console.token');
let charts = {};
let timer;
const $ = id => document.getElementById(id);
const t = key => TEXT[lang][key] ?? key;

function applyLanguage() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.querySelectorAll('[data-i18n]').forEach(el => { el.textContent = t(el.dataset.i18n); });
  document.title = t('title');
  $('lang').textContent = lang === 'zh' ? 'English' : '中文';
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, credentials: 'omit', headers: { ...(options.headers || {}), Authorization: `Bearer ${token}` } });
  if (response.status === 401) { signOut(); throw new Error('signed out'); }
  if (!response.ok) throw Object.assign(new Error(`${response.status}`), { status: response.status });
  return response.status === 204 ? null : response.json();
}

async function signIn(event) {
  event.preventDefault();
  $('signin-error').textContent = '';
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: $('client-id').value, client_secret: $('client-secret').value });
  // credentials: 'omit' — the token endpoint answers a wrong secret with 401 + WWW-Authenticate: Basic, and a browser
  // would otherwise hold the request open for a password prompt.
  const response = await fetch('/connect/token', { method: 'POST', body, credentials: 'omit' });
  if (!response.ok) { $('signin-error').textContent = t('signInFailed'); return; }
  token = (await response.json()).access_token;
  sessionStorage.setItem('console.token', token);
  show();
}

function signOut() {
  token = null;
  sessionStorage.removeItem('console.token');
  clearInterval(timer);
  $('dashboard').hidden = true; $('sign-out').hidden = true; $('signin-panel').hidden = false;
}

function show() {
  $('signin-panel').hidden = true; $('dashboard').hidden = false; $('sign-out').hidden = false;
  refresh();
  clearInterval(timer);
  timer = setInterval(refresh, 10000);
}

function row(table, cells, build) {
  const tr = document.createElement('tr');
  cells.forEach(cell => {
    const td = document.createElement('td');
    if (cell instanceof Node) td.append(cell);
    else if (typeof cell === 'number') { td.textContent = Number.isInteger(cell) ? cell.toLocaleString() : cell.toFixed(cell < 10 ? 2 : 1); td.className = 'num'; }
    else td.textContent = cell ?? '–';
    tr.append(td);
  });
  build?.(tr);
  $(table).querySelector('tbody').append(tr);
}

function clear(table) { $(table).querySelector('tbody').replaceChildren(); }
function percent(value) { return value == null ? '–' : `${(value * 100).toFixed(1)}%`; }
function status(text, good) { const span = document.createElement('span'); span.textContent = text; span.className = good ? 'ok' : 'bad'; return span; }

// Each panel loads on its own: a role the client lacks (403) hides only that panel's figures.
async function panel(table, load) {
  try { await load(); } catch (error) { if (table && error.status === 403) { clear(table); row(table, [t('forbidden')]); } }
}

async function refresh() {
  const [span, bucket] = RANGES[$('range').value];
  const to = new Date(Date.now() + 60e3), from = new Date(to - span);
  await Promise.all([
    panel('traffic-matrix', () => loadTraffic(from, to, bucket)),
    panel('services', loadOverview),
    panel('pending-reviews', loadPendingReviews),
    panel('kpis', loadKpis),
    panel(null, loadAuditChain),
    panel('dead-letters', loadDeadLetters),
  ]);
  $('updated').textContent = new Date().toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB');
}

async function loadTraffic(from, to, bucket) {
  const report = await api(`/api/audit/traffic?bucket=${bucket}&from=${from.toISOString()}&to=${to.toISOString()}`);
  $('total-count').textContent = report.totals.count.toLocaleString();
  $('error-rate').textContent = percent(report.totals.errorRate);

  // Matrix: rows are the sending department, columns the receiving one (* = every department, a broadcast).
  const cells = new Map(), senders = new Set(), receivers = new Set();
  report.pairs.forEach(p => {
    senders.add(p.fromDepartment); receivers.add(p.toDepartment);
    const key = `${p.fromDepartment}|${p.toDepartment}`;
    cells.set(key, (cells.get(key) || 0) + p.count);
  });
  const columns = [...receivers].sort();
  const head = document.createElement('tr');
  [`${t('from')} \\ ${t('to')}`, ...columns].forEach(c => { const th = document.createElement('th'); th.textContent = c; head.append(th); });
  $('traffic-matrix').querySelector('thead').replaceChildren(head);
  clear('traffic-matrix');
  [...senders].sort().forEach(s => row('traffic-matrix', [s, ...columns.map(c => cells.get(`${s}|${c}`) || 0)], tr => {
    tr.dataset.from = s;
    columns.forEach((c, i) => { tr.children[i + 1].dataset.to = c; });
  }));

  clear('traffic-pairs');
  report.pairs.forEach(p => row('traffic-pairs', [p.fromDepartment, p.toDepartment, p.kind, p.outcome, p.count,
    p.latency?.p50Ms ?? null, p.latency?.p95Ms ?? null, p.latency?.p99Ms ?? null]));

  const times = [...new Set(report.points.map(p => p.bucketStart))].sort();
  const kinds = [...new Set(report.points.map(p => p.kind))].sort();
  const datasets = kinds.map(kind => ({
    label: kind,
    data: times.map(time => report.points.filter(p => p.kind === kind && p.bucketStart === time).reduce((sum, p) => sum + p.count, 0)),
    tension: 0.2,
  }));
  const labels = times.map(time => new Date(time).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }));
  draw('traffic-chart', 'line', labels, datasets);
}

function draw(id, type, labels, datasets) {
  if (typeof Chart === 'undefined') return;
  if (charts[id]) { charts[id].data.labels = labels; charts[id].data.datasets = datasets; charts[id].update('none'); return; }
  charts[id] = new Chart($(id), { type, data: { labels, datasets }, options: { animation: false, responsive: true, plugins: { legend: { position: 'bottom' } } } });
}

async function loadOverview() {
  const overview = await api('/api/ops/overview');
  $('node-name').textContent = overview.node;
  clear('services');
  let backlog = 0, rejected = 0;
  overview.services.forEach(s => {
    backlog += s.outboxBacklog || 0;
    rejected += s.messagesRejected || 0;
    row('services', [s.name, status(s.status, s.status === 'Healthy'), s.outboxBacklog ?? null, s.outboxOldestAgeSeconds ?? null,
      s.messagesRejected ? status(String(s.messagesRejected), false) : s.messagesRejected ?? null]);
  });
  $('outbox-backlog').textContent = backlog.toLocaleString();
  $('messages-rejected').textContent = rejected.toLocaleString();
  clear('peers');
  overview.peers.forEach(p => row('peers', [p.department, p.gatewayUrl, status(p.status, p.status === 'Healthy')]));
  $('queues-error').textContent = overview.queuesError || '';
  clear('queues');
  overview.queues.forEach(q => row('queues', [q.name, q.messages, q.unacknowledged, q.consumers], tr => { if (q.isErrorQueue && q.messages > 0) tr.className = 'bad'; }));
  const deep = overview.queues.filter(q => q.messages > 0 || q.isErrorQueue).slice(0, 20);
  draw('queue-chart', 'bar', deep.map(q => q.name.split('.').slice(1).join('.')),
    [{ label: t('messages'), data: deep.map(q => q.messages) }, { label: t('unacked'), data: deep.map(q => q.unacknowledged) }]);
}

async function loadPendingReviews() {
  const page = await api('/api/sharing/requests?role=incoming&status=pending-review');
  const items = Array.isArray(page) ? page : (page.items || []);
  clear('pending-reviews');
  if (items.length === 0) row('pending-reviews', [t('none')]);
  items.forEach(r => row('pending-reviews', [r.id, r.requesterDepartment, new Date(r.submittedAt).toLocaleString(), r.reviewDeadline ? new Date(r.reviewDeadline).toLocaleString() : null,
    status(r.overdue ? t('overdue') : r.status, !r.overdue)]));
}

async function loadKpis() {
  const report = await api('/api/audit/kpis');
  const month = report.from.slice(0, 7);
  $('kpi-csv').onclick = event => { event.preventDefault(); download(`/api/audit/kpis/report?month=${month}&format=csv`, `sharing-kpis-${month}.csv`); };
  $('kpi-print').onclick = event => { event.preventDefault(); download(`/api/audit/kpis/report?month=${month}&format=html`, null); };
  clear('kpis');
  report.departments.forEach(k => row('kpis', [k.rank, k.department, k.recordsPublished, k.averageQuality, k.requestsReceived, k.requestsAnswered,
    k.requestsOverdue, percent(k.onTimeRate), percent(k.approvalRate), k.medianDecisionHours, k.p90DecisionHours, k.deliveriesServed, k.failedDeliveries]));
}

async function download(path, name) {
  const response = await fetch(path, { credentials: 'omit', headers: { Authorization: `Bearer ${token}` } });
  const url = URL.createObjectURL(await response.blob());
  if (name) { const a = document.createElement('a'); a.href = url; a.download = name; a.click(); } else window.open(url, '_blank');
}

async function loadAuditChain() {
  try {
    const chain = await api('/api/audit/verify?witnesses=true');
    $('audit-chain').replaceChildren(status(chain.valid ? t('valid') : t('broken'), chain.valid));
    const agreeing = (chain.witnesses || []).filter(w => w.firstMismatchSequence == null).length;
    $('audit-chain-detail').textContent = `${chain.entries.toLocaleString()} ${t('entries')} · ${agreeing}/${(chain.witnesses || []).length} ${t('witnesses')} · ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    if (error.status === 403) $('audit-chain').textContent = t('forbidden'); else throw error;
  }
}

async function loadDeadLetters() {
  const subscriptions = await api('/api/notify/subscriptions');
  const list = Array.isArray(subscriptions) ? subscriptions : (subscriptions.items || []);
  const dead = (await Promise.all(list.map(async s => {
    const page = await api(`/api/notify/subscriptions/${s.id}/deliveries?status=dead`);
    return (Array.isArray(page) ? page : (page.items || [])).map(d => ({ ...d, subscription: s }));
  }))).flat();
  clear('dead-letters');
  if (dead.length === 0) row('dead-letters', [t('none')]);
  dead.forEach(d => {
    const button = document.createElement('button');
    button.type = 'button'; button.textContent = t('replay'); button.className = 'replay';
    button.onclick = async () => { await api(`/api/notify/deliveries/${d.id}/replay`, { method: 'POST' }); button.disabled = true; button.textContent = t('replayed'); };
    row('dead-letters', [d.subscription.url || d.subscription.channel, d.eventType, d.attempts, d.lastError, button]);
  });
}

document.addEventListener('DOMContentLoaded', () => {
  applyLanguage();
  $('signin').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('lang').addEventListener('click', () => { lang = lang === 'zh' ? 'en' : 'zh'; localStorage.setItem('console.lang', lang); applyLanguage(); if (token) refresh(); });
  $('range').addEventListener('change', () => { if (token) refresh(); });
  if (token) show();
});
