// The console page: renders the server's state and sends Next / Back / Run again.
// The server keeps all state (src/console/session.ts); this page only draws it, so any
// number of tabs show the same thing and a reload or a server restart loses nothing.
import { Terminal } from '/vendor/xterm.mjs';
import { FitAddon } from '/vendor/addon-fit.mjs';

const PROTOCOL_VERSION = 1;
const $ = (id) => document.getElementById(id);

/** @type {any} the last snapshot, kept current by the deltas */
let state = null;
let socket = null;
let retryMs = 500;
/** id → { term, fit, box } */
const terminals = new Map();
let shownDiff = null;

// For people debugging from DevTools, and for the browser test: read a terminal's text.
window.tlslab = {
  terminals,
  text(id) {
    const t = terminals.get(id);
    if (!t) return '';
    const buf = t.term.buffer.active;
    let out = '';
    for (let i = 0; i < buf.length; i++) {
      const line = buf.getLine(i);
      if (!line) continue;
      out += (line.isWrapped ? '' : i ? '\n' : '') + line.translateToString(true);
    }
    return out;
  },
  state: () => state,
};

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

/** A host name that may wrap only after its dots and hyphens, never inside a word (`bank.` / `example`). */
function breakable(name) {
  return name.split(/(?<=[.-])/).flatMap((part, i) => (i ? [document.createElement('wbr'), part] : [part]));
}

function connect() {
  setStatus('connecting', 'connecting…');
  socket = new WebSocket(`ws://${location.host}/ws`);
  socket.onopen = () => {
    retryMs = 500;
    send('hello');
  };
  socket.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.v !== PROTOCOL_VERSION) return showError(`the server speaks protocol v${m.v}; this page speaks v${PROTOCOL_VERSION}: reload the page`);
    onMessage(m);
  };
  socket.onclose = () => {
    setStatus('connecting', 'disconnected: reconnecting…');
    document.body.dataset.ready = 'false';
    updateButtons();
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 3000);
  };
}

function send(type) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ v: PROTOCOL_VERSION, type }));
}

function onMessage(m) {
  switch (m.type) {
    case 'snapshot':
      state = m.state;
      renderAll();
      setStatus('live', `live · ${state.scenario.runtime} runtime`);
      document.body.dataset.ready = 'true';
      break;
    case 'line': {
      state.lines[m.terminal]?.push(m.text);
      terminals.get(m.terminal)?.term.writeln(m.text);
      break;
    }
    case 'walkthrough':
      state.walkthrough = m.walkthrough;
      renderWalkthrough();
      break;
    case 'read':
      state.read = m.read;
      renderRead();
      break;
    case 'forged':
      state.forged = [...state.forged.filter((f) => f.sni !== m.forged.sni), m.forged];
      shownDiff = m.forged.sni;
      renderDiff();
      break;
    case 'error':
      showError(`${m.message} [${m.code}]`);
      break;
  }
}

function setStatus(kind, text) {
  const s = $('status');
  s.className = `status ${kind}`;
  s.textContent = text;
}

function showError(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => (t.hidden = true), 6000);
}

function renderAll() {
  const s = state.scenario;
  $('title').textContent = s.title;
  $('subtitle').textContent = [s.period, s.summary].filter(Boolean).join(' · ');
  document.title = `tlslab console · ${s.name}`;
  renderTopology();
  renderTerminals();
  renderWalkthrough();
  renderRead();
  renderDiff();
  renderMatrix();
}

function renderTopology() {
  const cols = { client: $('topo-clients'), isp: $('topo-isp'), site: $('topo-sites') };
  for (const c of Object.values(cols)) c.replaceChildren(c.firstElementChild);
  for (const h of state.hosts) {
    const box = el(
      'div',
      { class: `host ${h.role}`, 'data-host': h.name, title: h.description },
      el('div', { class: 'name' }, ...breakable(h.name)),
      el('div', { class: 'addr' }, h.address),
    );
    cols[h.role]?.append(box);
  }
  // Many subscribers (kz-2019 has scripted, curl, openssl and Chromium ones): two columns, so the terminals stay on screen.
  cols.client.classList.toggle('two', state.hosts.filter((h) => h.role === 'client').length > 4);
}

