import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import type { LabSite } from '../../src/scenario/sites.ts';
import type { SiteDefinition } from '../../src/sites/site.ts';
import { checkCredentials, type LabAccount } from './accounts.ts';
import { html, page, type SafeHtml } from './html.ts';
import { asyncHandler, notFound, parseCookies, readForm, redirect, route, sendHtml } from './http.ts';
import { SessionStore } from './sessions.ts';

/**
 * The social kind (social.example): a feed and a WebSocket chat. The 2019 interception targeted social
 * networks first (Facebook, VK, Twitter...); the chat shows that an intercepted TLS
 * connection exposes WebSocket frames as readily as HTTP requests.
 */

const SID_COOKIE = 'sid';
/** Longest chat message kept; longer ones are cut, as chat services do. */
const MAX_CHAT_TEXT = 2000;

interface Visitor {
  /** Set after a login; a visitor without one chats as "guest". */
  user?: LabAccount;
}

const POSTS = [
  {
    author: 'Aigerim Bekova',
    handle: 'aigerim',
    time: '2 h',
    text: 'First snow on Shymbulak this morning. The cable car queue was already 40 minutes long at 9am.',
    likes: 128,
  },
  {
    author: 'Bob Serikbayev',
    handle: 'bob',
    time: '5 h',
    text: 'Is anyone else getting a "security certificate" page from their provider when opening this site? My phone asks me to install something.',
    likes: 342,
  },
  {
    author: 'Dauren Omarov',
    handle: 'dauren',
    time: 'Yesterday',
    text: 'Volunteers needed for the polling-station observer training on Saturday, 10:00, at the library on Dostyk. Message me for details.',
    likes: 57,
  },
  {
    author: 'Alice Zhaksylykova',
    handle: 'alice',
    time: '2 d',
    text: 'Recipe of the week: my grandmother\u2019s baursak. Secret is warm milk and a lot of patience.',
    likes: 96,
  },
];

const CSS = `
header{background:#2563eb;color:#fff;padding:12px 24px;display:flex;align-items:center;gap:20px}
header .brand{font-size:22px;font-weight:800}
header nav a{color:#fff;text-decoration:none;margin-right:14px;font-weight:600}
header .who{margin-left:auto;font-size:14px}
.post .author{font-weight:700}
.post .meta{color:#66707d;font-size:13px}
.post .likes{color:#66707d;font-size:14px;margin-top:8px}
button.primary{background:#2563eb}
#log{height:320px;overflow-y:auto;border:1px solid #e5e8ec;border-radius:6px;padding:10px;background:#fafbfc}
#log .msg{margin:4px 0}
#log .from{font-weight:700;margin-right:6px}
#log .at{color:#8a93a0;font-size:12px;margin-left:6px}
#say{display:flex;gap:8px}
#say button{margin-top:8px}
`;

function layout(site: LabSite, title: string, visitor: Visitor, main: SafeHtml, script?: string): SafeHtml {
  return page({
    title: `${title} · ${site.host}`,
    lang: site.branding.language,
    css: CSS,
    header: html`<header>
      <div class="brand">${site.branding.name}</div>
      <nav><a href="/">Feed</a><a href="/chat">Chat</a></nav>
      <div class="who">${visitor.user ? `Signed in as @${visitor.user.username}` : 'Browsing as guest'}</div>
    </header>`,
    main,
    footer: `${site.host} is a simulated social network in tls-interception-lab.`,
    script,
  });
}

function signInCard(error?: string): SafeHtml {
  return html`<div class="card">
    <h2>Sign in</h2>
    ${error ? html`<div class="error" role="alert">${error}</div>` : ''}
    <form method="post" action="/login">
      <label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required />
      <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required />
      <button class="primary" type="submit">Sign in</button>
    </form>
  </div>`;
}

function feedPage(site: LabSite, visitor: Visitor, error?: string): SafeHtml {
  const posts = POSTS.map(
    (p) =>
      html`<article class="card post">
        <div class="author">${p.author} <span class="meta">@${p.handle} · ${p.time}</span></div>
        <p>${p.text}</p>
        <div class="likes">♥ ${p.likes}</div>
      </article>`,
  );
  return layout(site, 'Feed', visitor, html`${visitor.user ? '' : signInCard(error)}${posts}`);
}

