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
      el('div', { class: 'name' }, h.name),
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
  const ispCol = el('div', { class: 'isp-col' });
  const clients = el('div', { class: 'clients-grid' });
  root.append(ispCol, clients);
  for (const info of state.terminals) {
    const host = el('div', { class: 'xterm-host' });
    const heading = el('h3', { title: info.title }, info.title);
    const box = el('div', { class: `term ${info.role}`, 'data-terminal': info.id, 'data-host': info.host }, heading, host);
    if (info.shell) {
      const button = el('button', { class: 'shell-button', 'data-shell': info.host, title: `an interactive shell in ${info.host}'s container` }, 'Shell');
      button.addEventListener('click', () => openShell(info, box, button));
      heading.append(button);
    }
    (info.role === 'client' ? clients : ispCol).append(box);
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
  $('step-counter').textContent = step ? `Step ${w.position + 1} of ${steps.length}` : `${steps.length} steps`;
  $('step-title').textContent = step ? step.title : state.scenario.title;
  $('step-narrative').textContent = step
    ? (step.narrative ?? '')
    : `${state.scenario.summary ?? ''} Press Next to run the first step for every subscriber; the terminals below show what each host sees.`;
  $('step-explain').textContent = step ? `every subscriber will: ${step.explain}` : '';
  const results = $('step-results');
  results.replaceChildren();
  for (const r of (step && w.results[step.id]) ?? []) {
    results.append(el('span', { class: `chip ${r.outcome}`, title: r.summary, 'data-client': r.client }, `${r.client}: ${r.outcome.toUpperCase()}`));
  }
  if (w.running) results.append(el('span', { class: 'chip running' }, 'running…'));
  for (const box of document.querySelectorAll('[data-host]')) box.classList.toggle('acting', w.acting.includes(box.dataset.host));
  document.body.dataset.position = String(w.position);
  document.body.dataset.running = String(w.running);
  updateButtons();
}

function updateButtons() {
  const live = socket?.readyState === WebSocket.OPEN && state;
  const w = state?.walkthrough;
  $('next').disabled = !live || w.running || w.position >= state.steps.length - 1;
  $('back').disabled = !live || w.running || w.position < 0;
  $('run').disabled = !live || w.running || w.position < 0;
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
