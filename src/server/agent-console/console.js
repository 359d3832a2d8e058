/*
 * Croupier agent console: sign in, the live queue with SLA clocks, claim, the case view (full
 * transcript, player card, reply with canned replies, internal notes, transfer, close).
 *
 * Plain browser ES modules, no build step and no framework. Talks to the agent API under
 * /api/agent/ (REST + the live socket); the server is the source of truth: after a reconnect, or
 * when a live update changes the queue, the console re-reads the list so its order is the server's.
 * Everything a player (or anyone) wrote is set with textContent only.
 */
import { ApiError, connectLive, createApi } from './api.js';
import { clock, dateTime, duration, el, fill, humanize, money, str, time, toMs } from './dom.js';

const KEY_TOKEN = 'croupier.agent.token';
const SKILLS = ['general', 'payments', 'technical', 'kyc', 'vip', 'responsible_gambling'];
/** Queue order as src/handoff/routing.ts has it: urgent, then VIPs (higher tier first), high, normal, low. */
const PRIORITY_RANK = { urgent: 0, high: 2, normal: 3, low: 4 };
const VIP_RANK = 1;
const PRIORITY_LABEL = { urgent: 'Urgent', high: 'High', normal: 'Normal', low: 'Low' };
const REASONS = {
  player_request: 'Asked for a person',
  too_many_invalid_answers: 'Stuck in a flow',
  repeated_fallback: 'Bot did not understand',
  backoffice_error: 'Back-office failure',
  verification_failed: 'Verification failed',
  responsible_gambling: 'Responsible gambling',
  complaint: 'Complaint',
  angry: 'Angry player',
  abusive: 'Abusive language',
  sentiment: 'Upset player',
  flow: 'Flow hand-off',
};
/** The back office's VIP tiers by rank (src/handoff/model.ts VIP_TIER_RANK). */
const VIP_NAMES = { 1: 'Bronze', 2: 'Silver', 3: 'Gold', 4: 'Platinum', 5: 'Diamond' };
const AUTHOR_LABEL = { player: 'Player', bot: 'Bot', agent: 'Agent', system: 'System' };
const CONNECTION_LABEL = { connecting: 'Connecting…', online: 'Live', reconnecting: 'Reconnecting…' };

const $ = (id) => document.getElementById(id);
const ui = {
  announcer: $('announcer'),
  loginScreen: $('login-screen'),
  loginForm: document.querySelector('[data-testid="login-form"]'),
  loginUser: $('login-user'),
  loginPassword: $('login-password'),
  loginMessage: $('login-message'),
  workspace: $('workspace'),
  connection: $('connection'),
  me: $('me'),
  statusToggle: $('status-toggle'),
  logout: $('logout'),
  alerts: $('alerts'),
  notice: $('notice'),
  queueTitle: $('queue-title'),
  queueFilter: $('queue-filter'),
  queue: $('queue'),
  caseEmpty: $('case-empty'),
  caseView: $('case-view'),
  caseBack: $('case-back'),
  caseTitle: $('case-title'),
  caseMeta: $('case-meta'),
  caseError: $('case-error'),
  claim: $('claim'),
  closeGroup: $('close-group'),
  closeResolved: $('close-resolved'),
  closeUnresolved: $('close-unresolved'),
  transcript: $('transcript'),
  replyForm: $('reply-form'),
  replyLabel: $('reply-label'),
  replyInput: $('reply-input'),
  replySend: $('reply-send'),
  canned: $('canned'),
  playerBody: $('player-body'),
  notes: $('notes'),
  noteForm: $('note-form'),
  noteInput: $('note-input'),
  noteSend: $('note-send'),
  transferForm: $('transfer-form'),
  transferSkill: $('transfer-skill'),
  transferTier: $('transfer-tier'),
  transferAgentRow: $('transfer-agent-row'),
  transferAgent: $('transfer-agent'),
  transferSend: $('transfer-send'),
};

const state = {
  token: storageGet(KEY_TOKEN),
  agent: null,
  /** Agent directory (id → agent), for names and the transfer picker; empty if not allowed. */
  agents: new Map(),
  /** The cases in view (id → CaseView) and their order, as the server last sent it. */
  cases: new Map(),
  order: [],
  filter: 'open',
  /** Server clock minus browser clock, so SLA clocks count down in the server's time. */
  offset: 0,
  live: null,
  loading: null,
  buffered: null,
  resyncTimer: null,
  openId: null,
  openSeq: 0,
  detail: null,
  entryKeys: new Set(),
  drafts: new Map(),
  canned: new Map(),
  unread: new Set(),
  alerts: new Map(),
  dismissed: new Set(),
  busy: new Set(),
  noticeTimer: null,
  signingOut: false,
};

const api = createApi({ token: () => state.token, onUnauthorized: () => signOut('Your session has ended. Please sign in again.') });

const now = () => Date.now() + state.offset;
const isSupervisor = () => !!state.agent && (state.agent.role === 'supervisor' || state.agent.role === 'admin');
const isMine = (c) => !!c && !!state.agent && c.status === 'assigned' && c.agentId === state.agent.id;

function storageGet(key) {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}
function storageSet(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    /* private mode: the session lasts as long as the page */
  }
}

function setScreen(screen) {
  document.body.setAttribute('data-screen', screen);
  ui.loginScreen.hidden = screen !== 'login';
  ui.workspace.hidden = screen !== 'workspace';
}

function announce(text) {
  ui.announcer.textContent = '';
  // a new text node in the next frame is announced even when it repeats the previous one
  requestAnimationFrame(() => {
    ui.announcer.textContent = text;
  });
}

function showNotice(text) {
  ui.notice.textContent = text;
  ui.notice.hidden = false;
  clearTimeout(state.noticeTimer);
  state.noticeTimer = setTimeout(() => {
    ui.notice.hidden = true;
  }, 6000);
}

function showCaseError(text) {
  ui.caseError.textContent = text;
  ui.caseError.hidden = !text;
}

function syncOffset(serverNow) {
  const ms = toMs(serverNow);
  if (Number.isFinite(ms)) state.offset = ms - Date.now();
}

