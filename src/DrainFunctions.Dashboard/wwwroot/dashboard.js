// The drain dashboard: plain DOM, no framework. Every datum comes from the HTTP API under /api
// (the same routes the CLI uses with --endpoint); the page polls while its tab is visible.
'use strict';

(() => {
  const POLL_MS = 2000;
  const QUIET_POLL_MS = 6000;
  const LIST_SIZE = 20;
  const KEY_STORAGE = 'drainFunctionKey';
  const STATUSES = ['Pending', 'Running', 'Suspended', 'Completed', 'Failed', 'Terminated', 'Incomplete'];
  const LIVE = new Set(['Pending', 'Running', 'Suspended']);
  const view = document.getElementById('view');
  const statusLine = document.getElementById('status-line');
  const keyPrompt = document.getElementById('key-prompt');
  const keyInput = document.getElementById('key-input');
  const keyReason = document.getElementById('key-reason');

  /** The current view's refresh, called by the poller; null when the view has nothing live. */
  let refresh = null;
  let refreshing = false;
  let needsKey = false;

  // ------------------------------------------------------------------ DOM helpers

  /** An element: attributes (on* are listeners, class, data-*, aria-*), then children (text or nodes). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else if (name === 'text') el.textContent = value;
      else el.setAttribute(name, value === true ? '' : String(value));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) el.setAttribute(name, String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child !== null && child !== undefined) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  /** Replaces a section's content only when its data changed, so focus and scroll survive polling. */
  function patch(section, key, build) {
    if (section.dataset.key === key) return;
    section.dataset.key = key;
    fill(section, build());
  }

  /** Replaces an element's children; null, undefined and false (a condition's "nothing") are left out. */
  function fill(el, children) {
    el.replaceChildren();
    return append(el, [children]);
  }

  function bar(fraction, label, over) {
    const fill = h('span');
    fill.style.width = `${Math.max(0, Math.min(1, fraction || 0)) * 100}%`;
    return h('div', { class: over ? 'bar over' : 'bar', role: 'img', 'aria-label': label }, fill);
  }

  function badge(status) {
    return h('span', { class: `badge ${status}`, 'data-status': status }, status);
  }

  function card(label, value, tone, test) {
    return h('div', { class: `card ${tone || ''}` }, h('div', { class: 'label' }, label), h('div', { class: 'value', 'data-test': test }, value));
  }

  /** A table; each cell carries its column's name (data-label), which narrow screens show beside the value. */
  function table(headers, rows, empty) {
    for (const row of rows) {
      [...row.children].forEach((cell, i) => { if (headers[i] && headers[i][0]) cell.dataset.label = headers[i][0]; });
    }
    const head = h('tr', {}, headers.map(([text, cls]) => h('th', { class: cls, scope: 'col' }, text)));
    const body = rows.length ? rows : [h('tr', { class: 'empty' }, h('td', { colspan: headers.length }, empty))];
    return h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, head), h('tbody', {}, body)));
  }

  function say(text) {
    statusLine.textContent = text || '';
  }

  // ------------------------------------------------------------------ formatting

  function duration(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return '–';
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
    return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  }

  function when(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString();
  }

  function secondsBetween(from, to) {
    const a = Date.parse(from);
    const b = to ? Date.parse(to) : Date.now();
    return isNaN(a) || isNaN(b) ? null : (b - a) / 1000;
  }

  function perMinute(count, seconds) {
    return seconds && seconds > 0 ? (count / (seconds / 60)).toFixed(1) : '–';
  }

  /** The normalized message of a fingerprint (KIND|CODE|message). */
  function fingerprintMessage(fp) {
    const parts = String(fp).split('|');
    return parts.length >= 3 ? parts.slice(2).join('|') : fp;
  }

  function isTimeout(result) {
    return typeof result.failure_fingerprint === 'string' && result.failure_fingerprint.startsWith('TIMEOUT');
  }

  function outcome(result) {
    return result.success ? 'success' : isTimeout(result) ? 'timeout' : 'failed';
  }

  // ------------------------------------------------------------------ the API

  function key() {
    return sessionStorage.getItem(KEY_STORAGE) || '';
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.title)) || `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  /** Calls /api + path with the key; a 401 shows the key prompt. Resolves {status, body}; rejects with ApiError on >= 400. */
  async function api(path, options = {}) {
    const headers = { Accept: 'application/json' };
    if (key()) headers['x-functions-key'] = key();
    if (options.json !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`/api${path}`, {
      method: options.method || 'GET',
      headers,
      body: options.json !== undefined ? JSON.stringify(options.json) : undefined,
      cache: 'no-store',
      credentials: 'omit',
    });
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = text; }
    if (response.status === 401) {
      askForKey(key() ? 'The key given was refused (401): enter the right function key.' : 'This server needs its function key (401): enter it to see the drains.');
      throw new ApiError(401, body);
    }
    if (response.status >= 400) throw new ApiError(response.status, body);
    return { status: response.status, body };
  }

  function askForKey(reason) {
    needsKey = true;
    keyReason.textContent = `${reason} It is kept in this tab's session storage only.`;
    keyPrompt.hidden = false;
    keyInput.focus();
  }

  document.getElementById('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, keyInput.value.trim());
    keyInput.value = '';
    keyPrompt.hidden = true;
    needsKey = false;
    say('');
    route();
  });

  document.getElementById('key-button').addEventListener('click', () => {
    keyPrompt.hidden = !keyPrompt.hidden;
    if (!keyPrompt.hidden) {
      keyReason.textContent = 'The function key this tab sends (kept in session storage only).';
      keyInput.focus();
    }
  });

  function failed(error) {
    if (error instanceof ApiError && error.status === 401) return;
    say(`Could not reach the API: ${error.message}`);
  }

  // ------------------------------------------------------------------ sessions

  function sessionsView(params) {
    const status = STATUSES.includes(params.get('status')) ? params.get('status') : '';
    const filter = h('select', { id: 'status-filter', onchange: (e) => { location.hash = e.target.value ? `#/sessions?status=${e.target.value}` : '#/sessions'; } },
      h('option', { value: '' }, 'All'),
      STATUSES.map((s) => h('option', { value: s, selected: s === status }, s)));
    const list = h('div', { id: 'sessions' });
    view.replaceChildren(
      h('div', { class: 'toolbar' },
        h('h2', { class: 'grow' }, 'Sessions'),
        h('label', { for: 'status-filter' }, 'Status'), filter),
      h('div', { class: 'panel' }, list));

    // While nothing listed is live the list changes only when a drain starts: ask every 6 s, not every 2
    // (each list reads every listed session's blob).
    let quietUntil = 0;
    return async () => {
      if (Date.now() < quietUntil) return;
      const query = status ? `?top=${LIST_SIZE}&status=${status}` : `?top=${LIST_SIZE}`;
      const { body } = await api(`/drains${query}`);
      const sessions = body.sessions || [];
      quietUntil = sessions.some((s) => LIVE.has(s.status)) ? 0 : Date.now() + QUIET_POLL_MS;
      patch(list, JSON.stringify(sessions) + Math.floor(Date.now() / 10000), () => table(
        [['Session'], ['Status'], ['Progress'], ['OK', 'num'], ['Failed', 'num'], ['Timeouts', 'num'], ['Events', 'num hide-narrow'], ['Yield/min', 'num hide-narrow'], ['Duration', 'num hide-narrow'], ['Started', 'hide-narrow']],
        sessions.map(sessionRow),
        status ? `No ${status} sessions.` : 'No sessions yet: start one.'));
    };
  }

  function sessionRow(s) {
    const t = s.totals || {};
    const seconds = secondsBetween(s.startedAt, s.completedAt || (LIVE.has(s.status) ? null : s.startedAt));
    const processed = t.processed || 0;
    const size = s.batchSize || 0;
    return h('tr', { 'data-session': s.sessionId },
      h('td', {}, h('a', { href: `#/session/${encodeURIComponent(s.sessionId)}`, class: 'mono' }, s.sessionId)),
      h('td', {}, badge(s.status)),
      h('td', {}, h('div', {}, h('div', { 'data-test': 'progress', class: 'mono' }, size ? `${processed}/${size}` : `${processed}`), bar(size ? processed / size : 0, `${processed} of ${size} phases`))),
      h('td', { class: 'num ok' }, t.success ?? '–'),
      h('td', { class: 'num bad' }, t.failed ?? '–'),
      h('td', { class: 'num warn' }, t.timeouts ?? '–'),
      h('td', { class: 'num hide-narrow' }, t.telemetryEvents ?? '–'),
      h('td', { class: 'num hide-narrow' }, perMinute(t.telemetryEvents || 0, seconds)),
      h('td', { class: 'num hide-narrow' }, s.startedAt ? duration(seconds) : '–'),
      h('td', { class: 'hide-narrow' }, when(s.startedAt)));
  }

  // ------------------------------------------------------------------ one session

  function sessionView(sessionId, logPick) {
    const sections = {};
    for (const name of ['head', 'cards', 'inflight', 'lines', 'runs', 'fingerprints', 'timeline', 'yield', 'log']) {
      sections[name] = h('section', { id: `session-${name}`, 'aria-live': name === 'head' ? 'polite' : null });
    }
    view.replaceChildren(
      h('p', {}, h('a', { href: '#/sessions' }, '← Sessions')),
      sections.head, sections.cards,
      h('div', { class: 'grid2' }, h('div', {}, sections.inflight, sections.lines), h('div', {}, sections.log)),
      sections.fingerprints, sections.runs,
      h('div', { class: 'grid2' }, sections.timeline, sections.yield));

    const log = logFollower(sessionId, sections.log);
    if (logPick) log.select(logPick.run, logPick.phase).catch(failed);
    let ended = false;

    const update = async () => {
      if (ended) {
        await log.poll();
        return;
      }
      let drain;
      try {
        drain = (await api(`/drains/${encodeURIComponent(sessionId)}`)).body;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          patch(sections.head, '404', () => h('h2', {}, `Session ${sessionId} not found`));
          ended = true;
          return;
        }
        throw error;
      }
      renderSession(sections, drain);
      ended = !LIVE.has(drain.status);
      await log.poll();
    };
    update.selectLog = (run, phase) => log.select(run, phase);
    update.sessionId = sessionId;
    return update;
  }

  function renderSession(sections, drain) {
    const session = drain.session || {};
    const progress = drain.progress || {};
    const totals = drain.totals || {};
    const results = Array.isArray(session.results) ? session.results : [];
    const live = LIVE.has(drain.status);
    const size = session.batch_size || progress.batchSize || 0;
    const processed = totals.processed ?? progress.processed ?? 0;
    const seconds = secondsBetween(session.started_at, session.completed_at || (live ? null : lastResultTime(results) || session.started_at));
    const events = totals.telemetryEvents || 0;

    patch(sections.head, JSON.stringify([drain.status, drain.failure, progress.stop, live]), () => [
      h('div', { class: 'toolbar' },
        h('h2', { class: 'grow mono' }, drain.sessionId, ' ', badge(drain.status)),
        live ? [
          h('button', { type: 'button', class: 'quiet', id: 'cancel-graceful', onclick: () => cancel(drain.sessionId, 'graceful') }, 'Cancel after this phase'),
          h('button', { type: 'button', class: 'danger', id: 'cancel-now', onclick: () => cancel(drain.sessionId, 'now') }, 'Cancel now'),
        ] : (session.completed_at ? null : h('button', { type: 'button', id: 'resume', onclick: () => resume(drain.sessionId) }, 'Resume'))),
      progress.stop ? h('p', { class: progress.stop === 'BatchComplete' ? 'muted' : 'warn' }, `Stopped: ${progress.stop}`) : null,
      drain.failure ? h('p', { class: 'bad' }, `Failure: ${drain.failure}`) : null,
    ]);

    patch(sections.cards, JSON.stringify([processed, size, totals, Math.floor((seconds || 0) / 5)]), () => h('div', { class: 'cards' },
      card('Progress', size ? `${processed}/${size}` : String(processed), '', 'session-progress'),
      card('Succeeded', totals.success ?? 0, 'ok', 'session-success'),
      card('Failed', totals.failed ?? 0, 'bad', 'session-failed'),
      card('Timeouts', totals.timeouts ?? 0, 'warn', 'session-timeouts'),
      card('Events', events),
      card('Events/min', perMinute(events, seconds)),
      card('Duration', duration(seconds)),
      card('Started', when(session.started_at), 'small')));

    const inFlight = inFlightPhases(progress, live);
    patch(sections.inflight, JSON.stringify([inFlight, Math.floor(Date.now() / 1000)]), () => [
      h('h3', {}, 'In flight'),
      inFlight.length === 0
        ? h('p', { class: 'muted' }, live ? 'Choosing the next phase…' : 'Nothing: the drain is not running.')
        : table([['Phase'], ['Elapsed / timeout'], ['']], inFlight.map((p) => {
          const elapsed = secondsBetween(p.startedAt);
          const limit = progress.phaseTimeoutSeconds || 0;
          return h('tr', { 'data-inflight': p.phase },
            h('td', { class: 'mono' }, p.slot !== undefined ? `slot ${p.slot}: ${p.phase}` : p.phase),
            h('td', {}, h('div', {}, h('span', { class: 'mono' }, `${duration(elapsed)} / ${limit ? duration(limit) : '?'}`), bar(limit ? elapsed / limit : 0, `${duration(elapsed)} of ${duration(limit)}`, limit && elapsed > limit))),
            h('td', {}, logLink(drain.sessionId, p.run, p.phaseId, 'Follow log')));
        }), ''),
    ]);

    const lines = (progress.lines || []).map((l) => l.text);
    const linesChanged = sections.lines.dataset.key !== JSON.stringify(lines);
    patch(sections.lines, JSON.stringify(lines), () => [
      h('h3', {}, 'Progress'),
      h('div', { class: 'lines panel' }, h('pre', { id: 'progress-lines' }, lines.length ? lines.join('\n') : (live ? 'No lines yet.' : 'The drain has ended; its lines are in the session below.'))),
    ]);

    const pre = document.getElementById('progress-lines');
    if (linesChanged && pre) pre.scrollTop = pre.scrollHeight;

    const stoppedRuns = new Set(session.stopped_runs || []);
    patch(sections.fingerprints, JSON.stringify([results.length, session.fingerprint_counts, session.stopped_runs]), () => fingerprintSection(drain.sessionId, results, session, stoppedRuns));
    patch(sections.runs, JSON.stringify([results.length, session.stopped_runs]), () => runSection(drain.sessionId, results, stoppedRuns));
    patch(sections.timeline, JSON.stringify([results.length, inFlight, live ? Math.floor(Date.now() / 2000) : 0]), () => timeline(session, results, inFlight, live));
    patch(sections.yield, JSON.stringify(results.length), () => yieldChart(results));
  }

  function lastResultTime(results) {
    return results.length ? results[results.length - 1].timestamp : null;
  }

  /** The phases in flight: every slot's in a parallel drain, else the current phase. */
  function inFlightPhases(progress, live) {
    if (!live) return [];
    const split = (key) => {
      const at = key.indexOf(':');
      return at < 0 ? { run: key, phaseId: '' } : { run: key.slice(0, at), phaseId: key.slice(at + 1) };
    };
    if (Array.isArray(progress.inFlight) && progress.inFlight.length) {
      return progress.inFlight.map((p) => ({ slot: p.slot, phase: p.phase, startedAt: p.startedAt, ...split(p.phase) }));
    }
    return progress.currentPhase ? [{ phase: progress.currentPhase, startedAt: progress.currentPhaseStartedAt, ...split(progress.currentPhase) }] : [];
  }

  function logLink(sessionId, run, phase, text) {
    return h('a', { href: `#/session/${encodeURIComponent(sessionId)}/log/${encodeURIComponent(run)}/${encodeURIComponent(phase)}`, 'data-log': `${run}/${phase}` }, text || `${run}/${phase}`);
  }

  function fingerprintSection(sessionId, results, session, stoppedRuns) {
    const groups = new Map();
    for (const r of results) {
      if (!r.failure_fingerprint) continue;
      const g = groups.get(r.failure_fingerprint) || { fingerprint: r.failure_fingerprint, results: [] };
      g.results.push(r);
      groups.set(r.failure_fingerprint, g);
    }
    const counts = session.fingerprint_counts || {};
    const stoppedFingerprints = new Set(session.stopped_fingerprints || []);
    const rows = [...groups.values()].sort((a, b) => b.results.length - a.results.length).map((g) => {
      const runs = [...new Set(g.results.map((r) => r.run_id))];
      return h('tr', { 'data-fingerprint': g.fingerprint },
        h('td', { class: 'num' }, counts[g.fingerprint] ?? g.results.length),
        h('td', {}, h('div', {}, fingerprintMessage(g.fingerprint)), h('div', { class: 'mono muted' }, g.fingerprint, stoppedFingerprints.has(g.fingerprint) ? ' (stopped)' : '')),
        h('td', {}, runs.filter((r) => stoppedRuns.has(r)).join(', ') || '–'),
        h('td', {}, h('ul', { class: 'plain' }, g.results.map((r) => h('li', {}, logLink(sessionId, r.run_id, r.phase_id))))));
    });
    return [h('h3', {}, 'Failure fingerprints'), table([['Count', 'num'], ['Fingerprint'], ['Runs it stopped'], ['Phases (log)']], rows, 'No failures.')];
  }

  function runSection(sessionId, results, stoppedRuns) {
    const runs = new Map();
    for (const r of results) {
      const run = runs.get(r.run_id) || { run: r.run_id, success: 0, failed: 0, timeouts: 0, events: 0, last: null };
      if (r.success) run.success++; else if (isTimeout(r)) run.timeouts++; else run.failed++;
      run.events += r.telemetry_events_collected || 0;
      run.last = r;
      runs.set(r.run_id, run);
    }
    const rows = [...runs.values()].map((r) => h('tr', { 'data-run': r.run },
      h('td', { class: 'mono' }, r.run),
      h('td', { class: 'num ok' }, r.success), h('td', { class: 'num bad' }, r.failed), h('td', { class: 'num warn' }, r.timeouts),
      h('td', { class: 'num' }, r.events),
      h('td', {}, stoppedRuns.has(r.run) ? h('span', { class: 'bad' }, 'stopped') : '–'),
      h('td', { class: 'hide-narrow' }, logLink(sessionId, r.last.run_id, r.last.phase_id, `last: ${r.last.phase_id}`))));
    return [h('h3', {}, 'Runs'), table([['Run'], ['OK', 'num'], ['Failed', 'num'], ['Timeouts', 'num'], ['Events', 'num'], ['Stopped'], ['Log', 'hide-narrow']], rows, 'No phase drained yet.')];
  }

  /** Phases on a time axis, one lane per overlap, coloured by outcome; the one in flight grows. */
  function timeline(session, results, inFlight, live) {
    const start = Date.parse(session.started_at);
    const spans = results.map((r) => {
      const end = Date.parse(r.timestamp);
      return { from: end - (r.subprocess_duration_seconds || 0) * 1000, to: end, kind: outcome(r), label: `${r.run_id}/${r.phase_id}: ${outcome(r)}, ${duration(r.subprocess_duration_seconds)}` };
    });
    for (const p of inFlight) {
      const from = Date.parse(p.startedAt);
      if (!isNaN(from)) spans.push({ from, to: Date.now(), kind: 'running', label: `${p.phase}: running` });
    }
    const valid = spans.filter((s) => !isNaN(s.from) && !isNaN(s.to));
    const t0 = isNaN(start) ? Math.min(...valid.map((s) => s.from)) : start;
    const t1 = Math.max(t0 + 1000, ...valid.map((s) => s.to), live ? Date.now() : 0);
    const lanes = [];
    for (const s of valid.sort((a, b) => a.from - b.from)) {
      let lane = lanes.findIndex((end) => end <= s.from);
      if (lane < 0) { lane = lanes.length; lanes.push(0); }
      lanes[lane] = s.to;
      s.lane = lane;
    }
    const width = 600; const left = 4; const laneHeight = 18; const height = Math.max(1, lanes.length) * laneHeight + 24;
    const x = (t) => left + ((t - t0) / (t1 - t0)) * (width - 2 * left);
    const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Timeline of ${results.length} phases` },
      svg('line', { class: 'axis', x1: left, x2: width - left, y1: height - 18, y2: height - 18 }),
      svg('text', { x: left, y: height - 4 }, '0'),
      svg('text', { x: width - left, y: height - 4, 'text-anchor': 'end' }, duration((t1 - t0) / 1000)),
      valid.map((s) => svg('rect', { class: s.kind, x: x(s.from), y: s.lane * laneHeight + 2, width: Math.max(2, x(s.to) - x(s.from)), height: laneHeight - 4, rx: 2 }, svg('title', {}, s.label))));
    return [h('h3', {}, 'Timeline'), h('div', { class: 'panel' }, chart, legend())];
  }

  function legend() {
    return h('div', { class: 'legend' }, [['success', 'succeeded'], ['failed', 'failed'], ['timeout', 'timed out'], ['running', 'running']].map(([c, t]) => h('span', {}, h('i', { class: c }), t)));
  }

  /** Cumulative successes against executor-minutes (the phases' own durations, summed). */
  function yieldChart(results) {
    let minutes = 0; let successes = 0;
    const points = [[0, 0]];
    for (const r of results) {
      minutes += (r.subprocess_duration_seconds || 0) / 60;
      if (r.success) successes++;
      points.push([minutes, successes]);
    }
    const width = 600; const height = 180; const pad = 30;
    const maxX = Math.max(minutes, 1e-6); const maxY = Math.max(successes, 1);
    const px = (m) => pad + (m / maxX) * (width - pad - 8);
    const py = (s) => height - pad + 8 - (s / maxY) * (height - pad - 8);
    const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${successes} successes in ${minutes.toFixed(1)} executor-minutes` },
      svg('line', { class: 'axis', x1: pad, x2: width - 8, y1: py(0), y2: py(0) }),
      svg('line', { class: 'axis', x1: pad, x2: pad, y1: 8, y2: py(0) }),
      svg('text', { x: pad - 4, y: py(maxY) + 4, 'text-anchor': 'end' }, maxY),
      svg('text', { x: pad - 4, y: py(0), 'text-anchor': 'end' }, 0),
      svg('text', { x: width - 8, y: height - 4, 'text-anchor': 'end' }, `${minutes.toFixed(1)} executor-min`),
      svg('polyline', { class: 'curve', points: points.map(([m, s]) => `${px(m).toFixed(1)},${py(s).toFixed(1)}`).join(' ') }));
    return [h('h3', {}, 'Successes against executor-minutes'), h('div', { class: 'panel' }, chart)];
  }

  /** One phase's stdout and stderr: read once when it has ended, followed (by byte offsets) while it runs. */
  function logFollower(sessionId, section) {
    let pick = null;
    const render = () => {
      if (!pick) {
        fill(section, [h('h3', {}, 'Phase log'), h('p', { class: 'muted' }, 'Choose a phase (in flight, a fingerprint or a run) to read its log.')]);
        return;
      }
      fill(section, [
        h('h3', { id: 'log-title', tabindex: '-1' }, 'Log of ', h('span', { class: 'mono' }, `${pick.run}/${pick.phase}`), pick.running ? ' (following)' : ''),
        pick.error ? h('p', { class: 'bad' }, pick.error) : null,
        h('div', { class: 'log' },
          h('h4', {}, 'stdout'), h('pre', { id: 'log-stdout' }, pick.stdout || '(empty)'),
          h('h4', {}, 'stderr'), h('pre', { id: 'log-stderr', class: 'stderr' }, pick.stderr || '(empty)'))]);
    };
    const follower = {
      select(run, phase) {
        pick = { run, phase, stdout: '', stderr: '', stdoutNext: 0, stderrNext: 0, running: true, done: false, error: null };
        render();
        const title = document.getElementById('log-title');
        if (title) title.focus();
        return follower.poll();
      },
      async poll() {
        if (!pick || pick.done) return;
        const current = pick;
        const path = `/drains/${encodeURIComponent(sessionId)}/logs/${encodeURIComponent(current.run)}/${encodeURIComponent(current.phase)}/follow?stdoutFrom=${current.stdoutNext}&stderrFrom=${current.stderrNext}`;
        try {
          const { body } = await api(path);
          if (current !== pick) return;
          current.stdout += body.stdout || '';
          current.stderr += body.stderr || '';
          current.stdoutNext = body.stdoutNext ?? current.stdoutNext;
          current.stderrNext = body.stderrNext ?? current.stderrNext;
          current.running = !!body.running;
          current.done = !body.running;
          current.error = null;
        } catch (error) {
          if (current !== pick) return;
          if (error instanceof ApiError && error.status === 404) {
            current.error = 'No log was kept for this phase.';
            current.done = true;
            current.running = false;
          } else {
            throw error;
          }
        }
        const out = document.getElementById('log-stdout');
        const stick = out && out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
        render();
        const again = document.getElementById('log-stdout');
        if (stick && again) again.scrollTop = again.scrollHeight;
      },
    };
    render();
    return follower;
  }

  async function cancel(sessionId, mode) {
    if (mode === 'now' && !window.confirm(`Stop ${sessionId} now? The phase in flight is stopped and put back.`)) return;
    try {
      await api(`/drains/${encodeURIComponent(sessionId)}/cancel?mode=${mode}`, { method: 'POST' });
      say(mode === 'now' ? `Stopping ${sessionId} now…` : `${sessionId} stops after the phase in flight.`);
      statusLine.className = 'status-line muted';
    } catch (error) {
      failed(error);
    }
    poll();
  }

  async function resume(sessionId) {
    try {
      const { body } = await api('/drains/resume', { method: 'POST', json: { sessionId } });
      location.hash = `#/session/${encodeURIComponent(body.sessionId)}`;
    } catch (error) {
      failed(error);
    }
  }

  // ------------------------------------------------------------------ start a drain or a preview

  function startView() {
    const form = h('form', { class: 'options', id: 'start-form', novalidate: true });
    const result = h('section', { id: 'start-result', 'aria-live': 'polite' });
    view.replaceChildren(h('h2', {}, 'Start a drain'), h('p', { class: 'muted' }, 'The options of the CLI and the API; empty fields keep this server\'s defaults. A preview (dry run) changes nothing.'), h('div', { class: 'panel' }, form), result);
    let declarations = [];

    const load = async () => {
      const { body } = await api('/options');
      declarations = body.options || [];
      form.replaceChildren(...declarations.map(field), h('div', { class: 'actions' },
        h('button', { type: 'submit', value: 'preview', id: 'preview-button' }, 'Preview (dry run)'),
        h('button', { type: 'submit', value: 'start', id: 'start-button', class: 'quiet' }, 'Start drain')));
    };
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const preview = !event.submitter || event.submitter.value === 'preview';
      const { body, invalid } = readForm(form, declarations);
      clearErrors(form);
      if (invalid) return;
      try {
        const answer = await api(preview ? '/drains/preview' : '/drains', { method: 'POST', json: body });
        if (preview) showPreview(result, answer.body);
        else location.hash = `#/session/${encodeURIComponent(answer.body.sessionId)}`;
      } catch (error) {
        if (error instanceof ApiError && error.body && error.body.errors) {
          showErrors(form, error.body.errors);
          result.replaceChildren(h('p', { class: 'bad' }, error.body.detail || 'The request was refused.'));
        } else if (error instanceof ApiError && error.status === 409) {
          result.replaceChildren(h('p', { class: 'bad' }, error.message, ' ', error.body && error.body.sessionId ? h('a', { href: `#/session/${encodeURIComponent(error.body.sessionId)}` }, 'Open it') : null));
        } else {
          failed(error);
        }
      }
    });
    load().catch(failed);
    return null;
  }

  function field(o) {
    const id = `opt-${o.name}`;
    const error = h('p', { class: 'error', id: `${id}-error`, 'data-error-for': o.name, hidden: true });
    const help = h('p', { class: 'help', id: `${id}-help` }, o.help, o.allowed ? ` Allowed: ${o.allowed}.` : '');
    const described = `${id}-help ${id}-error`;
    if (o.kind === 'boolean') {
      return h('div', { class: 'field switch' },
        h('input', { type: 'checkbox', id, name: o.name, checked: !!o.default, 'aria-describedby': described }),
        h('label', { for: id }, o.name), h('span', { class: 'flag' }, o.flag), help, error);
    }
    const control = o.kind === 'textList'
      ? h('textarea', { id, name: o.name, rows: 2, 'aria-describedby': described, placeholder: 'one per line' }, (o.default || []).join('\n'))
      : h('input', {
        type: 'text', id, name: o.name, 'aria-describedby': described, spellcheck: 'false',
        inputmode: o.kind === 'integer' ? 'numeric' : o.kind === 'number' ? 'decimal' : null,
        value: o.default === null || o.default === undefined ? '' : String(o.default),
        placeholder: o.optional ? 'none' : null,
      });
    return h('div', { class: 'field' }, h('label', { for: id }, o.name, ' ', h('span', { class: 'flag' }, o.flag)), control, help, error);
  }

  /** The request body: only the fields that differ from the defaults; the API checks every value. */
  function readForm(form, declarations) {
    const body = {};
    for (const o of declarations) {
      const control = form.elements.namedItem(o.name);
      if (!control) continue;
      if (o.kind === 'boolean') {
        if (control.checked !== !!o.default) body[o.name] = control.checked;
      } else if (o.kind === 'textList') {
        const items = control.value.split('\n').map((s) => s.trim()).filter((s) => s.length);
        if (JSON.stringify(items) !== JSON.stringify(o.default || [])) body[o.name] = items;
      } else {
        const text = control.value.trim();
        const given = o.default === null || o.default === undefined ? '' : String(o.default);
        if (text === given || text === '') continue;
        body[o.name] = (o.kind === 'integer' || o.kind === 'number') && text !== '' && isFinite(Number(text)) ? Number(text) : text;
      }
    }
    return { body, invalid: false };
  }

  function clearErrors(form) {
    for (const p of form.querySelectorAll('[data-error-for]')) { p.hidden = true; p.textContent = ''; }
    for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  }

  function showErrors(form, errors) {
    let first = null;
    for (const [name, messages] of Object.entries(errors)) {
      const p = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      const control = form.elements.namedItem(name);
      if (!p) continue;
      p.textContent = [].concat(messages).join(' ');
      p.hidden = false;
      if (control) { control.setAttribute('aria-invalid', 'true'); first = first || control; }
    }
    if (first) first.focus();
  }

  function showPreview(section, preview) {
    const picks = preview.picks || [];
    fill(section, [
      h('h2', {}, 'Preview'),
      preview.stop ? h('p', { class: 'warn' }, `Stop: ${preview.stop}`) : null,
      h('h3', {}, `${picks.length} phases would be drained`),
      h('ol', { id: 'preview-picks', class: 'mono' }, picks.map((p) => h('li', {}, typeof p === 'string' ? p : [p.runId ?? p.run_id, p.phaseId ?? p.phase_id].filter(Boolean).join('/') || JSON.stringify(p)))),
      h('div', { class: 'lines panel' }, h('pre', {}, (preview.lines || []).join('\n')))]);
  }

  // ------------------------------------------------------------------ the ledger

  function ledgerView() {
    const content = h('div', { id: 'ledger' });
    view.replaceChildren(h('h2', {}, 'Ledger'), h('p', { class: 'muted' }, 'What drains of this database remember across sessions. Forgetting a run lets the next drain try it again.'), content);
    return async () => {
      const { body } = await api('/ledger');
      patch(content, JSON.stringify(body.stoppedRuns) + JSON.stringify(body.stoppedFingerprints) + JSON.stringify(body.timeouts) + JSON.stringify(body.phases), () => ledgerContent(body));
    };
  }

  function sessionLink(id) {
    return id ? h('a', { href: `#/session/${encodeURIComponent(id)}`, class: 'mono' }, id) : '–';
  }

  function forgetButton(run) {
    return h('button', { type: 'button', class: 'quiet', 'data-forget': run, onclick: () => forget(run) }, 'Forget');
  }

  function ledgerContent(ledger) {
    const stoppedRuns = ledger.stoppedRuns || [];
    const fingerprints = ledger.stoppedFingerprints || [];
    const timeouts = ledger.timeouts || [];
    const phases = ledger.phases || [];
    return [
      h('p', { class: 'muted' }, `Window: the last ${ledger.windowHours} hours. Skipped now: ${(ledger.runsSkipped || []).join(', ') || 'none'}.`),
      h('h3', {}, 'Stopped runs'),
      table([['Run'], ['Fingerprint'], ['When', 'hide-narrow'], ['Session'], ['']], stoppedRuns.map((s) => h('tr', { 'data-stopped-run': s.runId },
        h('td', { class: 'mono' }, s.runId), h('td', { class: 'mono' }, s.fingerprint || '–'), h('td', { class: 'hide-narrow' }, when(s.at)), h('td', {}, sessionLink(s.sessionId)), h('td', {}, forgetButton(s.runId)))), 'No stopped runs.'),
      h('h3', {}, 'Stopped fingerprints'),
      table([['Fingerprint'], ['Run'], ['When', 'hide-narrow'], ['Session']], fingerprints.map((s) => h('tr', {},
        h('td', { class: 'mono' }, s.fingerprint || '–'), h('td', { class: 'mono' }, s.runId || '–'), h('td', { class: 'hide-narrow' }, when(s.at)), h('td', {}, sessionLink(s.sessionId)))), 'No stopped fingerprints.'),
      h('h3', {}, 'Timeouts by run'),
      table([['Run'], ['Timeouts', 'num'], ['Last', 'hide-narrow'], ['Session'], ['']], timeouts.map((t) => h('tr', {},
        h('td', { class: 'mono' }, t.runId), h('td', { class: 'num' }, t.count), h('td', { class: 'hide-narrow' }, when(t.lastAt)), h('td', {}, sessionLink(t.sessionId)), h('td', {}, forgetButton(t.runId)))), 'No timeouts.'),
      h('h3', {}, 'Attempts by phase'),
      table([['Phase'], ['Attempts', 'num'], ['Last fingerprint', 'hide-narrow'], ['Session']], phases.map((p) => h('tr', {},
        h('td', { class: 'mono' }, p.phase), h('td', { class: 'num' }, p.count), h('td', { class: 'mono hide-narrow' }, p.lastFingerprint || '–'), h('td', {}, sessionLink(p.sessionId)))), 'No attempts recorded.'),
    ];
  }

  async function forget(run) {
    if (!window.confirm(`Forget everything the ledger has about ${run}? The next drain may try it again.`)) return;
    try {
      const { body } = await api(`/ledger/runs/${encodeURIComponent(run)}`, { method: 'DELETE' });
      statusLine.className = 'status-line muted';
      say(`Forgot ${body.removed} entries about ${run}.`);
    } catch (error) {
      failed(error);
    }
    poll();
  }

  // ------------------------------------------------------------------ agents and their slots

  function agentsView() {
    const content = h('div', { id: 'agents' });
    view.replaceChildren(h('h2', {}, 'Agents'), h('p', { class: 'muted' }, 'The drain agents heard from lately (executor kind agent), their slots and the phases they run.'), content);
    return async () => {
      const { body } = await api('/agents');
      const agents = body.agents || [];
      patch(content, JSON.stringify(agents) + Math.floor(Date.now() / 5000), () => agentsContent(agents, body.heartbeatTimeoutSeconds || 0));
    };
  }

  function agentsContent(agents, timeout) {
    const used = agents.reduce((n, a) => n + (a.running || []).length, 0);
    const slots = agents.reduce((n, a) => n + (a.slots || 0), 0);
    return [
      h('div', { class: 'cards' }, card('Agents', agents.length), card('Slots in use', `${used}/${slots}`, '', 'agents-slots')),
      table([['Agent'], ['Machine', 'hide-narrow'], ['Slots'], ['Last heard'], ['State'], ['Running']], agents.map((a) => {
        const silent = secondsBetween(a.lastSeen);
        const running = a.running || [];
        const state = a.stopping ? ['warn', 'stopping'] : timeout && silent > timeout ? ['bad', 'silent'] : running.length ? ['ok', 'busy'] : ['muted', 'idle'];
        return h('tr', { 'data-agent': a.name },
          h('td', { class: 'mono' }, a.name),
          h('td', { class: 'hide-narrow' }, a.machine || '–'),
          h('td', {}, h('div', {}, h('div', { class: 'mono' }, `${running.length}/${a.slots}`), bar(a.slots ? running.length / a.slots : 0, `${running.length} of ${a.slots} slots in use`))),
          h('td', {}, `${duration(silent)} ago`),
          h('td', {}, h('span', { class: state[0] }, state[1])),
          h('td', {}, running.length
            ? h('ul', { class: 'plain' }, running.map((r) => h('li', {}, r.runId && r.phaseId ? logLink(r.sessionId, r.runId, r.phaseId) : h('span', { class: 'mono' }, r.attemptId), ' ', h('span', { class: 'muted' }, r.startedAt ? duration(secondsBetween(r.startedAt)) : ''))))
            : '–'));
      }), 'No agent has been heard from lately.'),
    ];
  }

  // ------------------------------------------------------------------ routing and polling

  function route(event) {
    const moved = !!event;
    statusLine.className = 'status-line';
    say('');
    const hash = location.hash || '#/sessions';
    const [path, query] = hash.slice(1).split('?');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const params = new URLSearchParams(query || '');
    const section = parts[0] || 'sessions';
    for (const link of document.querySelectorAll('[data-nav]')) {
      if (link.dataset.nav === section) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
    }
    if (section === 'session' && parts[1]) {
      const pick = parts[2] === 'log' && parts.length >= 5 ? { run: parts[3], phase: parts[4] } : null;
      if (refresh && refresh.sessionId === parts[1]) {
        // The same session: only the log changes, the rest stays as it is.
        if (pick) refresh.selectLog(pick.run, pick.phase).catch(failed);
        return;
      }
      refresh = sessionView(parts[1], pick);
    } else if (section === 'start') {
      refresh = startView();
    } else if (section === 'ledger') {
      refresh = ledgerView();
    } else if (section === 'agents') {
      refresh = agentsView();
    } else {
      refresh = sessionsView(params);
    }
    document.title = `Drains: ${section}`;
    // A new view takes the focus, so that keyboard and screen reader users start at its top.
    if (moved) view.focus({ preventScroll: true });
    poll();
  }

  async function poll() {
    if (!refresh || refreshing || needsKey || document.hidden) return;
    refreshing = true;
    const current = refresh;
    try {
      await current();
      if (statusLine.className === 'status-line') say('');
    } catch (error) {
      failed(error);
    } finally {
      refreshing = false;
    }
  }

  window.addEventListener('hashchange', route);
  document.addEventListener('visibilitychange', () => {
    document.getElementById('poll-state').textContent = document.hidden ? 'Paused while this tab is hidden' : 'Live: every 2 s while this tab is visible';
    if (!document.hidden) poll();
  });
  setInterval(poll, POLL_MS);
  route();
})();