/** Runs in the browser: connects to the chat on the page's own origin. */
const CHAT_SCRIPT = `
const log = document.getElementById('log');
const form = document.getElementById('say');
const input = document.getElementById('text');
const status = document.getElementById('status');
const ws = new WebSocket('wss://' + location.host + '/chat');
function show(m) {
  const line = document.createElement('div'); line.className = 'msg';
  const from = document.createElement('span'); from.className = 'from'; from.textContent = m.from;
  const text = document.createElement('span'); text.textContent = m.text;
  const at = document.createElement('span'); at.className = 'at'; at.textContent = (m.at || '').slice(11, 16);
  line.append(from, text, at); log.append(line); log.scrollTop = log.scrollHeight;
}
ws.onopen = () => { status.textContent = 'Connected'; };
ws.onclose = () => { status.textContent = 'Disconnected'; };
ws.onmessage = (e) => { try { show(JSON.parse(e.data)); } catch { /* not a chat message */ } };
form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (input.value && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify({ text: input.value })); input.value = ''; }
});
`;

function chatPage(site: LabSite, visitor: Visitor): SafeHtml {
  return layout(
    site,
    'Chat',
    visitor,
    html`<div class="card">
      <h1>Chat</h1>
      <p class="muted" id="status">Connecting…</p>
      <div id="log" aria-live="polite"></div>
      <form id="say"><input type="text" id="text" placeholder="Write a message" autocomplete="off" /><button class="primary" type="submit">Send</button></form>
    </div>`,
    CHAT_SCRIPT,
  );
}

/** A client message is JSON `{"text": "..."}` or plain text; anything else is ignored. */
function chatText(data: RawData): string | undefined {
  const raw = (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
  let text: unknown = raw;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === 'object') text = (parsed as { text?: unknown }).text;
  } catch {
    // Not JSON: plain text.
  }
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  return text.slice(0, MAX_CHAT_TEXT);
}

/** A fresh social network with its own sessions and chat room. */
export function socialSite(site: LabSite): SiteDefinition {
  const visitors = new SessionStore<Visitor>();
  const sidOf = (req: IncomingMessage) => parseCookies(req.headers.cookie).get(SID_COOKIE);
  const sidCookie = (sid: string) => `${SID_COOKIE}=${sid}; Path=/; HttpOnly; Secure; SameSite=Lax`;

  /** The visitor behind the request, creating one (and its cookie) on a first visit. */
  function visitorOf(req: IncomingMessage, res: ServerResponse): Visitor {
    const sid = sidOf(req);
    const known = visitors.lookup(sid);
    if (known) return known;
    const visitor: Visitor = {};
    res.setHeader('Set-Cookie', sidCookie(visitors.create(visitor)));
    return visitor;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { method, url } = route(req);
    const key = `${method} ${url.pathname}`;
    if (key === 'GET /') return sendHtml(res, 200, feedPage(site, visitorOf(req, res)));
    if (key === 'GET /chat') return sendHtml(res, 200, chatPage(site, visitorOf(req, res)));
    if (key === 'POST /login') {
      const form = await readForm(req);
      const user = checkCredentials(site.accounts, form.get('username') ?? '', form.get('password') ?? '');
      if (!user) return sendHtml(res, 401, feedPage(site, visitorOf(req, res), 'Incorrect username or password.'));
      // A new sid on login, so a sid handed out before login cannot be fixed onto the account.
      visitors.end(sidOf(req));
      return redirect(res, '/', { 'Set-Cookie': sidCookie(visitors.create({ user })) });
    }
    notFound(res);
  }

  function chat(wss: WebSocketServer): void {
    wss.shouldHandle = (req) => route(req).url.pathname === '/chat';
    const broadcast = (message: object) => {
      const frame = JSON.stringify(message);
      for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(frame);
    };
    wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
      const from = visitors.lookup(sidOf(req))?.user?.username ?? 'guest';
      ws.send(JSON.stringify({ from: site.host, text: 'Welcome to the chat', at: new Date().toISOString() }));
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? undefined : chatText(data);
        if (text !== undefined) broadcast({ from, text, at: new Date().toISOString() });
      });
    });
  }

  return {
    name: site.host,
    title: `${site.host}: a feed, a session cookie and a WebSocket chat`,
    hsts: site.hsts,
    https: true,
    handle: asyncHandler(handle),
    websocket: chat,
  };
}