// ---------------------------------------------------------------- sign in / out

function showLogin(message) {
  setScreen('login');
  ui.loginMessage.textContent = message || '';
  ui.loginMessage.hidden = !message;
  ui.loginPassword.value = '';
  ui.loginUser.focus();
}

ui.loginForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const login = ui.loginUser.value.trim();
  const password = ui.loginPassword.value;
  if (!login || !password) {
    showLogin('Enter your login and password.');
    if (login) ui.loginPassword.focus();
    return;
  }
  const submit = ui.loginForm.querySelector('[data-testid="login-submit"]');
  submit.disabled = true;
  try {
    const result = await api.post('/login', { login, password });
    if (!result || typeof result.token !== 'string' || !result.agent)
      throw new ApiError(500, 'BAD_ANSWER', 'The server gave an unexpected answer.');
    state.token = result.token;
    storageSet(KEY_TOKEN, result.token);
    ui.loginPassword.value = '';
    startWorkspace(result.agent);
  } catch (error) {
    showLogin(error.status === 401 ? 'Wrong login or password.' : error.message);
    ui.loginPassword.focus();
  } finally {
    submit.disabled = false;
  }
});

ui.logout.addEventListener('click', async () => {
  try {
    await api.post('/logout');
  } catch {
    /* signing out locally is what matters */
  }
  signOut('You are signed out.');
});

function signOut(message) {
  if (state.signingOut) return;
  state.signingOut = true;
  if (state.live) state.live.close();
  clearTimeout(state.resyncTimer);
  Object.assign(state, {
    token: null,
    agent: null,
    live: null,
    loading: null,
    buffered: null,
    openId: null,
    detail: null,
  });
  state.agents.clear();
  state.cases.clear();
  state.order = [];
  state.filter = 'open';
  ui.queueFilter.value = 'open';
  state.entryKeys.clear();
  state.drafts.clear();
  state.canned.clear();
  state.unread.clear();
  state.alerts.clear();
  state.dismissed.clear();
  storageSet(KEY_TOKEN, null);
  fill(ui.queue);
  fill(ui.alerts);
  ui.alerts.hidden = true;
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  showLogin(message);
  state.signingOut = false;
}

function startWorkspace(agent) {
  state.agent = agent;
  setScreen('workspace');
  renderMe();
  buildSkillOptions();
  renderQueue();
  closeCaseView(false);
  ui.queueTitle.focus();
  state.live = connectLive({
    token: () => state.token,
    onFrame,
    onState: (connection) => {
      ui.connection.setAttribute('data-state', connection);
      ui.connection.textContent = CONNECTION_LABEL[connection] || connection;
    },
    onUnauthorized: () => signOut('Your session has ended. Please sign in again.'),
    onDrop: (beforeHello) => {
      // A socket refused before its hello may be an expired session: a 401 here signs out.
      if (beforeHello) api.get('/me').catch(() => undefined);
    },
  });
  void loadAgents();
  void loadCases();
  routeFromHash();
}

function renderMe() {
  const agent = state.agent;
  if (!agent) return;
  fill(ui.me, el('strong', null, str(agent.name) || str(agent.login)), ' ', el('span', { class: 'role' }, humanize(agent.role)));
  const online = agent.online === true;
  ui.statusToggle.setAttribute('aria-pressed', String(online));
  ui.statusToggle.setAttribute('data-online', String(online));
  ui.statusToggle.textContent = online ? 'Online' : 'Offline';
  ui.statusToggle.title = online ? 'You receive new cases. Click to go offline.' : 'You receive no new cases. Click to go online.';
}

ui.statusToggle.addEventListener('click', async () => {
  if (!state.agent) return;
  ui.statusToggle.disabled = true;
  try {
    const result = await api.put('/me/status', { online: state.agent.online !== true });
    if (result && result.agent) state.agent = result.agent;
    renderMe();
    announce(state.agent.online ? 'You are online.' : 'You are offline.');
    scheduleResync();
  } catch (error) {
    showNotice(error.message);
  } finally {
    ui.statusToggle.disabled = false;
  }
});

// ---------------------------------------------------------------- live frames

function onFrame(frame) {
  if (state.loading && frame.type === 'case.updated') {
    // the list is being re-read: apply this after it, so an older snapshot does not undo it
    state.buffered.push(frame);
    return;
  }
  switch (frame.type) {
    case 'hello':
      if (frame.agent && typeof frame.agent === 'object') {
        state.agent = frame.agent;
        renderMe();
      }
      syncOffset(frame.now);
      // (re)connected: whatever happened while the socket was down is in a fresh read
      void loadCases();
      if (state.openId) void refreshOpenCase();
      break;
    case 'case.updated':
      if (frame.case && typeof frame.case.id === 'string') applyCase(frame.case, true);
      break;
    case 'case.message':
      if (typeof frame.caseId === 'string' && frame.entry) onCaseMessage(frame.caseId, frame.entry);
      break;
    case 'case.note':
      if (frame.caseId === state.openId && frame.note && state.detail) {
        addNote(frame.note);
      }
      break;
    case 'agent.updated':
      if (frame.agent && typeof frame.agent.id === 'string') {
        if (state.agent && frame.agent.id === state.agent.id) {
          state.agent = { ...state.agent, ...frame.agent };
          renderMe();
        }
        if (state.agents.has(frame.agent.id)) {
          state.agents.set(frame.agent.id, { ...state.agents.get(frame.agent.id), ...frame.agent });
          buildAgentOptions();
        }
      }
      break;
    case 'sla.breach':
      if (typeof frame.caseId === 'string') {
        if (frame.case && typeof frame.case.id === 'string') applyCase(frame.case, false);
        addAlert(frame.caseId, str(frame.kind) || 'first_reply', frame.case || state.cases.get(frame.caseId));
      }
      break;
    case 'error':
      if (frame.code === 'CROUPIER_INPUT_UNAUTHORIZED') signOut('Your session has ended. Please sign in again.');
      break;
    default:
      break; // newer servers may send frames this console does not know
  }
}

