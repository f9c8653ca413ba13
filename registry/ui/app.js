// The registry's dashboard. It only reads: get_service_specs for the header,
// list_services for the services matching the filter (the registry
// evaluates the glob), and watch_services in a loop for the instances, so
// changes show as they happen. Plain JSON-RPC to this server's /api.
'use strict';

(() => {
  const API = new URL('../api', location.href).toString();
  const TOKEN_KEY = 'gemstone-registry.token';
  const MAX_ROWS = 500;          // instances drawn at most; the rest are counted
  const MAX_SERVICES = 1000;     // services listed at most; the rest are counted
  const MAX_WATCH_SECONDS = 15;  // the header and countdowns refresh at least this often
  const MARK_NEW_MS = 5000;      // how long a new instance stays marked
  const GONE_MS = 2500;          // how long a removed instance stays, greyed, before it goes
  const RETRY_MS = [500, 1000, 2000, 3000];
  const ACCESS_DENIED = -32001;

  const $ = (id) => document.getElementById(id);

  class Cancelled extends Error {}
  class Unreachable extends Error {}
  class AccessDenied extends Error {
    constructor(tokenSent) {
      super('Access denied');
      this.tokenSent = tokenSent;
    }
  }
  class RpcError extends Error {
    constructor(error) {
      super(error.message || 'error');
      this.code = error.code;
      this.data = error.data;
    }
  }

  const state = {
    filter: '*',      // the glob in the box
    service: null,    // a service picked from the list, or null: every match of the filter
    index: 0,         // the watch index to pass next
    generation: 0,    // bumped by every change of filter or selection
    abort: null,      // cancels the request in flight when the filter changes
    changed: null,    // resolves the wait for a new filter
    rows: new Map(),  // "name host port" -> row
    specs: null,
    specsAt: 0,
  };

  // ---- JSON-RPC ----

  let nextId = 1;

  async function rpc(method, params, { signal, timeoutMs = 10000 } = {}) {
    const headers = { 'Content-Type': 'application/json' };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = 'Bearer ' + token;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const cancel = () => controller.abort();
    if (signal) signal.addEventListener('abort', cancel);
    let status = 0;
    let body = null;
    try {
      const response = await fetch(API, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', method, params, id: nextId++ }),
        signal: controller.signal,
        cache: 'no-store',
        credentials: 'omit',
      });
      status = response.status;
      body = await response.json().catch(() => null);
    } catch (e) {
      if (signal && signal.aborted) throw new Cancelled();
      throw new Unreachable(controller.signal.aborted ? 'no answer in time' : 'connection failed');
    } finally {
      clearTimeout(timer);
      if (signal) signal.removeEventListener('abort', cancel);
    }
    if (!body || typeof body !== 'object') throw new Unreachable('HTTP ' + status);
    if (body.error) {
      if (body.error.code === ACCESS_DENIED) throw new AccessDenied(Boolean(token));
      throw new RpcError(body.error);
    }
    return body.result;
  }

  // ---- formatting ----

  function seconds(s) {
    if (s < 10) return s.toFixed(1) + ' s';
    if (s < 60) return Math.floor(s) + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.floor(s % 60) + ' s';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    return Math.floor(s / 86400) + ' d ' + Math.floor((s % 86400) / 3600) + ' h';
  }

  function element(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function keyOf(instance) {
    return instance.name + ' ' + instance.host + ' ' + instance.port;
  }

  function compareRows(a, b) {
    const x = a.instance;
    const y = b.instance;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.host !== y.host) return x.host < y.host ? -1 : 1;
    return x.port - y.port;
  }

  // ---- the header ----

  function showSpecs(specs) {
    state.specs = specs;
    state.specsAt = performance.now();
    $('version').textContent = specs.version || '';
    const host = String(specs.host || '');
    $('address').textContent = (host.includes(':') ? '[' + host + ']' : host) + ':' + specs.port;
    $('ttl').textContent = seconds(Number(specs.ttl));
    $('backend').textContent = specs.backend || 'memory';
    $('instance-count').textContent = specs.instances !== undefined ? String(specs.instances) : '–';
    $('service-count').textContent = specs.services !== undefined ? String(specs.services) : '–';
    tickUptime();
  }

  function tickUptime() {
    const specs = state.specs;
    if (!specs || specs.uptime_seconds === undefined) return;
    const up = specs.uptime_seconds + (performance.now() - state.specsAt) / 1000;
    $('uptime').textContent = seconds(up);
  }

  // ---- the services ----

  function showServices(services) {
    const list = $('services');
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.service : undefined;
    list.replaceChildren();
    for (const service of services.slice(0, MAX_SERVICES)) {
      const button = element('button', 'service');
      button.type = 'button';
      button.dataset.service = service.name;
      button.setAttribute('aria-pressed', String(service.name === state.service));
      button.append(element('span', 'name', service.name),
        element('span', 'count', String(service.instances)));
      button.title = service.instances + (service.instances === 1 ? ' instance' : ' instances');
      const item = element('li');
      item.append(button);
      list.append(item);
      if (service.name === focused) button.focus();
    }
    if (services.length > MAX_SERVICES) {
      list.append(element('li', 'more', 'and ' + (services.length - MAX_SERVICES) +
        ' more: narrow the filter'));
    }
    $('no-services').hidden = services.length > 0;
  }

  function select(service) {
    state.service = service;
    $('selected').textContent = service === null ? state.filter : service;
    $('show-all').hidden = service === null;
    for (const button of $('services').querySelectorAll('button')) {
      button.setAttribute('aria-pressed', String(button.dataset.service === service));
    }
    saveLocation();
    restart();
  }

  // ---- the instances ----

  function metaCell(meta) {
    const cell = element('td', 'meta');
    const pairs = element('div', 'pairs');
    const keys = Object.keys(meta || {}).sort();
    if (keys.length === 0) pairs.append(element('span', 'none', '—'));
    for (const key of keys) {
      const pair = element('span', 'pair');
      pair.append(element('span', 'k', key), element('span', 'eq', '='), element('span', 'v', meta[key]));
      pairs.append(pair);
    }
    cell.append(pairs);
    return cell;
  }

  function fillRow(row) {
    const i = row.instance;
    const cells = [
      element('td', 'name', i.name),
      element('td', 'host', i.host),
      element('td', 'port', String(i.port)),
      element('td', 'url', i.url),
      metaCell(i.meta),
      element('td', 'expires'),
    ];
    const labels = ['Name', 'Host', 'Port', 'URL', 'Metadata', 'Expires in'];
    cells.forEach((cell, n) => { cell.dataset.label = labels[n]; });
    row.tr.replaceChildren(...cells);
    row.expires = cells[5];
    tickRow(row, performance.now());
  }

  function tickRow(row, now) {
    if (row.gone) return;
    const left = (row.deadline - now) / 1000;
    if (left <= 0) {
      row.tr.classList.add('expiring');
      row.expires.textContent = 'expiring';
    } else {
      row.tr.classList.remove('expiring');
      row.expires.textContent = seconds(left);
    }
  }

  // Draws the answer of a watch: new rows marked, rows that went greyed and
  // then removed, the others updated in place.
  function showInstances(answer, fresh) {
    const now = performance.now();
    const wanted = answer.instances.filter((i) => state.service === null || i.name === state.service);
    const reasons = new Map();
    for (const change of answer.changes || []) {
      if (change.event === 'removed' && change.reason) reasons.set(keyOf(change), change.reason);
    }
    const seen = new Set();
    for (const instance of wanted.slice(0, MAX_ROWS)) {
      const key = keyOf(instance);
      seen.add(key);
      let row = state.rows.get(key);
      const deadline = now + instance.expires_in * 1000;
      if (!row || row.gone) {
        if (row) row.tr.remove();
        row = { tr: element('tr'), instance, deadline, gone: false };
        row.tr.dataset.key = key;
        state.rows.set(key, row);
        fillRow(row);
        if (!fresh) {
          row.tr.classList.add('added');
          row.tr.setAttribute('aria-label', 'new: ' + key);
          setTimeout(() => {
            row.tr.classList.remove('added');
            row.tr.removeAttribute('aria-label');
          }, MARK_NEW_MS);
        }
      } else {
        const changed = JSON.stringify([row.instance.url, row.instance.meta]) !==
          JSON.stringify([instance.url, instance.meta]);
        row.instance = instance;
        row.deadline = deadline;
        if (changed) fillRow(row); else tickRow(row, now);
      }
    }
    for (const [key, row] of state.rows) {
      if (seen.has(key) || row.gone) continue;
      row.gone = true;
      row.tr.classList.remove('added', 'expiring');
      row.tr.classList.add('gone');
      const reason = reasons.get(key) || (row.deadline - now < 1000 ? 'expired' : 'removed');
      row.expires.textContent = reason;
      setTimeout(() => {
        if (state.rows.get(key) === row) {
          state.rows.delete(key);
          row.tr.remove();
          updateEmpty();
        }
      }, GONE_MS);
    }
    const body = $('instances').tBodies[0];
    const ordered = [...state.rows.values()].sort(compareRows);
    ordered.forEach((row, n) => {
      if (body.children[n] !== row.tr) body.insertBefore(row.tr, body.children[n] || null);
    });
    const truncated = $('truncated');
    truncated.hidden = wanted.length <= MAX_ROWS;
    truncated.textContent = 'Showing ' + MAX_ROWS + ' of ' + wanted.length +
      ' instances: narrow the filter to see the others.';
    updateEmpty();
  }

  function updateEmpty() {
    $('no-instances').hidden = state.rows.size > 0;
  }

  function clearInstances() {
    state.rows.clear();
    $('instances').tBodies[0].replaceChildren();
    updateEmpty();
  }

  // Seconds the next watch may wait: no longer than the soonest countdown
  // shown, so that a renewal (which wakes no watch) is seen when it counts.
  function watchTimeout() {
    const now = performance.now();
    let soonest = MAX_WATCH_SECONDS;
    for (const row of state.rows.values()) {
      if (!row.gone) soonest = Math.min(soonest, (row.deadline - now) / 1000 + 0.3);
    }
    return Math.max(1, soonest);
  }

  // ---- connection state and the token ----

  function setState(text, kind) {
    const line = $('state');
    line.hidden = !text;
    line.textContent = text || '';
    line.className = 'state ' + (kind || '');
    document.body.classList.toggle('offline', kind === 'offline');
  }

  function askToken(tokenSent) {
    sessionStorage.removeItem(TOKEN_KEY);
    const form = $('token-form');
    const error = $('token-error');
    error.hidden = !tokenSent;
    error.textContent = tokenSent ? 'The registry refused that token: check it and try again.' : '';
    form.hidden = false;
    $('main').hidden = true;
    $('forget-token').hidden = true;
    setState('');
    $('live').textContent = 'Waiting for a token';
    const input = $('token');
    input.value = '';
    input.focus();
    return new Promise((resolve) => {
      form.onsubmit = (event) => {
        event.preventDefault();
        const token = input.value.trim();
        if (!token) return;
        sessionStorage.setItem(TOKEN_KEY, token);
        form.onsubmit = null;
        form.hidden = true;
        $('main').hidden = false;
        $('forget-token').hidden = false;
        resolve();
      };
    });
  }

  // ---- the loop ----

  function sleep(ms, signal) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); });
    });
  }

  // A new filter or selection: a new view, drawn from the registry's answer.
  function restart() {
    state.generation++;
    state.index = 0;
    clearInstances();
    if (state.abort) state.abort.abort();
    if (state.changed) state.changed();
    state.changed = null;
  }

  async function run() {
    let failures = 0;
    let fresh = true;  // the first answer of a view marks nothing as new
    let drawn = state.generation;
    for (;;) {
      const generation = state.generation;
      if (generation !== drawn) fresh = true;
      drawn = generation;
      const controller = new AbortController();
      state.abort = controller;
      const signal = controller.signal;
      try {
        const timeout = watchTimeout();
        const answer = await rpc('watch_services',
          { pattern: state.filter, index: state.index, timeout },
          { signal, timeoutMs: (timeout + 10) * 1000 });
        const [services, specs] = await Promise.all([
          rpc('list_services', { pattern: state.filter }, { signal }),
          rpc('get_service_specs', {}, { signal }),
        ]);
        if (generation !== state.generation) continue;
        showSpecs(specs);
        showServices(services);
        showInstances(answer, fresh);
        fresh = false;
        state.index = answer.index;
        if (failures > 0) setState('');
        failures = 0;
        $('filter-error').hidden = true;
        $('live').textContent = 'Live: watching ' + state.filter;
        if (sessionStorage.getItem(TOKEN_KEY)) $('forget-token').hidden = false;
      } catch (e) {
        if (e instanceof Cancelled || generation !== state.generation) continue;
        if (e instanceof AccessDenied) {
          await askToken(e.tokenSent);
          state.index = 0;
          fresh = true;
          continue;
        }
        if (e instanceof RpcError) {
          // The registry refused the filter (too long): wait for another one.
          const error = $('filter-error');
          error.hidden = false;
          error.textContent = 'The registry refused this filter: ' + e.message;
          await new Promise((resolve) => { state.changed = resolve; });
          continue;
        }
        failures++;
        const wait = RETRY_MS[Math.min(failures - 1, RETRY_MS.length - 1)];
        setState('The registry at ' + API + ' cannot be reached (' + e.message +
          '). Trying again every few seconds; what is shown may be out of date.', 'offline');
        $('live').textContent = 'Offline';
        state.index = 0;  // after a restart, start from what the registry holds then
        await sleep(wait, signal);
      }
    }
  }

  // ---- the filter, the selection and the address bar ----

  function saveLocation() {
    const params = new URLSearchParams();
    if (state.filter !== '*') params.set('filter', state.filter);
    if (state.service !== null) params.set('service', state.service);
    const hash = params.toString();
    history.replaceState(null, '', hash ? '#' + hash : location.pathname);
  }

  function applyFilter(text) {
    const filter = text.trim() === '' ? '*' : text.trim();
    if (filter === state.filter) return;
    state.filter = filter;
    $('filter-error').hidden = true;
    select(null);
  }

  // The filter and the picked service from the address (a link, a reload).
  function readLocation() {
    const params = new URLSearchParams(location.hash.slice(1));
    state.filter = params.get('filter') || '*';
    state.service = params.get('service');
    $('filter').value = state.filter;
    $('selected').textContent = state.service === null ? state.filter : state.service;
    $('show-all').hidden = state.service === null;
  }

  function setUp() {
    readLocation();
    window.addEventListener('hashchange', () => {
      readLocation();
      restart();
    });

    let debounce = 0;
    const filter = $('filter');
    filter.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => applyFilter(filter.value), 300);
    });
    filter.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        clearTimeout(debounce);
        applyFilter(filter.value);
      }
    });
    $('services').addEventListener('click', (event) => {
      const button = event.target.closest('button[data-service]');
      if (!button) return;
      const name = button.dataset.service;
      select(state.service === name ? null : name);
    });
    // Up and down move between services, as in a list box.
    $('services').addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
      const buttons = [...$('services').querySelectorAll('button')];
      const at = buttons.indexOf(document.activeElement);
      if (at < 0) return;
      const next = buttons[at + (event.key === 'ArrowDown' ? 1 : -1)];
      if (next) next.focus();
      event.preventDefault();
    });
    $('show-all').addEventListener('click', () => select(null));
    $('forget-token').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      location.reload();
    });
    setInterval(() => {
      const now = performance.now();
      for (const row of state.rows.values()) tickRow(row, now);
      tickUptime();
    }, 200);
    run();
  }

  setUp();
})();