function renderTerminals() {
  for (const t of terminals.values()) t.term.dispose();
  terminals.clear();
  const root = $('terminals');
  root.replaceChildren();
  $('isp-slot').replaceChildren();
  for (const info of state.terminals) {
    const host = el('div', { class: 'xterm-host' });
    const heading = el('h3', { title: info.title }, info.title);
    const box = el('div', { class: `term ${info.role}`, 'data-terminal': info.id, 'data-host': info.host }, heading, host);
    // The ISP box's log stays on the stage; each subscriber's screenshots sit beside its terminal.
    if (info.role === 'client') box.append(el('div', { class: 'shots', 'data-shots': info.host }));
    if (info.shell) {
      const button = el('button', { class: 'shell-button', 'data-shell': info.host, title: `an interactive shell in ${info.host}'s container` }, 'Shell');
      button.addEventListener('click', () => openShell(info, box, button));
      heading.append(button);
    }
    (info.role === 'isp' ? $('isp-slot') : root).append(box);
    const term = new Terminal({
      fontSize: 15,
      fontFamily: '"DejaVu Sans Mono", "Liberation Mono", monospace',
      theme: { background: '#05080b', foreground: '#e8eef5' },
      convertEol: true,
      disableStdin: true,
      cursorStyle: 'underline',
      cursorInactiveStyle: 'none',
      scrollback: 2000,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    fit.fit();
    const lines = state.lines[info.id] ?? [];
    if (lines.length) term.write(lines.join('\r\n') + '\r\n');
    terminals.set(info.id, { term, fit, box });
  }
}

/**
 * An interactive shell as a client, where the runtime gives one: the terminal box switches to a
 * live bash over /shell; the button switches back to the readout and ends the shell.
 */
function openShell(info, box, button) {
  const t = terminals.get(info.id);
  if (t.shell) {
    t.shell.close();
    return;
  }
  const host = el('div', { class: 'xterm-host' });
  box.querySelector('.xterm-host').hidden = true;
  box.append(host);
  const term = new Terminal({
    fontSize: 15,
    fontFamily: '"DejaVu Sans Mono", "Liberation Mono", monospace',
    theme: { background: '#0b1410', foreground: '#e8f5ec' },
    scrollback: 2000,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(host);
  fit.fit();
  const url = `ws://${location.host}/shell?client=${encodeURIComponent(info.host)}&cols=${term.cols}&rows=${term.rows}`;
  const ws = new WebSocket(url);
  t.shell = ws;
  button.textContent = 'Readout';
  box.classList.add('shell-open');
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === 'output') term.write(m.data);
    if (m.type === 'exit') term.write(`\r\n[shell ended${m.message ? `: ${m.message}` : ''}]\r\n`);
  };
  ws.onclose = () => {
    t.shell = null;
    term.dispose();
    host.remove();
    box.querySelector('.xterm-host').hidden = false;
    box.classList.remove('shell-open');
    button.textContent = 'Shell';
  };
  term.onData((data) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ v: 1, type: 'input', data })));
  term.focus();
}

window.addEventListener('resize', () => {
  for (const t of terminals.values()) t.fit.fit();
});

function renderWalkthrough() {
  const w = state.walkthrough;
  const steps = state.steps;
  const step = steps[w.position];
  const atSummary = w.position >= steps.length;
  $('step-counter').textContent = step ? `Step ${w.position + 1} of ${steps.length}` : atSummary ? 'Summary' : `${steps.length} steps`;
  $('step-title').textContent = step ? step.title : atSummary ? 'What the state read, and what stopped it' : state.scenario.title;
  $('step-narrative').textContent = step
    ? (step.narrative ?? '')
    : atSummary
      ? ''
      : `${state.scenario.summary ?? ''} Press Next to run the first step for every subscriber; the terminals below show what each host sees.`;
  $('step-explain').textContent = step ? `every subscriber will: ${step.explain}` : '';
  $('summary').hidden = !atSummary;
  if (atSummary) renderSummary();
  renderCards();
  renderRead();
  for (const box of document.querySelectorAll('[data-host]')) box.classList.toggle('acting', w.acting.includes(box.dataset.host));
  document.body.dataset.position = String(w.position);
  document.body.dataset.running = String(w.running);
  updateButtons();
}

const OUTCOME_RANK = ['exposed', 'blocked', 'refused', 'untouched', 'skipped'];

/** One subscriber's results over every step run so far, worst first. */
function resultsOf(client) {
  return state.steps.flatMap((s, i) => (state.walkthrough.results[s.id] ?? []).filter((r) => r.client === client).map((r) => ({ ...r, step: i })));
}

/**
 * A card per subscriber: its trust and defences always, and the outcome of the step shown (at
 * the summary: the worst of every step), large, with Chromium's screenshots of it.
 */