/** A case changed: update the list (and the open case) at once; re-read the list if its order may have changed. */
function applyCase(c, announceNew) {
  const before = state.cases.get(c.id);
  const visible = state.filter === 'closed' ? c.status === 'closed' : c.status !== 'closed';
  if (visible) {
    state.cases.set(c.id, c);
    if (!state.order.includes(c.id)) insertInOrder(c);
  } else if (before) {
    state.cases.delete(c.id);
    state.order = state.order.filter((id) => id !== c.id);
  }
  if (
    !before ||
    before.status !== c.status ||
    before.position !== c.position ||
    before.priority !== c.priority ||
    before.agentId !== c.agentId ||
    before.skill !== c.skill ||
    before.tier !== c.tier ||
    before.slaState !== c.slaState // also brings the server's time again, for the clocks
  ) {
    scheduleResync();
  }
  if (!before && visible && announceNew && c.status === 'queued')
    announce(`New case waiting: ${reasonLabel(c.reason)}, ${str(c.language).toUpperCase()}.`);
  if (state.detail && state.detail.case.id === c.id) {
    const wasMine = isMine(state.detail.case);
    state.detail.case = c;
    renderCaseHead();
    if (wasMine && !isMine(c) && c.status !== 'closed') showNotice('This case is no longer assigned to you.');
  }
  renderQueue();
  if (isSupervisor() && str(c.slaState || (c.sla && c.sla.state)) === 'breached') alertsFromCase(c);
}

function rank(c) {
  if (c.priority === 'urgent') return PRIORITY_RANK.urgent;
  if (Number(c.vipTier) > 0) return VIP_RANK;
  return PRIORITY_RANK[c.priority] ?? PRIORITY_RANK.normal;
}

/** The server's queue order (it re-sends the list soon after; this places a new case until then). */
function compareCases(a, b) {
  const p = rank(a) - rank(b);
  if (p !== 0) return p;
  if (rank(a) === VIP_RANK) {
    const v = (Number(b.vipTier) || 0) - (Number(a.vipTier) || 0);
    if (v !== 0) return v;
  }
  return (toMs(a.queuedAt) || 0) - (toMs(b.queuedAt) || 0);
}

function insertInOrder(c) {
  const index = state.order.findIndex((id) => {
    const other = state.cases.get(id);
    return other && compareCases(c, other) < 0;
  });
  if (index < 0) state.order.push(c.id);
  else state.order.splice(index, 0, c.id);
}

function scheduleResync() {
  clearTimeout(state.resyncTimer);
  state.resyncTimer = setTimeout(() => void loadCases(), 250);
}

async function loadCases() {
  if (!state.agent) return;
  if (state.loading) {
    // one read at a time; another follows it so this request's reason is covered too
    scheduleResync();
    return;
  }
  const token = state.token;
  const filter = state.filter;
  state.loading = true;
  state.buffered = [];
  try {
    const result = await api.get(`/cases?status=${encodeURIComponent(filter)}`);
    if (state.token !== token || !result) return;
    if (state.filter !== filter) {
      scheduleResync(); // the agent switched lists meanwhile: read the one now shown
      return;
    }
    syncOffset(result.now);
    const list = Array.isArray(result.cases) ? result.cases.filter((c) => c && typeof c.id === 'string') : [];
    state.cases = new Map(list.map((c) => [c.id, c]));
    state.order = list.map((c) => c.id);
    if (state.detail) {
      const fresh = state.cases.get(state.detail.case.id);
      if (fresh) {
        state.detail.case = fresh;
        renderCaseHead();
      }
    }
    if (isSupervisor()) for (const c of list) alertsFromCase(c);
  } catch (error) {
    if (error.status !== 401) showNotice(`Could not load the cases: ${error.message}`);
  } finally {
    const buffered = state.buffered || [];
    state.loading = null;
    state.buffered = null;
    if (state.token === token) {
      for (const frame of buffered) onFrame(frame);
      renderQueue();
    }
  }
}

async function loadAgents() {
  try {
    const result = await api.get('/agents');
    state.agents = new Map((result && Array.isArray(result.agents) ? result.agents : []).filter((a) => a && a.id).map((a) => [a.id, a]));
  } catch {
    state.agents = new Map(); // plain agents may not read the directory: no agent picker then
  }
  buildSkillOptions();
  buildAgentOptions();
  renderQueue();
  if (state.detail) renderPlayer();
}

ui.queueFilter.addEventListener('change', () => {
  state.filter = ui.queueFilter.value === 'closed' ? 'closed' : 'open';
  state.cases.clear();
  state.order = [];
  renderQueue();
  void loadCases();
});

// ---------------------------------------------------------------- the queue

function reasonLabel(reason) {
  return REASONS[str(reason)] || humanize(reason) || 'Hand-off';
}

function agentName(id) {
  if (!id) return '';
  if (state.agent && id === state.agent.id) return 'you';
  const agent = state.agents.get(id);
  return agent ? str(agent.name) || str(agent.login) : str(id);
}

function priorityBadge(priority) {
  const p = PRIORITY_LABEL[priority] ? priority : 'normal';
  return el('span', { class: `badge priority priority-${p}`, 'data-testid': 'priority' }, PRIORITY_LABEL[p]);
}

/** A VIP badge for a tier given as a rank (3) or as the back office names it ("gold"); none for non-VIPs. */
function vipBadge(tier) {
  if (typeof tier === 'string') {
    if (!tier || /^(none|regular|standard)$/i.test(tier)) return null;
    return el('span', { class: 'badge vip', 'data-testid': 'vip-badge', title: `VIP tier ${tier}` }, `VIP ${humanize(tier)}`);
  }
  const n = Number(tier);
  if (tier === null || !Number.isFinite(n) || n <= 0) return null;
  const name = VIP_NAMES[n];
  return el(
    'span',
    { class: 'badge vip', 'data-testid': 'vip-badge', title: `VIP tier ${n}${name ? ` (${name})` : ''}` },
    `VIP ${name || n}`,
  );
}

