import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiteDefinition } from '../../src/sites/site.ts';
import { checkCredentials, type LabAccount } from './accounts.ts';
import { html, page } from './html.ts';
import { asyncHandler, HttpError, notFound, readJson, route, sendHtml, sendJson } from './http.ts';
import { SessionStore } from './sessions.ts';

/**
 * mail.example: a webmail single-page app over a JSON API with a bearer token. It
 * shows that interception exposes API traffic and tokens, not just pages and cookies.
 */

interface MailSummary {
  id: string;
  from: string;
  subject: string;
  preview: string;
  date: string;
}

const INBOXES: Record<string, MailSummary[]> = {
  alice: [
    {
      id: 'm-1042',
      from: 'Qazaq Bank <no-reply@bank.example>',
      subject: 'Your one-time code: 482913',
      preview: 'Do not share this code with anyone. It confirms a transfer of 25 000 ₸ to Bob Serikbayev.',
      date: '2019-07-14T09:12:00+06:00',
    },
    {
      id: 'm-1039',
      from: 'Bob Serikbayev <bob@mail.example>',
      subject: 'Saturday: observer training',
      preview: 'Dauren says we meet at 10:00 at the library on Dostyk. Bring your ID card, they register us as independent observers.',
      date: '2019-07-13T21:47:00+06:00',
    },
    {
      id: 'm-1031',
      from: 'Astana Digital HR <hr@astana-digital.example>',
      subject: 'Payslip for July 2019',
      preview: 'Dear Alice, your payslip for July is attached. Net salary: 420 000 ₸. Password for the PDF: your date of birth.',
      date: '2019-07-12T11:05:00+06:00',
    },
  ],
  bob: [
    {
      id: 'm-2210',
      from: 'Alice Zhaksylykova <alice@mail.example>',
      subject: 'Re: the certificate page',
      preview: 'Do not install it! That certificate lets them read everything you send. Use the VPN I set up for you.',
      date: '2019-07-18T08:30:00+06:00',
    },
    {
      id: 'm-2204',
      from: 'Qazaq Bank <no-reply@bank.example>',
      subject: 'Transfer received: 25 000 ₸',
      preview: 'Alice Zhaksylykova sent you 25 000,00 ₸ to account KZ62 998K ZT20 1901 1862.',
      date: '2019-07-14T09:13:00+06:00',
    },
    {
      id: 'm-2198',
      from: 'Air Astana <booking@airastana.example>',
      subject: 'Your e-ticket ALA – NQZ, 20 July',
      preview: 'Booking reference K7QX2M. Passenger: SERIKBAYEV/BOB. Passport number on file ends in 4471.',
      date: '2019-07-13T16:20:00+06:00',
    },
  ],
};

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

function shellPage() {
  return page({
    title: 'Mail · mail.example',
    css: CSS,
    header: html`<header>mail<span>secure webmail</span></header>`,
    main: html`<div class="card" style="max-width:420px;margin:40px auto">
<h1>Sign in to mail</h1>
<form id="login">
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="error" id="error" role="alert"></div>
<button class="primary" type="submit">Sign in</button>
</form></div>
<div class="card" id="inbox"><h2>Inbox</h2><div id="messages"></div></div>`,
    footer: 'mail.example is a simulated webmail service in tls-interception-lab.',
    script: SHELL_SCRIPT,
  });
}

/** RFC 6750 section 3: a bearer-protected resource answers 401 with WWW-Authenticate. */
function unauthorized(res: ServerResponse, error: string): void {
  sendJson(res, 401, { error }, { 'WWW-Authenticate': 'Bearer realm="mail.example"' });
}

function credentialsFrom(body: unknown): { username: string; password: string } | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { username, password } = body as Record<string, unknown>;
  return typeof username === 'string' && typeof password === 'string' ? { username, password } : undefined;
}

/** A fresh mail service with its own tokens. */
export function mailSite(): SiteDefinition {
  const tokens = new SessionStore<LabAccount>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { method, url } = route(req);
    const key = `${method} ${url.pathname}`;
    if (key === 'GET /') return sendHtml(res, 200, shellPage());
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
      const user = checkCredentials(credentials.username, credentials.password);
      if (!user) return unauthorized(res, 'Incorrect username or password');
      return sendJson(res, 200, { token: tokens.create(user) }, { 'Cache-Control': 'no-store' });
    }
    if (key === 'GET /api/inbox') {
      const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const user = tokens.lookup(match?.[1]);
      if (!user) return unauthorized(res, 'A valid bearer token is required');
      return sendJson(res, 200, INBOXES[user.username] ?? [], { 'Cache-Control': 'no-store' });
    }
    notFound(res);
  }

  return {
    name: 'mail.example',
    title: 'mail.example: webmail over a JSON API with a bearer token',
    hsts: true,
    https: true,
    handle: asyncHandler(handle),
  };
}