function renderCards() {
  const w = state.walkthrough;
  const step = state.steps[w.position];
  const atSummary = w.position >= state.steps.length;
  const results = step ? (w.results[step.id] ?? []) : [];
  const cards = $('cards');
  cards.replaceChildren();
  for (const sub of state.subscribers) {
    let r = results.find((x) => x.client === sub.name);
    if (atSummary) r = resultsOf(sub.name).sort((a, b) => OUTCOME_RANK.indexOf(a.outcome) - OUTCOME_RANK.indexOf(b.outcome))[0];
    const pending = step && w.running && !r;
    const outcome = r ? r.outcome : pending ? 'waiting' : 'none';
    const label = r ? r.outcome.toUpperCase() : pending ? (w.acting.includes(sub.name) ? 'running…' : 'waiting') : '—';
    const detail = r ? (r.cause ? `${r.cause}: ${r.summary}` : r.summary) : (sub.description ?? '');
    const card = el(
      'div',
      {
        class: `card ${outcome}`,
        'data-client': sub.name,
        'data-host': sub.name,
        'data-outcome': outcome,
        title: [sub.description, r?.why].filter(Boolean).join('\n'),
      },
      el('div', { class: 'card-name' }, ...breakable(sub.name)),
      el('div', { class: 'card-outcome' }, el('span', { class: `outcome ${outcome}` }, label)),
      el(
        'div',
        { class: 'card-trust' },
        el('span', { class: `trust ${sub.trustsState ? 'state' : 'web'}` }, sub.trust),
        ...sub.defences.map((d) => el('span', { class: 'defence' }, d)),
        el('span', { class: 'program' }, sub.program),
      ),
      el('div', { class: 'card-detail' }, detail),
    );
    // What Chromium showed, small, on the outcome's line (it takes no room from the rest of the card).
    if (!atSummary && r?.screenshots.length)
      card.querySelector('.card-outcome').append(thumbnail(r.screenshots[r.screenshots.length - 1], `${sub.name}: what Chromium showed`));
    if (w.acting.includes(sub.name)) card.classList.add('acting');
    cards.append(card);
    renderShots(sub.name, atSummary ? [] : (r?.screenshots ?? []));
  }
}

function thumbnail(src, alt) {
  const img = el('img', { class: 'thumb', src, alt, loading: 'lazy' });
  img.onclick = (ev) => {
    ev.stopPropagation();
    $('shot-full').src = src;
    $('shot-full').alt = alt;
    $('shot-dialog').showModal();
  };
  img.onerror = () => img.remove(); // the lab has gone, and its screenshots with it
  return img;
}

/** The screenshots of the step shown, beside the subscriber's terminal. */
function renderShots(client, urls) {
  const strip = document.querySelector(`[data-shots="${CSS.escape(client)}"]`);
  if (!strip) return;
  strip.replaceChildren(...urls.map((u, i) => thumbnail(u, `${client}: screenshot ${i + 1} of this step`)));
  strip.closest('.term')?.classList.toggle('with-shots', urls.length > 0);
}

/** The closing summary: who the state read and what, and what stopped the box for the others. */
function renderSummary() {
  const table = el(
    'table',
    { class: 'summary' },
    el('tr', {}, el('th', {}, 'subscriber'), el('th', {}, 'the state read'), el('th', {}, 'what stopped the box')),
  );
  for (const sub of state.subscribers) {
    const results = resultsOf(sub.name);
    const read = state.read.find((x) => x.subscriber === sub.name);
    const kinds = read ? [...new Set(read.items.map((i) => i.kind))] : [];
    const readText = read ? `${kinds.join(', ') || 'URLs and pages'} (${read.total} items)` : 'nothing';
    const stops = [
      ...new Set(results.filter((r) => r.outcome === 'refused' || r.outcome === 'blocked').map((r) => (r.cause ? `${r.outcome}: ${r.cause}` : r.outcome))),
    ];
    const exposedSites = [...new Set(results.filter((r) => r.outcome === 'exposed').map((r) => state.steps[r.step].site))];
    const stopped =
      results.length === 0
        ? 'no step run'
        : stops.length
          ? stops.join('; ')
          : exposedSites.length
            ? `nothing: read at ${exposedSites.join(', ')}`
            : 'nothing to stop: the box passed it through';
    table.append(
      el(
        'tr',
        { 'data-summary': sub.name, class: read ? 'read' : 'safe' },
        el('th', {}, sub.name, el('div', { class: 'muted' }, sub.trust)),
        el('td', { class: read ? 'exposed' : 'muted' }, readText),
        el('td', { class: stops.length ? 'refused' : 'muted' }, stopped),
      ),
    );
  }
  $('summary').replaceChildren(table);
}