/** The SLA clock of a case: counts down to the first-reply deadline, then to escalation. */
function slaClock(c, verbose) {
  if (c.status === 'closed') return null;
  const sla = c.sla || {};
  const replied = !!c.firstReplyAt;
  const deadline = replied ? c.escalateAt || sla.escalateAt : c.firstReplyDueAt || sla.firstReplyDueAt;
  if (!Number.isFinite(toMs(deadline))) return null;
  const node = el('span', {
    class: 'sla',
    'data-testid': 'sla-clock',
    'data-deadline': String(toMs(deadline)),
    'data-server-state': str(c.slaState || sla.state) || 'ok',
    'data-label': replied ? 'Escalates in' : 'First reply due in',
    'data-verbose': verbose ? 'true' : null,
    role: 'timer',
  });
  tickClock(node);
  return node;
}

function tickClock(node) {
  const remaining = Number(node.getAttribute('data-deadline')) - now();
  const server = node.getAttribute('data-server-state') || 'ok';
  const sla = remaining <= 0 ? 'breached' : server;
  node.setAttribute('data-sla', sla);
  const label = node.getAttribute('data-verbose') ? `${node.getAttribute('data-label')} ` : '';
  node.textContent = remaining <= 0 ? `SLA overdue ${clock(-remaining)}` : `${label}${clock(remaining)}`;
  node.setAttribute(
    'aria-label',
    remaining <= 0 ? `SLA breached, overdue by ${duration(-remaining)}` : `${node.getAttribute('data-label')} ${duration(remaining)}`,
  );
  const item = node.closest('[data-testid="queue-item"]');
  if (item) item.setAttribute('data-sla', sla);
}

function tickAll() {
  for (const node of document.querySelectorAll('[data-deadline]')) tickClock(node);
  for (const node of document.querySelectorAll('[data-since]')) tickSince(node);
}

function tickSince(node) {
  node.textContent = `${node.getAttribute('data-prefix') || ''}${duration(now() - Number(node.getAttribute('data-since')))}`;
}
setInterval(tickAll, 1000);

function waited(c) {
  const since = toMs(c.queuedAt);
  if (!Number.isFinite(since) || c.status === 'closed') return null;
  const node = el('span', {
    class: 'waited',
    'data-since': String(since),
    'data-prefix': c.status === 'queued' ? 'waiting ' : 'open for ',
  });
  tickSince(node);
  return node;
}

function queueItem(c) {
  const selected = c.id === state.openId;
  const unread = state.unread.has(c.id);
  const serverSla = str(c.slaState || (c.sla && c.sla.state)) || 'ok';
  const last = c.lastMessage && typeof c.lastMessage === 'object' ? str(c.lastMessage.text) : '';
  const button = el(
    'button',
    {
      type: 'button',
      class: 'queue-item',
      'data-testid': 'queue-item',
      'data-case-id': c.id,
      'data-status': str(c.status),
      'data-priority': str(c.priority),
      'data-sla': serverSla,
      'data-unread': unread ? 'true' : null,
      'aria-current': selected ? 'true' : null,
    },
    el(
      'span',
      { class: 'qi-line' },
      priorityBadge(c.priority),
      vipBadge(c.vipTier),
      el('span', { class: 'badge lang', title: 'Language' }, str(c.language).toUpperCase() || '??'),
      el('span', { class: 'badge channel', title: 'Channel' }, str(c.channel)),
      el('span', { class: 'grow' }),
      slaClock(c),
    ),
    el(
      'span',
      { class: 'qi-line qi-title' },
      el('span', { class: 'qi-name' }, str(c.playerName) || 'Player'),
      unread ? el('span', { class: 'dot', title: 'New message' }, el('span', { class: 'sr-only' }, 'new message')) : null,
    ),
    el('span', { class: 'qi-reason' }, `${reasonLabel(c.reason)} · ${humanize(c.skill) || 'General'} · tier ${Number(c.tier) || 1}`),
    last ? el('span', { class: 'qi-last' }, last) : null,
    el(
      'span',
      { class: 'qi-line qi-foot' },
      waited(c),
      c.status === 'queued' && c.position ? el('span', null, `#${Number(c.position)} in queue`) : null,
      c.status === 'assigned' ? el('span', null, `with ${agentName(c.agentId)}`) : null,
      c.status === 'closed' ? el('span', null, c.resolved === true ? 'resolved' : c.resolved === false ? 'not resolved' : 'closed') : null,
    ),
  );
  button.addEventListener('click', () => openCase(c.id, true));
  return el('li', null, button);
}

