// @ts-check
'use strict';
// The dashboard's script, inlined into dashboard.html with the response's nonce. The compiler
// checks it (src/http/tsconfig.dashboard.json) against the DOM and the types the API answers with.
/**
 * @typedef {import('../runtime/runtime-snapshot').RuntimeSnapshot & { brokerBlocked: string | null }} Snapshot
 * @typedef {import('./api-routes').DashboardQueue} DashboardQueue
 * @typedef {{ queues: DashboardQueue[], depthsError?: string, depthsAgeMs: number | null }} QueuesAnswer
 * @typedef {import('../runtime/fleet').FleetView} FleetView
 * @typedef {import('../runtime/fleet').FleetRuntime} FleetRuntime
 * @typedef {import('./task-history').RecordedTask} RecordedTask
 * @typedef {import('./task-history').SecondSummary} SecondSummary
 * @typedef {{ seconds: SecondSummary[], recent: RecordedTask[], failures: RecordedTask[] }} HistoryAnswer
 * @typedef {import('../admin/queue-admin').DeadLetterPage} DeadLetterPage
 * @typedef {import('../admin/dead-letter-entry').DeadLetterEntry} DeadLetterEntry
 * @typedef {import('../admin/replay-summary').ReplaySummary} ReplaySummary
 * @typedef {import('../schedule/scheduler').ScheduleView} ScheduleView
 * @typedef {import('../runtime/task-description').TaskDescription} TaskDescription
 * @typedef {import('../runtime/task-description').TaskStateChange} TaskStateChange
 * @typedef {import('../runtime/task-status').TaskState} TaskState
 * @typedef {RecordedTask['outcome']} Outcome
 * @typedef {{ count: number, total: number, offset: number, entries: DeadLetterEntry[], error?: string, brokerQueue: string }} DeadQueueView
 * @typedef {'replay' | 'purge' | 'replay-one' | 'delete-one'} DeadAction
 * @typedef {Node | string | number | null | undefined | false} Child
 */