/** What the state read, pinned per subscriber: the newest items of this step stand out. */
function renderRead() {
  const body = $('read-body');
  const read = state.read ?? [];
  if (!read.some((r) => r.items.length || r.total)) {
    body.className = 'muted';
    body.textContent = 'Nothing yet: the box reads what crosses it in clear.';
    return;
  }
  body.className = '';
  body.replaceChildren();
  const current = state.walkthrough.position;
  // In the scenario's order of subscribers, so a block never jumps on the projector.
  const order = (name) => {
    const i = state.subscribers.findIndex((x) => x.name === name);
    return i < 0 ? state.subscribers.length : i;
  };
  const sorted = [...read].sort((a, b) => order(a.subscriber) - order(b.subscriber));
  for (const r of sorted.filter((x) => x.items.length)) {
    const block = el(
      'div',
      { class: 'read-subscriber', 'data-read': r.subscriber },
      el('h3', {}, r.subscriber, el('span', { class: 'muted' }, ` · ${r.total} things read`)),
    );
    for (const item of r.items) {
      block.append(
        el(
          'div',
          { class: `read-item ${item.kind}${item.step === current ? ' now' : ''}`, 'data-kind': item.kind },
          el('span', { class: 'kind' }, item.kind),
          el('span', { class: 'value' }, item.text),
          el('span', { class: 'site' }, item.site),
        ),
      );
    }
    body.append(block);
  }
  // Plain HTTP, and the names in every ClientHello: the box reads these of everyone.
  const rest = sorted.filter((x) => !x.items.length);
  if (rest.length) {
    body.append(
      el('div', { class: 'read-rest muted', 'data-read-rest': '' }, 'Addresses and pages only: ', rest.map((r) => `${r.subscriber} (${r.total})`).join(', ')),
    );
  }
  // Bring this step's first item into the panel's view, without moving the page.
  const now = body.querySelector('.read-item.now');
  if (now) $('state-read').scrollTop = Math.max(0, (now.closest('.read-subscriber') ?? now).offsetTop - 48);
}

function updateButtons() {
  const live = socket?.readyState === WebSocket.OPEN && state;
  const w = state?.walkthrough;
  $('next').disabled = !live || w.running || w.position >= state.steps.length;
  $('back').disabled = !live || w.running || w.position < 0;
  $('run').disabled = !live || w.running || w.position < 0 || w.position >= state.steps.length;
}

function renderDiff() {
  const tabs = $('diff-tabs');
  const body = $('diff-body');
  tabs.replaceChildren();
  if (!state.forged.length) return;
  if (!state.forged.some((f) => f.sni === shownDiff)) shownDiff = state.forged[state.forged.length - 1].sni;
  for (const f of state.forged) {
    const b = el('button', { type: 'button', class: f.sni === shownDiff ? 'on' : '' }, f.sni);
    b.onclick = () => {
      shownDiff = f.sni;
      renderDiff();
    };
    tabs.append(b);
  }
  const f = state.forged.find((x) => x.sni === shownDiff);
  const table = el(
    'table',
    {},
    el('tr', {}, el('th', {}, 'field'), el('th', {}, `original (by ${f.realIssuer})`), el('th', {}, `shown through the ISP box (by ${f.issuer})`)),
  );
  for (const r of f.diff) {
    table.append(
      el(
        'tr',
        {},
        el('th', {}, r.field),
        el('td', { class: 'same' }, r.original),
        el('td', { class: r.same ? 'same' : 'changed' }, r.same ? '(same)' : r.forged),
      ),
    );
  }
  body.className = '';
  body.replaceChildren(table);
}

function renderMatrix() {
  const body = $('matrix-body');
  const m = state.matrix;
  if (!m) {
    body.className = 'muted';
    body.textContent = 'No matrix loaded. Run `npx tlslab matrix --json matrix.json`, then start the console with `--matrix matrix.json`.';
    return;
  }
  body.className = '';
  body.replaceChildren(el('div', { class: 'muted' }, `${m.file}: ${m.passed ? 'every expectation met' : 'some expectations failed'}`));
  for (const t of m.tables) {
    body.append(el('div', { class: 'matrix-site' }, t.site));
    const table = el('table', {}, el('tr', {}, el('th', {}, 'client'), ...m.variants.map((v) => el('th', { title: v.title }, v.name))));
    for (const row of t.rows) table.append(el('tr', {}, el('th', {}, row.client), ...row.cells.map((c) => el('td', { class: c.outcome ?? '' }, c.text))));
    body.append(table);
  }
}

$('next').onclick = () => send('next');
$('back').onclick = () => send('back');
$('run').onclick = () => send('run');
updateButtons();
connect();