function renderQueue() {
  const focused = document.activeElement && document.activeElement.getAttribute('data-case-id');
  const ordered = state.order.map((id) => state.cases.get(id)).filter(Boolean);
  const groups =
    state.filter === 'closed'
      ? [{ title: 'Closed', items: ordered }]
      : [
          { title: 'Waiting', items: ordered.filter((c) => c.status === 'queued'), empty: 'Nobody is waiting.' },
          { title: 'My cases', items: ordered.filter((c) => isMine(c)), empty: 'You have no open cases.' },
          ...(isSupervisor() ? [{ title: 'With other agents', items: ordered.filter((c) => c.status === 'assigned' && !isMine(c)) }] : []),
        ];
  fill(
    ui.queue,
    groups.map((group) => {
      const id = `queue-${group.title.toLowerCase().replace(/\W+/g, '-')}`;
      return el(
        'section',
        { class: 'queue-group', 'aria-labelledby': id },
        el('h3', { id }, group.title, ' ', el('span', { class: 'count' }, String(group.items.length))),
        group.items.length > 0
          ? el('ul', { class: 'queue-list' }, group.items.map(queueItem))
          : el('p', { class: 'queue-empty' }, group.empty || 'None.'),
      );
    }),
  );
  if (focused) {
    const again = ui.queue.querySelector(`[data-case-id="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
  const waiting = ordered.filter((c) => c.status === 'queued').length;
  document.title = `${waiting > 0 ? `(${waiting}) ` : ''}Croupier agent console`;
}

// ---------------------------------------------------------------- alerts

function alertsFromCase(c) {
  const breaches = c.sla && Array.isArray(c.sla.breaches) ? c.sla.breaches : [];
  if (breaches.length === 0 && str(c.slaState) === 'breached') addAlert(c.id, c.firstReplyAt ? 'resolution' : 'first_reply', c);
  for (const breach of breaches) if (breach && breach.kind) addAlert(c.id, str(breach.kind), c);
}

function addAlert(caseId, kind, c) {
  const key = `${caseId}:${kind}`;
  if (state.dismissed.has(key) || state.alerts.has(key)) return;
  if (c && c.status === 'closed') return;
  state.alerts.set(key, { caseId, kind, case: c || null });
  renderAlerts();
}

function renderAlerts() {
  fill(
    ui.alerts,
    [...state.alerts.entries()].map(([key, alert]) => {
      const c = state.cases.get(alert.caseId) || alert.case || {};
      const what = alert.kind === 'resolution' ? 'not resolved in time' : 'no first reply in time';
      const open = el('button', { type: 'button', class: 'link' }, 'Open case');
      open.addEventListener('click', () => openCase(alert.caseId, true));
      const dismiss = el('button', { type: 'button', class: 'ghost', 'aria-label': 'Dismiss this alert' }, '×');
      dismiss.addEventListener('click', () => {
        state.alerts.delete(key);
        state.dismissed.add(key);
        renderAlerts();
        ui.queueTitle.focus();
      });
      return el(
        'div',
        { class: 'alert', role: 'alert', 'data-testid': 'sla-alert', 'data-case-id': alert.caseId, 'data-kind': alert.kind },
        el('strong', null, 'SLA breach: '),
        `${what} — ${reasonLabel(c.reason)}`,
        c.language ? ` (${str(c.language).toUpperCase()}, ${str(c.channel)})` : '',
        c.agentId ? `, with ${agentName(c.agentId)}` : c.status === 'queued' ? ', still waiting' : '',
        ' ',
        open,
        dismiss,
      );
    }),
  );
  ui.alerts.hidden = state.alerts.size === 0;
}

// ---------------------------------------------------------------- the case view

function routeFromHash() {
  const match = /^#\/?case\/(.+)$/.exec(location.hash);
  const id = match ? decodeURIComponent(match[1]) : null;
  if (id && id !== state.openId) void openCase(id, false);
  else if (!id && state.openId) closeCaseView(true);
}
window.addEventListener('hashchange', () => {
  if (state.agent) routeFromHash();
});

async function openCase(id, focus) {
  if (!state.agent) return;
  saveDraft();
  const target = `#/case/${encodeURIComponent(id)}`;
  if (location.hash !== target) history.pushState(null, '', target);
  state.openId = id;
  const seq = ++state.openSeq;
  state.unread.delete(id);
  showCaseError('');
  document.body.setAttribute('data-view', 'case');
  renderQueue();
  try {
    const result = await api.get(`/cases/${encodeURIComponent(id)}`);
    if (seq !== state.openSeq || !result || !result.case) return;
    state.detail = {
      case: result.case,
      transcript: Array.isArray(result.transcript) ? result.transcript : [],
      player: result.player || null,
      notes: Array.isArray(result.notes) ? result.notes : [],
    };
    renderCase();
    if (focus) ui.caseTitle.focus();
  } catch (error) {
    if (seq !== state.openSeq || error.status === 401) return;
    state.detail = null;
    ui.caseEmpty.hidden = false;
    ui.caseView.hidden = true;
    showNotice(
      error.status === 404 || error.status === 403 ? 'That case is not available to you.' : `Could not open the case: ${error.message}`,
    );
  }
}

async function refreshOpenCase() {
  if (state.openId) await openCase(state.openId, false);
}

function closeCaseView(updateHash) {
  saveDraft();
  state.openId = null;
  state.openSeq += 1;
  state.detail = null;
  ui.caseView.hidden = true;
  ui.caseEmpty.hidden = false;
  document.body.removeAttribute('data-view');
  if (updateHash && location.hash) history.pushState(null, '', location.pathname + location.search);
  renderQueue();
}

ui.caseBack.addEventListener('click', () => {
  const id = state.openId;
  closeCaseView(true);
  const item = id && ui.queue.querySelector(`[data-case-id="${CSS.escape(id)}"]`);
  (item || ui.queueTitle).focus();
});

function renderCase() {
  const detail = state.detail;
  ui.caseEmpty.hidden = true;
  ui.caseView.hidden = false;
  state.entryKeys.clear();
  fill(ui.transcript);
  for (const entry of detail.transcript) appendEntry(entry, false);
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
  ui.replyInput.value = state.drafts.get(detail.case.id) || '';
  ui.noteInput.value = '';
  fill(ui.notes);
  for (const note of detail.notes) addNote(note);
  renderPlayer();
  renderCaseHead();
  void loadCanned(str(detail.case.language));
}

function renderCaseHead() {
  const c = state.detail && state.detail.case;
  if (!c) return;
  const player = state.detail.player;
  ui.caseTitle.textContent = str(c.playerName) || (player && str(player.name)) || 'Player';
  fill(
    ui.caseMeta,
    priorityBadge(c.priority),
    vipBadge(c.vipTier),
    el('span', { class: 'badge lang', title: 'Language' }, str(c.language).toUpperCase() || '??'),
    el('span', { class: 'badge channel', title: 'Channel' }, str(c.channel)),
    el('span', { class: 'meta-text' }, `${reasonLabel(c.reason)} · ${humanize(c.skill) || 'General'} · tier ${Number(c.tier) || 1}`),
    el(
      'span',
      { class: 'meta-text', 'data-testid': 'case-status', 'data-status': str(c.status) },
      c.status === 'queued'
        ? `waiting${c.position ? `, #${Number(c.position)} in queue` : ''}`
        : c.status === 'assigned'
          ? `with ${agentName(c.agentId)}`
          : `closed${c.resolved === true ? ', resolved' : c.resolved === false ? ', not resolved' : ''}`,
    ),
    slaClock(c, true),
    waited(c),
  );
  const open = c.status !== 'closed';
  const mine = isMine(c);
  ui.claim.hidden = c.status !== 'queued';
  ui.closeGroup.hidden = !(c.status === 'assigned' && (mine || isSupervisor()));
  setDisabled(ui.claim, state.busy.has('claim'));
  setDisabled(ui.closeResolved, state.busy.has('close'));
  setDisabled(ui.closeUnresolved, state.busy.has('close'));
  // reply: only the agent the case is assigned to
  const canReply = mine;
  ui.replyInput.disabled = !canReply;
  ui.replySend.disabled = !canReply || state.busy.has('reply');
  ui.canned.disabled = !canReply;
  ui.replyLabel.textContent = canReply
    ? 'Reply to the player'
    : c.status === 'queued'
      ? 'Reply to the player (claim the case first)'
      : c.status === 'closed'
        ? 'Reply to the player (the case is closed)'
        : 'Reply to the player (assigned to another agent)';
  ui.noteInput.disabled = !open && !isSupervisor();
  ui.noteSend.disabled = ui.noteInput.disabled || state.busy.has('note');
  const canTransfer = open && (mine || isSupervisor());
  for (const control of [ui.transferSkill, ui.transferTier, ui.transferAgent]) control.disabled = !canTransfer;
  ui.transferSend.disabled = !canTransfer || state.busy.has('transfer');
}

function setDisabled(button, disabled) {
  button.disabled = disabled;
  button.setAttribute('aria-busy', String(disabled));
}

function entryKey(entry) {
  return entry.seq !== undefined && entry.seq !== null ? `seq:${entry.seq}` : `id:${str(entry.id) || `${entry.at}:${entry.text}`}`;
}

/** Appends a transcript entry once (by its sequence number), in sequence order. */
function appendEntry(entry, live) {
  if (!entry || typeof entry !== 'object') return;
  const key = entryKey(entry);
  if (state.entryKeys.has(key)) return;
  state.entryKeys.add(key);
  const author = AUTHOR_LABEL[entry.author] ? entry.author : 'system';
  const who =
    author === 'agent' && (entry.agentName || entry.agentId) ? str(entry.agentName) || agentName(entry.agentId) : AUTHOR_LABEL[author];
  const at = str(entry.at);
  const node = el(
    'li',
    {
      class: 'entry',
      'data-testid': 'transcript-entry',
      'data-author': author,
      'data-seq': entry.seq !== undefined ? String(entry.seq) : null,
      'data-delivery': str(entry.delivery) || null,
    },
    el('span', { class: 'entry-head' }, el('span', { class: 'who' }, who), el('time', { datetime: at, title: dateTime(at) }, time(at))),
    el(
      'span',
      { class: 'entry-text', 'data-testid': 'entry-text' },
      str(entry.text) || (entry.payload ? `[button ${str(entry.payload)}]` : ''),
    ),
  );
  const buttons = Array.isArray(entry.buttons) ? entry.buttons.filter((b) => b && typeof b.label === 'string') : [];
  if (buttons.length > 0) {
    node.appendChild(
      el(
        'span',
        { class: 'entry-buttons', 'data-testid': 'entry-buttons' },
        el('span', { class: 'sr-only' }, 'Buttons offered: '),
        buttons.map((b) => el('span', { class: 'offered', title: `payload ${str(b.payload)}` }, b.label)),
      ),
    );
  }
  const attachments = Array.isArray(entry.attachments) ? entry.attachments.filter((a) => a && typeof a === 'object') : [];
  for (const attachment of attachments) node.appendChild(attachmentNode(attachment));
  if (entry.delivery === 'failed') node.appendChild(el('span', { class: 'delivery-failed' }, 'not delivered'));

  const seq = Number(entry.seq);
  let before = null;
  if (Number.isFinite(seq)) {
    for (const existing of ui.transcript.children) {
      const other = Number(existing.getAttribute('data-seq'));
      if (Number.isFinite(other) && other > seq) {
        before = existing;
        break;
      }
    }
  }
  const nearEnd = ui.transcript.scrollHeight - ui.transcript.scrollTop - ui.transcript.clientHeight < 120;
  ui.transcript.insertBefore(node, before);
  if (!live || nearEnd || author === 'agent') ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

function attachmentNode(attachment) {
  const label = `[${str(attachment.kind) || 'file'}] ${str(attachment.fileName) || str(attachment.caption)}`.trim();
  let href = null;
  try {
    const url = new URL(str(attachment.url));
    if (url.protocol === 'https:' || url.protocol === 'http:') href = url.href;
  } catch {
    href = null;
  }
  return el(
    'span',
    { class: 'attachment' },
    href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow' }, label) : label,
  );
}

function onCaseMessage(caseId, entry) {
  const c = state.cases.get(caseId);
  if (c && entry.author === 'player') {
    c.lastMessage = { text: str(entry.text), at: str(entry.at) };
  }
  if (state.detail && state.detail.case.id === caseId) {
    appendEntry(entry, true);
    if (entry.author === 'player' && !state.detail.case.firstReplyAt) renderCaseHead();
  } else if (entry.author === 'player' && c) {
    state.unread.add(caseId);
    announce(`New message from ${str(c.playerName) || 'a player'}.`);
  }
  renderQueue();
}

// ---------------------------------------------------------------- player card

function renderPlayer() {
  const detail = state.detail;
  if (!detail) return;
  const p = detail.player;
  const c = detail.case;
  const rg = (p && p.responsibleGambling === true) || c.skill === 'responsible_gambling' || c.reason === 'responsible_gambling';
  const banner = rg
    ? el(
        'p',
        { class: 'rg-flag', 'data-testid': 'rg-flag' },
        el('strong', null, 'Responsible gambling'),
        ' — self-excluded or at risk. Do not offer bonuses or promotions; follow the responsible-gambling procedure.',
      )
    : null;
  if (!p) {
    fill(
      ui.playerBody,
      banner,
      el(
        'p',
        { class: 'muted', 'data-testid': 'player-unverified' },
        'Not verified: no back-office card. Verify the player before discussing account details.',
      ),
    );
    return;
  }
  const rows = [];
  const row = (label, ...value) => rows.push(el('dt', null, label), el('dd', null, ...value));
  row('Name', str(p.name) || '—');
  row('Casino id', el('code', null, str(p.casinoPlayerId) || '—'));
  row('VIP tier', vipBadge(p.vipTier) || 'none');
  if (p.personalManager) row('Personal manager', agentName(p.personalManager) || str(p.personalManager));
  const missing = Array.isArray(p.missingDocuments) ? p.missingDocuments.map(str).filter(Boolean) : [];
  row(
    'KYC',
    el(
      'span',
      { class: `kyc kyc-${str(p.kycStatus).toLowerCase() || 'unknown'}`, 'data-testid': 'kyc-status' },
      humanize(p.kycStatus) || 'unknown',
    ),
    missing.length > 0 ? el('span', { class: 'missing' }, ` — missing: ${missing.map(humanize).join(', ')}`) : null,
  );
  const balance = p.balance && typeof p.balance === 'object' ? p.balance : null;
  row(
    'Balance',
    balance ? money(balance.amount, balance.currency) : '—',
    balance && typeof balance.bonus === 'number'
      ? el('span', { class: 'muted' }, ` + ${money(balance.bonus, balance.currency)} bonus`)
      : null,
  );
  const withdrawals = Array.isArray(p.pendingWithdrawals) ? p.pendingWithdrawals.filter((w) => w && typeof w === 'object') : [];
  row(
    'Pending withdrawals',
    withdrawals.length === 0
      ? 'none'
      : el(
          'ul',
          { class: 'plain' },
          withdrawals.map((w) =>
            el(
              'li',
              null,
              `${money(w.amount, w.currency)} · ${humanize(w.state) || 'pending'}`,
              w.requestedAt ? el('span', { class: 'muted' }, ` · since ${dateTime(w.requestedAt)}`) : null,
            ),
          ),
        ),
  );
  const bonuses = Array.isArray(p.bonuses) ? p.bonuses.filter((b) => b && typeof b === 'object') : [];
  row(
    'Bonuses',
    bonuses.length === 0
      ? 'none'
      : el(
          'ul',
          { class: 'plain' },
          bonuses.map((b) => {
            if (typeof b.wageredPercent !== 'number' || !Number.isFinite(b.wageredPercent)) {
              return el('li', { class: 'bonus' }, el('span', null, str(b.name) || 'Bonus'), el('span', { class: 'muted' }, 'no wagering'));
            }
            const pct = Math.max(0, Math.min(100, b.wageredPercent));
            return el(
              'li',
              { class: 'bonus' },
              el('span', null, str(b.name) || 'Bonus'),
              el('progress', { max: '100', value: String(pct), 'aria-label': `${str(b.name) || 'Bonus'} wagering` }),
              el('span', { class: 'muted' }, `${Math.round(pct)}% wagered`),
            );
          }),
        ),
  );
  fill(ui.playerBody, banner, el('dl', { class: 'facts' }, rows));
}

// ---------------------------------------------------------------- notes

function addNote(note) {
  if (!note || typeof note !== 'object') return;
  if (note.id && ui.notes.querySelector(`[data-note-id="${CSS.escape(str(note.id))}"]`)) return;
  const at = str(note.at);
  ui.notes.appendChild(
    el(
      'li',
      { class: 'note', 'data-testid': 'note', 'data-note-id': str(note.id) || null },
      el(
        'span',
        { class: 'entry-head' },
        el('span', { class: 'who' }, str(note.agentName) || agentName(note.agentId) || 'Agent'),
        el('time', { datetime: at, title: dateTime(at) }, time(at)),
      ),
      el('span', { class: 'entry-text' }, str(note.text)),
    ),
  );
}

ui.noteForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const c = state.detail && state.detail.case;
  const draft = ui.noteInput.value;
  const text = draft.trim();
  if (!c || !text || state.busy.has('note')) return;
  ui.noteInput.value = ''; // as for replies: empty while it is on its way, back if refused
  const saved = await act('note', async () => {
    const result = await api.post(`/cases/${encodeURIComponent(c.id)}/notes`, { text });
    if (state.detail && state.detail.case.id === c.id && result && result.note) addNote(result.note);
  });
  if (!saved && state.detail && state.detail.case.id === c.id && ui.noteInput.value === '') ui.noteInput.value = draft;
  ui.noteInput.focus();
});
ui.noteInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.isComposing) {
    event.preventDefault();
    ui.noteForm.requestSubmit();
  }
});

