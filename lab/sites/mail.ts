import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabSite } from '../../src/scenario/sites.ts';
import type { SiteDefinition } from '../../src/sites/site.ts';
import { checkCredentials, type LabAccount } from './accounts.ts';
import { html, page } from './html.ts';
import { asyncHandler, HttpError, notFound, readJson, route, sendHtml, sendJson } from './http.ts';
import { SessionStore } from './sessions.ts';

/**
 * The mail kind (mail.example): a webmail single-page app over a JSON API with a bearer token. It
 * shows that interception exposes API traffic and tokens, not just pages and cookies.
 */

interface MailSummary {
  id: string;
  from: string;
  subject: string;
  preview: string;
  date: string;
}

const CSS = `
header{background:#c2410c;color:#fff;padding:12px 24px;font-size:22px;font-weight:800}
header span{font-weight:400;font-size:15px;margin-left:10px;opacity:.85}
button.primary{background:#c2410c}
#inbox{display:none}
#error:empty{display:none}
.mail{padding:12px 4px;border-bottom:1px solid #e5e8ec}
.mail .from{font-weight:700}
.mail .subject{font-weight:600}
.mail .preview{color:#66707d}
`;

/** Runs in the browser: logs in through the JSON API, then lists the inbox. */
const SHELL_SCRIPT = `
const loginForm = document.getElementById('login');
const error = document.getElementById('error');
const inbox = document.getElementById('inbox');
const list = document.getElementById('messages');
loginForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  error.textContent = '';
  const body = JSON.stringify({ username: loginForm.username.value, password: loginForm.password.value });
  const login = await fetch('/api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  if (!login.ok) { error.textContent = 'Incorrect username or password.'; return; }
  const { token } = await login.json();
  const messages = await (await fetch('/api/inbox', { headers: { Authorization: 'Bearer ' + token } })).json();
  for (const m of messages) {
    const row = document.createElement('div'); row.className = 'mail';
    for (const [cls, text] of [['from', m.from], ['subject', m.subject], ['preview', m.preview]]) {
      const part = document.createElement('div'); part.className = cls; part.textContent = text; row.append(part);
    }
    list.append(row);
  }
  loginForm.parentElement.style.display = 'none';
  inbox.style.display = 'block';
});
`;

/** Each account's inbox as the API returns it; someone the scenario gave no mail gets a welcome. */
function inboxOf(site: LabSite, user: LabAccount): MailSummary[] {
  const mail = user.inbox ?? [
    {
      from: `${site.branding.name} <welcome@${site.host}>`,
      subject: `Welcome, ${user.displayName}`,
      preview: `Your mailbox ${user.username}@${site.host} is ready.`,
      date: '2019-07-01T09:00:00Z',
    },
  ];
  return mail.map((m, i) => ({ id: `m-${user.username}-${i + 1}`, ...m }));
}

function shellPage(site: LabSite) {
  return page({
    title: `Mail · ${site.host}`,
    lang: site.branding.language,
    css: CSS,
    header: html`<header>${site.branding.name}<span>${site.branding.tagline}</span></header>`,
    main: html`<div class="card" style="max-width:420px;margin:40px auto">
        <h1>Sign in to mail</h1>
        <form id="login">
          <label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required />
          <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required />
          <div class="error" id="error" role="alert"></div>
          <button class="primary" type="submit">Sign in</button>
        </form>
      </div>
      <div class="card" id="inbox">
        <h2>Inbox</h2>
        <div id="messages"></div>
      </div>`,
    footer: `${site.host} is a simulated webmail service in tls-interception-lab.`,
    script: SHELL_SCRIPT,
  });
}

/** RFC 6750 section 3: a bearer-protected resource answers 401 with WWW-Authenticate. */
function unauthorized(res: ServerResponse, realm: string, error: string): void {
  sendJson(res, 401, { error }, { 'WWW-Authenticate': `Bearer realm="${realm}"` });
}

function credentialsFrom(body: unknown): { username: string; password: string } | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { username, password } = body as Record<string, unknown>;
  return typeof username === 'string' && typeof password === 'string' ? { username, password } : undefined;
}

/** A fresh mail service with its own tokens. */
export function mailSite(site: LabSite): SiteDefinition {
  const tokens = new SessionStore<LabAccount>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { method, url } = route(req);
    const key = `${method} ${url.pathname}`;
    if (key === 'GET /') return sendHtml(res, 200, shellPage(site));
    if (key === 'POST /api/login') {
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (err) {
        if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message });
        throw err;
      }
      const credentials = credentialsFrom(body);
      if (!credentials) return sendJson(res, 400, { error: 'Expected {"username": "...", "password": "..."}' });
      const user = checkCredentials(site.accounts, credentials.username, credentials.password);
      if (!user) return unauthorized(res, site.host, 'Incorrect username or password');
      return sendJson(res, 200, { token: tokens.create(user) }, { 'Cache-Control': 'no-store' });
    }
    if (key === 'GET /api/inbox') {
      const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const user = tokens.lookup(match?.[1]);
      if (!user) return unauthorized(res, site.host, 'A valid bearer token is required');
      return sendJson(res, 200, inboxOf(site, user), { 'Cache-Control': 'no-store' });
    }
    notFound(res);
  }

  return {
    name: site.host,
    title: `${site.host}: webmail over a JSON API with a bearer token`,
    hsts: site.hsts,
    https: true,
    handle: asyncHandler(handle),
  };
}