(() => {
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const WINDOW = 60;
  /** Finished tasks kept for the lists (the filters pick from these); each list shows at most SHOWN. */
  const KEEP = 500;
  const SHOWN = 50;

  /** @param {string} id @returns {HTMLElement} */
  const $ = (id) => {
    const el = document.getElementById(id);
    if (!el) throw new Error('The page has no #' + id);
    return el;
  };
  /** @param {string} id @returns {HTMLInputElement} */
  const input = (id) => /** @type {HTMLInputElement} */ ($(id));
  /** @param {string} id @returns {HTMLSelectElement} */
  const select = (id) => /** @type {HTMLSelectElement} */ ($(id));
  /** @param {unknown} error @returns {string} */
  const messageOf = (error) => (error instanceof Error ? error.message : String(error));

  /**
   * Every value from the runtime reaches the page as text nodes or attributes: never as HTML.
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {Record<string, unknown> | null} [props]
   * @param {...(Child | Child[])} children
   * @returns {HTMLElementTagNameMap[K]}
   */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = String(value);
      else if (key === 'data') Object.assign(el.dataset, value);
      else if (key.startsWith('on')) el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }
  /** @param {string} tag @param {Record<string, string | number>} attrs @param {string} [text] */
  function s(tag, attrs, text) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
    if (text !== undefined) el.textContent = text;
    return el;
  }
  /** @param {string} name */
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  /** A link to a task's page. @param {string} taskId @param {Child} label */
  const taskLink = (taskId, label) => h('a', { href: '#/task/' + encodeURIComponent(taskId), class: 'task-link', title: 'task ' + taskId }, label);

  const fmt = {
    /** @param {number | null | undefined} n */
    int: (n) => (n === undefined || n === null ? '–' : Number(n).toLocaleString('en-US')),
    /** @param {number} r */
    rate: (r) => (r === 0 ? '0' : r < 0.1 ? '< 0.1' : r < 10 ? r.toFixed(1) : Math.round(r).toLocaleString('en-US')),
    /** @param {number | null | undefined} ms */
    ms: (ms) => (ms === undefined || ms === null ? '–' : ms < 10 ? ms.toFixed(1) + ' ms' : ms < 1000 ? Math.round(ms) + ' ms' : (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s'),
    /** @param {number | string} at */
    time: (at) => new Date(at).toLocaleTimeString('en-GB', { hour12: false }),
    /** To the millisecond, for a task's steps. @param {string} at */
    clock: (at) => new Date(at).toLocaleTimeString('en-GB', { hour12: false }) + '.' + String(new Date(at).getMilliseconds()).padStart(3, '0'),
    /** @param {string} since */
    uptime: (since) => {
      let sec = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000));
      const d = Math.floor(sec / 86400); sec -= d * 86400;
      const hr = Math.floor(sec / 3600); sec -= hr * 3600;
      const m = Math.floor(sec / 60); sec -= m * 60;
      return d ? d + 'd ' + hr + 'h' : hr ? hr + 'h ' + m + 'm' : m ? m + 'm ' + sec + 's' : sec + 's';
    },
  };
  /** @type {Record<Outcome, string>} */
  const OUTCOME_CLASS = { succeeded: 'ok', retried: 'warn', failed: 'bad', rejected: 'bad', expired: 'warn', scheduled: '' };
  /** @type {Record<TaskState, string>} */
  const STATE_CLASS = { succeeded: 'ok', retrying: 'warn', failed: 'bad', 'dead-lettered': 'bad', expired: 'warn', running: 'io', queued: '', scheduled: '', unknown: '' };
  const FINAL = new Set(['succeeded', 'failed', 'dead-lettered', 'expired']);
  /** @param {Outcome} outcome */
  const outcomeBadge = (outcome) => h('span', { class: 'badge ' + (OUTCOME_CLASS[outcome] || '') }, outcome);
  /** @param {TaskState} taskState */
  const stateBadge = (taskState) => h('span', { class: 'badge ' + (STATE_CLASS[taskState] || '') }, taskState);
  /** @param {string} pool */
  const poolBadge = (pool) => h('span', { class: 'badge ' + pool }, pool);
  /** @param {number | undefined} threadId */
  const threadText = (threadId) => (threadId === undefined || threadId < 0 ? '' : threadId === 0 ? 'main thread' : 'thread ' + threadId);

  /**
   * @typedef {{ task: string, queue: string, outcome: string }} ListFilter
   * @typedef {{ recent: RecordedTask[], failures: RecordedTask[], missed: number }} PausedLists
   * @typedef {{ id: string, description: TaskDescription | null, error: string | null, timer: number | undefined }} TaskPage
   */
  const state = {
    /** @type {Snapshot | null} */ snapshot: null,
    /** @type {DashboardQueue[]} */ queues: [],
    /** @type {string | null} */ depthsError: null,
    /** @type {number | null} */ depthsAgeMs: null,
    /** @type {string | null} */ unreachable: null,
    /** @type {Map<number, SecondSummary>} */ seconds: new Map(),
    /** @type {RecordedTask[]} */ recent: [],
    /** @type {RecordedTask[]} */ failures: [],
    /** @type {Set<string>} */ seen: new Set(),
    /** @type {ListFilter} */ filter: { task: '', queue: '', outcome: '' },
    /** What the lists showed when paused; new tasks are counted, not shown. @type {PausedLists | null} */ paused: null,
    /** @type {Map<string, DeadQueueView>} */ dead: new Map(),
    /** @type {Map<string, number>} */ deadOffsets: new Map(),
    /** @type {string | null} */ deadUnknownShown: null,
    /** @type {Set<string>} */ busy: new Set(),
    /** @type {Set<string>} */ openStacks: new Set(),
    /** @type {ScheduleView[]} */ schedules: [],
    schedulesAt: 0,
    /** @type {FleetView | null} */ fleet: null,
    /** @type {string | null} */ fleetError: null,
    fleetAt: 0,
    /** @type {TaskPage | null} */ taskPage: null,
  };

  class ApiError extends Error {
    /** @param {string} message @param {number} status */
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  /**
   * The API's answer, typed by the caller as what that route sends.
   * @param {string} path
   * @param {RequestInit} [init]
   * @returns {Promise<any>}
   */
  async function api(path, init) {
    const response = await fetch(path, Object.assign({ credentials: 'same-origin', headers: { accept: 'application/json' } }, init));
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(body.error || response.status + ' ' + response.statusText, response.status);
    return body;
  }

  /** @type {number | undefined} */
  let toastTimer;
  /** @param {string} text @param {boolean} [bad] */
  function toast(text, bad) {
    const el = $('toast');
    el.textContent = text;
    el.className = 'show' + (bad ? ' bad' : '');
    clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => { el.className = bad ? 'bad' : ''; }, bad ? 7000 : 4000);
  }

  // ---------------------------------------------------------------- header, stats, banner

  function renderHeader() {
    const snap = state.snapshot;
    const badge = $('state');
    if (state.unreachable) {
      badge.className = 'badge bad'; badge.textContent = 'unreachable';
    } else if (snap) {
      const [label, cls] = snap.brokerBlocked ? ['broker blocked', 'bad'] : snap.ready ? ['ready', 'ok'] : snap.state === 'running' ? ['reconnecting', 'warn'] : snap.state === 'stopping' ? ['draining', 'warn'] : ['stopped', 'bad'];
      badge.className = 'badge ' + cls; badge.textContent = label;
    }
    if (snap) $('meta').textContent = snap.id + ' · ' + snap.broker + ' · namespace ' + snap.namespace + ' · up ' + fmt.uptime(snap.startedAt);
    const banner = $('banner');
    banner.replaceChildren();
    if (state.unreachable) banner.append(h('div', { class: 'notice bad' }, 'Cannot reach the runtime: ' + state.unreachable + '. Retrying…'));
    else if (snap && snap.brokerBlocked) banner.append(h('div', { class: 'notice bad' }, 'RabbitMQ is blocking publishes (resource alarm): ' + snap.brokerBlocked + '. Calls, retries and replies wait and then fail until the alarm clears.'));
    banner.hidden = banner.childElementCount === 0;
  }

  function renderStats() {
    const snap = state.snapshot;
    if (!snap) return;
    const inFlight = snap.pools.reduce((sum, pool) => sum + pool.inFlight, 0);
    const capacity = snap.pools.reduce((sum, pool) => sum + pool.capacity, 0);
    /** @param {string} label @param {string} value @param {string} [cls] @param {string} [title] */
    const stat = (label, value, cls, title) => h('div', { class: 'stat ' + (cls || ''), title }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
    $('stats').replaceChildren(
      stat('Succeeded', fmt.int(snap.counts.succeeded), 'ok', 'Since the runtime started'),
      stat('Retried', fmt.int(snap.counts.retried), snap.counts.retried ? 'warn' : '', 'Attempts that failed and were scheduled again'),
      stat('Failed', fmt.int(snap.counts.failed), snap.counts.failed ? 'bad' : '', 'No attempt left: dead-lettered'),
      stat('Rejected', fmt.int(snap.counts.rejected), snap.counts.rejected ? 'bad' : '', 'Never run (bad input, poison): dead-lettered'),
      stat('In flight', fmt.int(inFlight) + ' / ' + fmt.int(capacity), '', 'Tasks running now / what the pools can run'),
      stat('Reconnects', fmt.int(snap.reconnects), snap.reconnects ? 'warn' : '', 'Broker connection lost and recovered'),
    );
  }

  // ---------------------------------------------------------------- queues and pools

  function renderQueues() {
    const notice = $('queues-notice');
    notice.replaceChildren();
    if (state.depthsError) notice.append(h('div', { class: 'notice' }, 'Queue depths unavailable: ' + state.depthsError));
    if (state.queues.length === 0) return $('queues').replaceChildren(h('div', { class: 'empty' }, 'No queues.'));
    $('queues').replaceChildren(h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Queue'), h('th', {}, 'Pool'), h('th', { class: 'num', title: 'Messages waiting in the queue' }, 'Ready'),
        h('th', { class: 'num', title: 'Running here / prefetch' }, 'Running'), h('th', { class: 'num', title: 'Consumers across all runtimes' }, 'Consumers'),
        h('th', { class: 'num', title: 'Tasks finished per second, last 10 s' }, 'Rate /s'), h('th', { class: 'num' }, 'Dead letters'))),
      h('tbody', {}, state.queues.map((q) => h('tr', { data: { queue: q.queue } },
        h('td', { class: 'name', title: q.brokerQueue }, q.queue),
        h('td', {}, poolBadge(q.pool)),
        h('td', { class: 'num' }, fmt.int(q.messages)),
        h('td', { class: 'num' }, fmt.int(q.running) + ' / ' + fmt.int(q.prefetch)),
        h('td', { class: 'num' }, fmt.int(q.consumers)),
        h('td', { class: 'num' }, fmt.rate(q.ratePerSecond)),
        h('td', { class: 'num' }, q.deadLetters ? h('span', { class: 'badge bad' }, fmt.int(q.deadLetters)) : fmt.int(q.deadLetters)),
      ))),
    ));
  }

  function renderPools() {
    const snap = state.snapshot;
    if (!snap) return;
    $('pools').replaceChildren(h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Pool'), h('th', { class: 'num' }, 'Capacity'), h('th', {}, 'In flight'), h('th', { class: 'num', title: 'Worker threads replaced after a crash or a hard time limit' }, 'Worker restarts'))),
      h('tbody', {}, snap.pools.map((pool) => {
        const bar = h('span');
        bar.style.width = Math.min(100, pool.capacity ? (100 * pool.inFlight) / pool.capacity : 0) + '%';
        return h('tr', { data: { pool: pool.kind } },
          h('td', {}, poolBadge(pool.kind), ' ', pool.kind === 'cpu' ? 'worker threads' : 'main event loop'),
          h('td', { class: 'num' }, fmt.int(pool.capacity)),
          h('td', {}, fmt.int(pool.inFlight), h('div', { class: 'meter' }, bar)),
          h('td', { class: 'num' }, pool.workerRestarts ? h('span', { class: 'badge warn' }, fmt.int(pool.workerRestarts)) : '0'),
        );
      })),
    ));
  }

  // ---------------------------------------------------------------- fleet and tasks in flight

  /** @type {Outcome[]} */
  const FLEET_OUTCOMES = ['succeeded', 'retried', 'failed', 'rejected'];

  async function syncFleet() {
    if (Date.now() - state.fleetAt < 5000) return;
    state.fleetAt = Date.now();
    try {
      Object.assign(state, { fleet: await api('api/fleet'), fleetError: null });
    } catch (error) {
      state.fleetError = messageOf(error);
    }
    renderFleet();
  }

  function renderFleet() {
    const fleet = state.fleet;
    if (!fleet) return $('fleet').replaceChildren(h('div', { class: 'empty' }, state.fleetError || 'Asking the runtimes…'));
    /** @param {FleetRuntime | (FleetView['totals'] & { id?: undefined, state?: undefined })} runtime @param {string} label @param {string} [cls] */
    const row = (runtime, label, cls) => h('tr', { class: cls, data: { runtime: runtime.id || 'total' } },
      h('td', {}, label),
      h('td', {}, runtime.state === undefined ? fmt.int(runtime.ready) + ' / ' + fmt.int(runtime.runtimes) + ' ready' : h('span', { class: 'badge ' + (runtime.ready ? 'ok' : 'warn') }, runtime.ready ? 'ready' : runtime.state)),
      h('td', { class: 'num' }, fmt.int(runtime.inFlight) + ' / ' + fmt.int(runtime.capacity)),
      FLEET_OUTCOMES.map((outcome) => h('td', { class: 'num' }, fmt.int(runtime.counts[outcome]))),
    );
    $('fleet').replaceChildren(
      state.fleetError ? h('p', { class: 'muted' }, 'Not refreshed: ' + state.fleetError) : '',
      h('table', {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Runtime'), h('th', {}, 'State'), h('th', { class: 'num' }, 'In flight'), FLEET_OUTCOMES.map((outcome) => h('th', { class: 'num' }, outcome.charAt(0).toUpperCase() + outcome.slice(1))))),
        h('tbody', {},
          fleet.runtimes.map((runtime) => row(runtime, runtime.here ? runtime.id + ' (this one)' : runtime.id)),
          row(fleet.totals, 'All ' + fleet.totals.runtimes, 'total'),
        ),
      ),
    );
  }

  function renderInFlight() {
    const list = (state.snapshot && state.snapshot.inFlight) || [];
    if (list.length === 0) return $('inflight').replaceChildren(h('div', { class: 'empty' }, 'Nothing running.'));
    const now = Date.now();
    $('inflight').replaceChildren(h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Task'), h('th', {}, 'Id'), h('th', {}, 'Running for'), h('th', {}, 'Where'))),
      h('tbody', {}, list.map((task) => h('tr', { data: { task: task.taskId } },
        h('td', {}, task.task, task.attempt > 1 ? h('span', { class: 'muted' }, ' attempt ' + task.attempt) : null),
        h('td', {}, taskLink(task.taskId, task.taskId)),
        h('td', {}, task.startedAt ? fmt.ms(now - Date.parse(task.startedAt)) : h('span', { class: 'muted' }, 'waiting for a thread ' + fmt.ms(now - Date.parse(task.receivedAt)))),
        h('td', {}, poolBadge(task.pool), ' ', task.threadId === undefined ? '' : task.threadId === 0 ? 'main thread' : 'thread ' + task.threadId),
      ))),
    ));
  }

  // ---------------------------------------------------------------- dead letters

  const DEAD_PAGE = 20;

  // The page of each queue's dead letters, newest first: read again when the count or the page changes.
  async function syncDeadLetters() {
    const withDead = state.queues.filter((q) => (q.deadLetters ?? 0) > 0);
    let changed = false;
    for (const queue of [...state.dead.keys()]) {
      if (!withDead.some((q) => q.queue === queue)) { state.dead.delete(queue); state.deadOffsets.delete(queue); changed = true; }
    }
    for (const q of withDead) {
      // After deletes the page may be past the end: show the last one there is.
      const offset = Math.min(state.deadOffsets.get(q.queue) || 0, Math.floor(((q.deadLetters ?? 0) - 1) / DEAD_PAGE) * DEAD_PAGE);
      state.deadOffsets.set(q.queue, offset);
      const known = state.dead.get(q.queue);
      if (known && known.count === q.deadLetters && known.offset === offset) continue;
      changed = true;
      await loadDeadPage(q, offset);
    }
    if (changed || !$('dead').hasChildNodes() || state.deadUnknownShown !== deadUnknown()) renderDead();
  }

  /** @param {DashboardQueue} q @param {number} offset */
  async function loadDeadPage(q, offset) {
    try {
      const body = /** @type {DeadLetterPage} */ (await api('api/queues/' + encodeURIComponent(q.queue) + '/dead-letters?limit=' + DEAD_PAGE + '&offset=' + offset));
      state.dead.set(q.queue, { count: q.deadLetters ?? 0, total: body.total, offset, entries: body.entries, brokerQueue: q.brokerQueue });
    } catch (error) {
      state.dead.set(q.queue, { count: q.deadLetters ?? 0, total: q.deadLetters ?? 0, offset, entries: [], error: messageOf(error), brokerQueue: q.brokerQueue });
    }
  }

  /** @param {string} queue @param {1 | -1} direction */
  async function page(queue, direction) {
    const info = state.dead.get(queue);
    const q = state.queues.find((own) => own.queue === queue);
    if (!info || !q) return;
    const offset = Math.max(0, info.offset + direction * DEAD_PAGE);
    state.deadOffsets.set(queue, offset);
    await loadDeadPage(q, offset);
    renderDead();
  }

  /** @param {number} count @param {string} word */
  const plural = (count, word) => count + ' ' + word + (count === 1 ? '' : 's');

  /** Replay or purge of every dead letter, or replay or delete of one (`taskId`), behind a confirmation. */
  /** @param {string} queue @param {DeadAction} action @param {string} [taskId] */
  async function act(queue, action, taskId) {
    const info = state.dead.get(queue);
    const count = info ? info.count : 0;
    const short = taskId ? taskId.slice(0, 8) : '';
    const question = {
      replay: 'Replay ' + plural(count, 'dead letter') + ' of "' + queue + '" as new tasks?',
      purge: 'Delete ' + plural(count, 'dead letter') + ' of "' + queue + '" for good? This cannot be undone.',
      'replay-one': 'Replay dead letter ' + taskId + ' of "' + queue + '" as a new task?',
      'delete-one': 'Delete dead letter ' + taskId + ' of "' + queue + '" for good? This cannot be undone.',
    }[action];
    if (!window.confirm(question)) return;
    const base = 'api/queues/' + encodeURIComponent(queue) + '/dead-letters/';
    const path = { replay: 'replay', purge: 'purge', 'replay-one': encodeURIComponent(taskId || '') + '/replay', 'delete-one': encodeURIComponent(taskId || '') + '/delete' }[action];
    state.busy.add(queue);
    renderDead();
    try {
      const body = await api(base + path, { method: 'POST' });
      if (action === 'purge') toast('Purged ' + body.purged + ' dead letter(s) of ' + queue);
      else if (action === 'delete-one') toast('Deleted dead letter ' + short + ' of ' + queue);
      else if (body.skipped > 0) {
        // Replayed what could be; the rest stay, and the reasons say why.
        const reasons = /** @type {ReplaySummary} */ (body).skippedReasons.map((group) => group.count + ' × ' + group.reason).join('; ');
        toast('Replayed ' + body.replayed + ' dead letter(s) of ' + queue + '; ' + body.skipped + ' cannot be replayed and stay: ' + reasons, true);
      } else toast(action === 'replay-one' ? 'Replayed dead letter ' + short + ' of ' + queue : 'Replayed ' + body.replayed + ' dead letter(s) of ' + queue);
      state.dead.delete(queue);
    } catch (error) {
      const what = { replay: 'Replay', purge: 'Purge', 'replay-one': 'Replay of ' + short, 'delete-one': 'Delete of ' + short }[action];
      toast(what + ' of ' + queue + ' failed: ' + messageOf(error), true);
    } finally {
      state.busy.delete(queue);
      // A poll that began before the action would bring back the old depths: wait it out, then ask afresh.
      if (refreshing) await refreshing;
      await refresh();
      renderDead();
    }
  }

  /** The broker's dead-letter counts are not known now: the latest answer failed (and maybe none ever came). */
  function deadUnknown() {
    if (!state.depthsError) return null;
    const never = state.queues.some((q) => q.deadLetters === undefined || q.deadLetters === null);
    return never ? 'Dead letters unknown: the broker has not answered (' + state.depthsError + ').'
      : 'Dead-letter counts as of ' + fmt.uptime(new Date(Date.now() - (state.depthsAgeMs || 0)).toISOString()) + ' ago; the broker does not answer now (' + state.depthsError + ').';
  }

  /** A stack stays as the operator left it, open or closed, across re-renders. */
  /** @param {string} key @param {string} stack */
  function stackDetails(key, stack) {
    return h('details', { open: state.openStacks.has(key), data: { stack: key }, ontoggle: (/** @type {Event} */ e) => { if (/** @type {HTMLDetailsElement} */ (e.target).open) state.openStacks.add(key); else state.openStacks.delete(key); } },
      h('summary', {}, 'stack'), h('pre', {}, stack));
  }

  function renderDead() {
    const unknown = deadUnknown();
    state.deadUnknownShown = unknown;
    const blocks = [...state.dead.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([queue, info]) => {
      const busy = state.busy.has(queue);
      const shown = info.entries.length;
      const total = info.total ?? info.count;
      return h('div', { class: 'dlq', data: { queue } },
        h('div', { class: 'dlq-head' },
          h('strong', {}, queue),
          h('span', { class: 'badge bad' }, fmt.int(info.count) + ' message' + (info.count === 1 ? '' : 's')),
          info.brokerQueue ? h('span', { class: 'muted mono' }, info.brokerQueue + '.dead') : null,
          shown > 0 ? h('span', { class: 'muted', data: { page: 'range' } }, (info.offset + 1) + '–' + (info.offset + shown) + ' of ' + fmt.int(total) + ', newest first') : null,
          h('span', { class: 'actions' },
            total > DEAD_PAGE ? h('button', { type: 'button', data: { action: 'newer' }, disabled: busy || info.offset === 0, title: 'The newer dead letters', onclick: () => page(queue, -1) }, '‹ Newer') : null,
            total > DEAD_PAGE ? h('button', { type: 'button', data: { action: 'older' }, disabled: busy || info.offset + shown >= total, title: 'The older dead letters', onclick: () => page(queue, 1) }, 'Older ›') : null,
            h('button', { type: 'button', data: { action: 'replay' }, disabled: busy, title: 'Send every dead letter back to its queue as a new task; those that cannot be are left, with the reason', onclick: () => act(queue, 'replay') }, busy ? 'Working…' : 'Replay all'),
            h('button', { type: 'button', class: 'danger', data: { action: 'purge' }, disabled: busy, title: 'Delete every dead letter of this queue', onclick: () => act(queue, 'purge') }, 'Purge'),
          ),
        ),
        info.error ? h('div', { class: 'notice bad' }, 'Could not read the messages: ' + info.error) : null,
        shown === 0 ? null : h('table', {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Task'), h('th', {}, 'Reason'), h('th', { class: 'num' }, 'Attempts'), h('th', {}, 'Dead at'), h('th', {}, 'Arguments'), h('th', {}, 'Task id'), h('th', {}, ''))),
          h('tbody', {}, info.entries.map((entry, i) => h('tr', { data: { taskId: entry.taskId || '' } },
            h('td', { class: 'name' }, entry.task || '(unknown)'),
            h('td', {}, h('div', {}, h('b', {}, entry.errorName || 'Error'), ': ', entry.reason || '(no reason)'),
              entry.stack ? stackDetails('dead:' + queue + ':' + (entry.taskId || 'at-' + (info.offset + i)), entry.stack) : null),
            h('td', { class: 'num' }, fmt.int(entry.attempts)),
            h('td', { class: 'muted' }, entry.deadAt ? fmt.time(entry.deadAt) : '–'),
            h('td', { class: 'args mono' }, entry.body.length > 160 ? entry.body.slice(0, 160) + '…' : entry.body),
            h('td', {}, entry.taskId ? taskLink(entry.taskId, entry.taskId.slice(0, 8)) : h('span', { class: 'muted' }, '–')),
            h('td', { class: 'row-actions' },
              h('button', { type: 'button', data: { action: 'replay-one' }, disabled: busy || !entry.taskId, title: entry.taskId ? 'Send this one back as a new task' : 'No task id: it cannot be picked out', onclick: () => act(queue, 'replay-one', entry.taskId) }, 'Replay'),
              h('button', { type: 'button', class: 'danger', data: { action: 'delete-one' }, disabled: busy || !entry.taskId, title: entry.taskId ? 'Delete this one' : 'No task id: it cannot be picked out', onclick: () => act(queue, 'delete-one', entry.taskId) }, 'Delete')),
          ))),
        ),
      );
    });
    const notice = unknown ? h('div', { class: 'notice bad', data: { deadUnknown: 'true' } }, unknown) : null;
    $('dead').replaceChildren(...[notice, ...(blocks.length ? blocks : unknown ? [] : [h('div', { class: 'empty' }, 'No dead letters.')])].filter((node) => node !== null));
  }

  // ---------------------------------------------------------------- schedules

  // Asked of every runtime over the broker (a moment's wait): every 10 s, and after a change.
  /** @param {boolean} force */
  async function syncSchedules(force) {
    if (!state.snapshot || state.snapshot.schedules.length === 0) return;
    if (!force && Date.now() - state.schedulesAt < 10000) return;
    state.schedulesAt = Date.now();
    try {
      state.schedules = (await api('api/schedules')).schedules;
    } catch (error) {
      toast('Could not read the schedules: ' + messageOf(error), true);
    }
    renderSchedules();
  }

  /** @param {ScheduleView} schedule */
  async function toggleSchedule(schedule) {
    const action = schedule.paused ? 'resume' : 'pause';
    state.busy.add('schedule:' + schedule.name);
    renderSchedules();
    try {
      const body = await api('api/schedules/' + encodeURIComponent(schedule.name) + '/' + action, { method: 'POST' });
      toast((body.schedule.paused ? 'Paused ' : 'Resumed ') + schedule.name);
    } catch (error) {
      toast((schedule.paused ? 'Resume' : 'Pause') + ' of ' + schedule.name + ' failed: ' + messageOf(error), true);
    } finally {
      state.busy.delete('schedule:' + schedule.name);
      await syncSchedules(true);
    }
  }

  function renderSchedules() {
    $('schedules-card').hidden = state.schedules.length === 0;
    const holder = state.schedules.find((schedule) => schedule.holder);
    $('schedules-holder').textContent = holder ? 'fired by ' + holder.holder : 'no runtime holds them now';
    $('schedules').replaceChildren(h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Schedule'), h('th', {}, 'Task'), h('th', {}, 'When'), h('th', {}, 'Last'), h('th', {}, 'Next'), h('th', {}, ''))),
      h('tbody', {}, state.schedules.map((schedule) => {
        const busy = state.busy.has('schedule:' + schedule.name);
        return h('tr', { data: { schedule: schedule.name, paused: String(schedule.paused) } },
          h('td', { class: 'name' }, schedule.name),
          h('td', { class: 'mono' }, schedule.task),
          h('td', { class: 'mono' }, schedule.timing),
          h('td', { class: 'muted' }, schedule.lastFired ? fmt.time(Date.parse(schedule.lastFired)) : '–'),
          h('td', {}, schedule.paused ? h('span', { class: 'badge warn' }, 'paused') : schedule.next ? fmt.time(Date.parse(schedule.next)) : '–'),
          h('td', {}, h('button', { type: 'button', data: { action: schedule.paused ? 'resume' : 'pause' }, disabled: busy, onclick: () => toggleSchedule(schedule) }, busy ? 'Working…' : schedule.paused ? 'Resume' : 'Pause')),
        );
      })),
    ));
  }

  // ---------------------------------------------------------------- one task: its page

  /** @param {Event} event */
  function findTask(event) {
    event.preventDefault();
    const field = input(event.target === $('task-page-form') ? 'task-page-id' : 'task-id');
    const id = field.value.trim();
    if (!id) return;
    field.value = '';
    location.hash = '#/task/' + encodeURIComponent(id);
  }

  /** `#/task/<id>` shows that task's page; anything else, the dashboard. */
  function route() {
    const match = /^#\/task\/(.+)$/.exec(location.hash);
    const id = match && match[1] ? decodeURIComponent(match[1]) : null;
    if (state.taskPage) clearTimeout(state.taskPage.timer);
    state.taskPage = id ? { id, description: null, error: null, timer: undefined } : null;
    $('overview').hidden = id !== null;
    $('task-page').hidden = id === null;
    document.title = id ? 'Warren · task ' + id : 'Warren';
    if (!id) return renderCharts();
    window.scrollTo(0, 0);
    renderTaskPage();
    void loadTaskPage(id);
  }

  /** Reads the task again every 2 s until it is in a state it does not leave. @param {string} id */
  async function loadTaskPage(id) {
    const pageNow = () => (state.taskPage && state.taskPage.id === id ? state.taskPage : null);
    try {
      const description = /** @type {TaskDescription} */ (await api('api/tasks/' + encodeURIComponent(id)));
      const current = pageNow();
      if (!current) return;
      Object.assign(current, { description, error: null });
    } catch (error) {
      const current = pageNow();
      if (!current) return;
      current.error = messageOf(error);
    }
    renderTaskPage();
    const current = pageNow();
    if (current && !(current.description && FINAL.has(current.description.state))) current.timer = window.setTimeout(() => void loadTaskPage(id), 2000);
  }

  /** @param {unknown} value */
  const json = (value) => h('pre', { class: 'mono' }, JSON.stringify(value, null, 2));

  function renderTaskPage() {
    const current = state.taskPage;
    if (!current) return;
    const view = $('task-view');
    const d = current.description;
    if (!d) return view.replaceChildren(h('p', { class: current.error ? 'notice bad' : 'muted' }, current.error ? 'Could not read task ' + current.id + ': ' + current.error : 'Asking the runtimes about ' + current.id + '…'));
    view.dataset.taskId = d.taskId;
    view.dataset.state = d.state;
    /** @type {Array<[string, string, Child | Child[]]>} */
    const facts = [
      ['queue', 'Queue', d.queue ? [d.queue, ' ', d.pool ? poolBadge(d.pool) : null] : '–'],
      ['attempt', 'Attempt', d.attempt === undefined ? '–' : String(d.attempt)],
      ['runtime', 'Runtime', d.runtime || '–'],
      ['thread', 'Thread', threadText(d.threadId) || '–'],
      ['wait', 'Waited in queue', fmt.ms(d.waitMs)],
      ['duration', 'Ran for', fmt.ms(d.durationMs)],
      ['since', 'In this state since', d.since ? new Date(d.since).toLocaleString('en-GB', { hour12: false }) : '–'],
      ['next-attempt', d.state === 'scheduled' ? 'Due at' : 'Next attempt at', d.nextAttemptAt ? new Date(d.nextAttemptAt).toLocaleString('en-GB', { hour12: false }) : '–'],
      ['trace', 'Trace id', d.traceId ? h('span', { class: 'mono' }, d.traceId) : '–'],
      ['source', 'Told by', d.source === 'store' ? 'the result store' : d.source === 'runtime' ? 'a runtime' : '–'],
    ];
    const first = d.history[0] ? Date.parse(d.history[0].at) : 0;
    const failed = d.state === 'failed' || d.state === 'dead-lettered';
    view.replaceChildren(
      h('h2', { class: 'task-title' }, d.task || 'Unknown task', stateBadge(d.state), h('span', { class: 'mono muted' }, d.taskId)),
      h('div', { class: 'next' + (failed ? ' bad' : ''), data: { next: 'true' } }, d.next),
      h('dl', { class: 'facts' }, facts.map(([key, label, value]) => h('div', { data: { fact: key } }, h('dt', {}, label), h('dd', {}, value)))),
      h('div', { class: 'task-body' },
        h('h3', {}, 'Arguments'),
        d.args === undefined ? h('p', { class: 'muted', data: { args: 'absent' } }, 'Not kept: the result store keeps them (results.url), and a runtime only while it runs the task.') : h('div', { data: { args: 'shown' } }, json(d.args)),
        d.progress === undefined ? null : [h('h3', {}, 'Progress'), json(d.progress)],
        d.state === 'succeeded' ? [h('h3', {}, 'Result'), 'result' in d ? h('div', { data: { result: 'shown' } }, json(d.result)) : h('p', { class: 'muted' }, 'Not kept: no result store.')] : null,
        d.error ? [h('h3', {}, d.state === 'retrying' ? 'Last failure' : 'Error'), h('div', { class: 'error', data: { error: 'shown' } }, h('b', {}, d.error.name), ': ', d.error.message), d.error.stack ? h('pre', {}, d.error.stack) : null] : null,
        h('h3', {}, 'History'),
        d.history.length === 0 ? h('p', { class: 'muted' }, 'No step known.') : h('table', {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', { class: 'num' }, 'After'), h('th', {}, 'State'), h('th', { class: 'num' }, 'Attempt'), h('th', {}, 'Where'), h('th', {}, 'Note'))),
          h('tbody', {}, d.history.map((change) => h('tr', { data: { step: change.state, attempt: String(change.attempt) } },
            h('td', { class: 'mono' }, fmt.clock(change.at)),
            h('td', { class: 'num muted' }, '+' + fmt.ms(Date.parse(change.at) - first)),
            h('td', {}, stateBadge(change.state)),
            h('td', { class: 'num' }, String(change.attempt)),
            h('td', {}, change.runtime ? change.runtime + (threadText(change.threadId) ? ' · ' + threadText(change.threadId) : '') : ''),
            h('td', {}, change.error ? change.error.name + ': ' + change.error.message : change.nextAttemptAt ? (change.state === 'scheduled' ? 'due ' : 'next attempt ') + fmt.time(change.nextAttemptAt) : ''),
          ))),
        ),
      ),
    );
  }

  // ---------------------------------------------------------------- recent tasks and failures

  /** @param {RecordedTask} task */
  const keyOf = (task) => task.taskId + '|' + task.attempt + '|' + task.outcome + '|' + task.at;

  /** @param {RecordedTask} task */
  function addTask(task) {
    const key = keyOf(task);
    if (state.seen.has(key)) return;
    state.seen.add(key);
    state.recent.unshift(task);
    // As the server's list: a countdown that is not due yet is no failure.
    if (task.outcome !== 'succeeded' && task.outcome !== 'scheduled') state.failures.unshift(task);
    if (state.paused) state.paused.missed++;
    for (const list of [state.recent, state.failures]) {
      while (list.length > KEEP) {
        const dropped = list.pop();
        if (dropped) state.seen.delete(keyOf(dropped));
      }
    }
  }

  /** @param {RecordedTask} task */
  function matches(task) {
    const { filter } = state;
    return (!filter.task || task.task === filter.task) && (!filter.queue || task.queue === filter.queue) && (!filter.outcome || task.outcome === filter.outcome);
  }

  /** The lists as shown: held still while paused, filtered, at most SHOWN each. */
  function shownLists() {
    const source = state.paused || state;
    return { recent: source.recent.filter(matches).slice(0, SHOWN), failures: source.failures.filter(matches).slice(0, SHOWN) };
  }

  function filtering() {
    return Boolean(state.filter.task || state.filter.queue || state.filter.outcome);
  }

  /** The filters offer every task and queue seen, keeping what is chosen. */
  function renderFilters() {
    /** @param {HTMLSelectElement} el @param {string[]} values */
    const offer = (el, values) => {
      const chosen = el.value;
      const known = [...el.options].slice(1).map((option) => option.value);
      if (known.length === values.length && known.every((value, i) => value === values[i])) return;
      el.replaceChildren(h('option', { value: '' }, 'any'), ...values.map((value) => h('option', { value }, value)));
      el.value = values.includes(chosen) ? chosen : '';
    };
    offer(select('filter-task'), [...new Set(state.recent.map((task) => task.task))].sort());
    offer(select('filter-queue'), [...new Set([...state.queues.map((q) => q.queue), ...state.recent.map((task) => task.queue)])].sort());
    const pause = $('pause');
    pause.textContent = state.paused ? 'Resume' : 'Pause';
    pause.dataset.paused = String(Boolean(state.paused));
    $('paused-note').textContent = state.paused ? 'Paused: ' + plural(state.paused.missed, 'task') + ' finished since' : '';
  }

  function togglePause() {
    state.paused = state.paused ? null : { recent: [...state.recent], failures: [...state.failures], missed: 0 };
    renderLists();
  }

  function renderLists() {
    renderFilters();
    const { recent, failures } = shownLists();
    renderRecent(recent);
    renderFailures(failures);
  }

  /** @param {RecordedTask[]} list */
  function renderRecent(list) {
    if (list.length === 0) return $('recent').replaceChildren(h('div', { class: 'empty' }, filtering() ? 'No recent task matches the filters.' : 'No task has finished since this page’s server started.'));
    $('recent').replaceChildren(h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Task'), h('th', {}, 'Outcome'), h('th', { class: 'num' }, 'Duration'), h('th', { class: 'num', title: 'Time spent waiting in the queue' }, 'Waited'), h('th', {}, 'Task id'))),
      h('tbody', {}, list.map((task) => h('tr', { data: { taskId: task.taskId, outcome: task.outcome } },
        h('td', { class: 'muted' }, fmt.time(task.at)),
        h('td', { class: 'name' }, task.task, h('div', { class: 'muted' }, task.queue + (task.attempt > 1 ? ' · attempt ' + task.attempt : ''))),
        h('td', {}, outcomeBadge(task.outcome), task.outcome === 'scheduled' && task.nextAttemptAt ? h('div', { class: 'muted' }, 'due ' + fmt.time(task.nextAttemptAt)) : null),
        h('td', { class: 'num' }, fmt.ms(task.durationMs)),
        h('td', { class: 'num muted' }, fmt.ms(task.waitMs)),
        h('td', {}, taskLink(task.taskId, task.taskId.slice(0, 8))),
      ))),
    ));
  }

  /** @param {RecordedTask[]} list */
  function renderFailures(list) {
    if (list.length === 0) return $('failures').replaceChildren(h('div', { class: 'empty' }, filtering() ? 'No recent failure matches the filters.' : 'No failures.'));
    $('failures').replaceChildren(...list.map((task) => {
      const key = keyOf(task);
      const error = task.error || { name: 'Error', message: '(no message)', stack: undefined };
      return h('div', { class: 'failure', data: { taskId: task.taskId, outcome: task.outcome } },
        h('div', { class: 'line' }, outcomeBadge(task.outcome), h('strong', {}, task.task), h('span', { class: 'muted' }, task.queue + ' · attempt ' + task.attempt),
          task.nextAttemptAt ? h('span', { class: 'muted' }, '· next at ' + fmt.time(task.nextAttemptAt)) : null,
          taskLink(task.taskId, task.taskId.slice(0, 8)),
          h('span', { class: 'time' }, fmt.time(task.at))),
        h('div', { class: 'error' }, h('b', {}, error.name), ': ', error.message),
        error.stack ? stackDetails(key, error.stack) : null,
      );
    }));
  }

  // ---------------------------------------------------------------- charts

  /** @param {number} value */
  function niceMax(value) {
    if (value <= 0) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
    return 10 * power;
  }

  function window60() {
    const end = Math.floor(Date.now() / 1000) - 1;
    /** @type {SecondSummary[]} */
    const out = [];
    for (let t = end - WINDOW + 1; t <= end; t++) out.push(state.seconds.get(t) || { t, succeeded: 0, retried: 0, failed: 0, rejected: 0, expired: 0, scheduled: 0 });
    for (const t of state.seconds.keys()) if (t < end - WINDOW * 2) state.seconds.delete(t);
    return out;
  }

  // The viewBox follows the drawn size, so text and strokes are never stretched.
  const BOX = { w: 600, h: 160, left: 48, right: 8, top: 8, bottom: 18 };
  /** @param {Element} svg */
  function fit(svg) {
    BOX.w = Math.max(200, Math.round(svg.clientWidth || 600));
    svg.setAttribute('viewBox', '0 0 ' + BOX.w + ' ' + BOX.h);
  }

  /** @param {Element} svg @param {number} max @param {(value: number) => string} label */
  function axes(svg, max, label) {
    const { w, h: height, left, right, top, bottom } = BOX;
    const plotH = height - top - bottom;
    for (const frac of [0, 0.5, 1]) {
      const y = top + plotH * (1 - frac);
      svg.append(s('line', { class: 'gridline', x1: left, x2: w - right, y1: y, y2: y }));
      svg.append(s('text', { x: left - 6, y: y + 3, 'text-anchor': 'end' }, label(max * frac)));
    }
    svg.append(s('text', { x: left, y: height - 4 }, '−60 s'));
    svg.append(s('text', { x: (left + w - right) / 2, y: height - 4, 'text-anchor': 'middle' }, '−30 s'));
    svg.append(s('text', { x: w - right, y: height - 4, 'text-anchor': 'end' }, 'now'));
  }

  /** @param {SecondSummary[]} data */
  function renderThroughput(data) {
    const svg = $('throughput');
    svg.replaceChildren();
    fit(svg);
    const { w, h: height, left, right, top, bottom } = BOX;
    const plotH = height - top - bottom;
    const totals = data.map((d) => d.succeeded + d.retried + d.failed + d.rejected);
    const max = niceMax(Math.max(...totals));
    axes(svg, max, (v) => (v >= 1000 ? Math.round(v / 100) / 10 + 'k' : String(Math.round(v * 10) / 10)));
    const slot = (w - left - right) / data.length;
    const colours = { ok: css('--ok'), warn: css('--warn'), bad: css('--bad') };
    data.forEach((d, i) => {
      let y = top + plotH;
      const x = left + i * slot + 1;
      for (const [value, colour] of /** @type {Array<[number, string]>} */ ([[d.succeeded, colours.ok], [d.retried, colours.warn], [d.failed + d.rejected, colours.bad]])) {
        if (!value) continue;
        const barH = (value / max) * plotH;
        y -= barH;
        const rect = s('rect', { x, y, width: Math.max(1, slot - 2), height: barH, fill: colour, rx: 1 });
        rect.append(s('title', {}, fmt.time(d.t * 1000) + ': ' + d.succeeded + ' succeeded, ' + d.retried + ' retried, ' + (d.failed + d.rejected) + ' failed/rejected'));
        svg.append(rect);
      }
    });
    const recent = totals.slice(-10);
    $('throughput-now').textContent = fmt.rate(recent.reduce((a, b) => a + b, 0) / recent.length) + ' /s avg';
  }

  /** @param {SecondSummary[]} data */
  function renderLatency(data) {
    const svg = $('latency');
    svg.replaceChildren();
    fit(svg);
    const { w, h: height, left, right, top, bottom } = BOX;
    const plotH = height - top - bottom;
    const max = niceMax(Math.max(0, ...data.map((d) => d.p95Ms || 0)));
    axes(svg, max, (v) => (v === 0 ? '0' : fmt.ms(v)));
    const slot = (w - left - right) / data.length;
    for (const [field, colour] of /** @type {Array<['p50Ms' | 'p95Ms', string]>} */ ([['p50Ms', css('--accent')], ['p95Ms', css('--p95')]])) {
      /** @type {string[]} */
      let points = [];
      const flush = () => {
        if (points.length > 1) svg.append(s('polyline', { points: points.join(' '), fill: 'none', stroke: colour, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
        points = [];
      };
      data.forEach((d, i) => {
        const value = d[field];
        if (value === undefined) return flush();
        const x = left + i * slot + slot / 2;
        const y = top + plotH * (1 - Math.min(1, value / max));
        points.push(x.toFixed(1) + ',' + y.toFixed(1));
        const dot = s('circle', { cx: x, cy: y, r: 2.2, fill: colour });
        dot.append(s('title', {}, fmt.time(d.t * 1000) + ' ' + field.slice(0, 3) + ': ' + fmt.ms(value)));
        svg.append(dot);
      });
      flush();
    }
    const last = [...data].reverse().find((d) => d.p95Ms !== undefined);
    $('latency-now').textContent = last ? 'p50 ' + fmt.ms(last.p50Ms) + ' · p95 ' + fmt.ms(last.p95Ms) : '';
  }

  function renderCharts() {
    const data = window60();
    renderThroughput(data);
    renderLatency(data);
  }

  // ---------------------------------------------------------------- data flow

  /** @type {Promise<void> | null} */
  let refreshing = null;
  function refresh() {
    refreshing ??= (async () => {
      try {
        const [snapshot, queues] = await Promise.all([api('api/snapshot'), api('api/queues')]);
        Object.assign(state, { snapshot, queues: queues.queues, depthsError: queues.depthsError || null, depthsAgeMs: queues.depthsAgeMs, unreachable: null });
        renderStats(); renderQueues(); renderPools(); renderInFlight();
        await Promise.all([syncDeadLetters(), syncSchedules(false), syncFleet()]);
      } catch (error) {
        state.unreachable = error instanceof ApiError && error.status === 401 ? 'the token is missing or wrong: open /?token=… again' : messageOf(error);
      } finally {
        renderHeader();
        refreshing = null;
      }
    })();
    return refreshing;
  }
  function poll() {
    refresh().finally(() => setTimeout(poll, document.hidden ? 10000 : 2000));
  }

  function listen() {
    const events = new EventSource('api/events');
    /** @param {boolean} on @param {string} text */
    const live = (on, text) => { $('live').className = 'live' + (on ? ' on' : ''); $('live-text').textContent = text; };
    events.addEventListener('open', () => live(true, 'live'));
    events.addEventListener('error', () => live(false, 'reconnecting…'));
    events.addEventListener('tasks', (e) => {
      const batch = /** @type {{ events: RecordedTask[] }} */ (JSON.parse(e.data));
      for (const task of batch.events) addTask(task);
      if (state.paused) renderFilters();
      else renderLists();
    });
    events.addEventListener('second', (e) => {
      const second = /** @type {SecondSummary} */ (JSON.parse(e.data));
      state.seconds.set(second.t, second);
      if (!state.taskPage) renderCharts();
    });
  }

  async function start() {
    $('task-form').addEventListener('submit', findTask);
    $('task-page-form').addEventListener('submit', findTask);
    for (const [id, key] of /** @type {const} */ ([['filter-task', 'task'], ['filter-queue', 'queue'], ['filter-outcome', 'outcome']])) {
      select(id).addEventListener('change', () => { state.filter = { ...state.filter, [key]: select(id).value }; renderLists(); });
    }
    $('pause').addEventListener('click', togglePause);
    window.addEventListener('hashchange', route);
    route();
    listen();
    renderCharts();
    poll();
    try {
      const history = /** @type {HistoryAnswer} */ (await api('api/history'));
      for (const second of history.seconds) if (!state.seconds.has(second.t)) state.seconds.set(second.t, second);
      for (const task of [...history.recent].reverse()) addTask(task);
      for (const task of [...history.failures].reverse()) if (!state.seen.has(keyOf(task))) { state.seen.add(keyOf(task)); state.failures.push(task); }
      state.recent.sort((a, b) => b.at - a.at);
      state.failures.sort((a, b) => b.at - a.at);
    } catch (error) {
      toast('Could not load the recent history: ' + messageOf(error), true);
    }
    renderLists(); renderCharts();
    setInterval(() => { if (state.snapshot) renderHeader(); }, 1000);
    window.addEventListener('resize', renderCharts);
  }

  start();
})();