// ---------------------------------------------------------------- actions

/**
 * Runs one action on the open case, with its button busy and the server's refusal shown.
 * Resolves whether it succeeded.
 */
async function act(name, run) {
  state.busy.add(name);
  renderCaseHead();
  showCaseError('');
  try {
    await run();
    return true;
  } catch (error) {
    if (error.status !== 401) showCaseError(error.message);
    return false;
  } finally {
    state.busy.delete(name);
    renderCaseHead();
  }
}

ui.claim.addEventListener('click', async () => {
  const c = state.detail && state.detail.case;
  if (!c) return;
  await act('claim', async () => {
    const result = await api.post(`/cases/${encodeURIComponent(c.id)}/claim`);
    if (result && result.case) applyCase(result.case, false);
    announce('Case claimed.');
  });
  if (state.detail && isMine(state.detail.case)) ui.replyInput.focus();
});

async function closeCase(resolved) {
  const c = state.detail && state.detail.case;
  if (!c) return;
  await act('close', async () => {
    const result = await api.post(`/cases/${encodeURIComponent(c.id)}/close`, { resolved });
    if (result && result.case) applyCase(result.case, false);
    state.drafts.delete(c.id);
    showNotice(
      `Case closed as ${resolved ? 'resolved' : 'not resolved'}. The bot has taken the conversation back and asks the player for a rating.`,
    );
  });
}
ui.closeResolved.addEventListener('click', () => closeCase(true));
ui.closeUnresolved.addEventListener('click', () => closeCase(false));

// reply
function saveDraft() {
  const c = state.detail && state.detail.case;
  if (!c) return;
  const text = ui.replyInput.value;
  if (text) state.drafts.set(c.id, text);
  else state.drafts.delete(c.id);
}

/**
 * Sends the reply box. The box empties as the message leaves (the server's socket event with the
 * new transcript entry may arrive before the POST resolves, and the agent must never see the sent
 * text still sitting in the box next to it); if the server refuses it, the text comes back into the
 * box, unless the agent has typed something else meanwhile.
 */
async function sendReply() {
  const c = state.detail && state.detail.case;
  const draft = ui.replyInput.value;
  const text = draft.trim();
  if (!c || !text || state.busy.has('reply') || !isMine(c)) return;
  ui.replyInput.value = '';
  state.drafts.delete(c.id);
  const sent = await act('reply', async () => {
    const result = await api.post(`/cases/${encodeURIComponent(c.id)}/messages`, { text });
    if (state.detail && state.detail.case.id === c.id && result && result.entry) appendEntry(result.entry, true);
  });
  if (!sent) {
    if (state.detail && state.detail.case.id === c.id) {
      if (ui.replyInput.value === '') ui.replyInput.value = draft;
      saveDraft();
    } else if (!state.drafts.has(c.id)) state.drafts.set(c.id, draft);
  }
  if (state.detail && state.detail.case.id === c.id) ui.replyInput.focus();
}

ui.replyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void sendReply();
});
ui.replyInput.addEventListener('keydown', (event) => {
  // Enter sends, Shift+Enter is a new line; never while an IME is composing a word
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    void sendReply();
  }
});
ui.replyInput.addEventListener('input', saveDraft);

// canned replies
async function loadCanned(language) {
  const lang = language || 'en';
  if (!state.canned.has(lang)) {
    try {
      const result = await api.get(`/canned?language=${encodeURIComponent(lang)}`);
      state.canned.set(lang, result && Array.isArray(result.replies) ? result.replies.filter((r) => r && typeof r.text === 'string') : []);
    } catch {
      state.canned.set(lang, []);
    }
  }
  if (!state.detail || (str(state.detail.case.language) || 'en') !== lang) return;
  const replies = state.canned.get(lang) || [];
  fill(
    ui.canned,
    el(
      'option',
      { value: '' },
      replies.length > 0 ? `Canned replies (${lang.toUpperCase()})…` : `No canned replies for ${lang.toUpperCase()}`,
    ),
    replies.map((r, index) => el('option', { value: String(index), title: r.text }, str(r.title) || r.text.slice(0, 60))),
  );
}

ui.canned.addEventListener('change', () => {
  const lang = (state.detail && str(state.detail.case.language)) || 'en';
  const reply = (state.canned.get(lang) || [])[Number(ui.canned.value)];
  ui.canned.value = '';
  if (!reply || ui.replyInput.disabled) return;
  const input = ui.replyInput;
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? input.value.length;
  input.value = input.value.slice(0, start) + reply.text + input.value.slice(end);
  const caret = start + reply.text.length;
  input.focus();
  input.setSelectionRange(caret, caret);
  saveDraft();
});

// transfer
function buildSkillOptions() {
  const skills = new Set(SKILLS);
  for (const agent of state.agents.values()) for (const skill of Array.isArray(agent.skills) ? agent.skills : []) skills.add(str(skill));
  if (state.agent && Array.isArray(state.agent.skills)) for (const skill of state.agent.skills) skills.add(str(skill));
  skills.delete('');
  fill(
    ui.transferSkill,
    el('option', { value: '' }, 'Keep the skill'),
    [...skills].map((skill) => el('option', { value: skill }, humanize(skill))),
  );
}

function buildAgentOptions() {
  const others = [...state.agents.values()].filter((a) => !state.agent || a.id !== state.agent.id);
  others.sort((a, b) => Number(b.online === true) - Number(a.online === true) || str(a.name).localeCompare(str(b.name)));
  ui.transferAgentRow.hidden = others.length === 0;
  fill(
    ui.transferAgent,
    el('option', { value: '' }, 'Anyone eligible'),
    others.map((a) =>
      el('option', { value: a.id }, `${str(a.name) || str(a.login)} · tier ${Number(a.tier) || 1}${a.online === true ? '' : ' · offline'}`),
    ),
  );
}

ui.transferForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const c = state.detail && state.detail.case;
  if (!c) return;
  const body = {};
  if (ui.transferSkill.value) body.skill = ui.transferSkill.value;
  if (ui.transferTier.value) body.tier = Number(ui.transferTier.value);
  if (ui.transferAgent.value) body.agentId = ui.transferAgent.value;
  if (Object.keys(body).length === 0) {
    showCaseError('Choose a skill, a tier or an agent to transfer to.');
    ui.transferSkill.focus();
    return;
  }
  await act('transfer', async () => {
    const result = await api.post(`/cases/${encodeURIComponent(c.id)}/transfer`, body);
    if (result && result.case) applyCase(result.case, false);
    ui.transferSkill.value = '';
    ui.transferTier.value = '';
    ui.transferAgent.value = '';
    showNotice('Case transferred.');
  });
});

// the skip link moves the focus without touching the address (which names the open case)
document.querySelector('.skip').addEventListener('click', (event) => {
  event.preventDefault();
  (ui.caseView.hidden ? ui.queueTitle : ui.caseTitle).focus();
});

// keyboard: Escape in the case view goes back to the queue on narrow screens
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && document.body.getAttribute('data-view') === 'case' && window.matchMedia('(max-width: 900px)').matches) {
    ui.caseBack.click();
  }
});

// ---------------------------------------------------------------- boot

async function boot() {
  if (!state.token) {
    showLogin('');
    return;
  }
  try {
    const result = await api.get('/me');
    if (result && result.agent) startWorkspace(result.agent);
    else showLogin('');
  } catch (error) {
    if (error.status !== 401) showLogin(error.message);
  }
}

void boot();
