import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiteDefinition } from '../../src/sites/site.ts';
import { checkCredentials, type LabAccount } from './accounts.ts';
import { html, page, type SafeHtml } from './html.ts';
import { asyncHandler, notFound, parseCookies, readForm, redirect, route, sendHtml } from './http.ts';
import { SessionStore } from './sessions.ts';

/**
 * bank.example: the most valuable target. A password form over HTTPS and a session
 * cookie afterwards; with a forged certificate the interceptor reads both.
 */

interface Transaction {
  date: string;
  description: string;
  /** Tiyn (1/100 tenge), negative for debits: integers, so no rounding. */
  amountTiyn: number;
}

interface BankAccount {
  /** KZ IBAN: 20 characters, bank code 998 (unassigned), valid ISO 13616 check digits. */
  iban: string;
  balanceTiyn: number;
  transactions: Transaction[];
}

const ACCOUNTS: Record<string, BankAccount> = {
  alice: {
    iban: 'KZ93998KZT2019004417',
    balanceTiyn: 125_430_050,
    transactions: [
      { date: '2019-07-16', description: 'Salary, Astana Digital LLP', amountTiyn: 42_000_000 },
      { date: '2019-07-15', description: 'Supermarket, Almaty, Abay Ave', amountTiyn: -1_874_500 },
      { date: '2019-07-14', description: 'Transfer to Bob Serikbayev', amountTiyn: -2_500_000 },
      { date: '2019-07-12', description: 'Home internet, monthly plan', amountTiyn: -699_000 },
      { date: '2019-07-10', description: 'Almaty Metro card top-up', amountTiyn: -200_000 },
    ],
  },
  bob: {
    iban: 'KZ62998KZT2019011862',
    balanceTiyn: 8_742_000,
    transactions: [
      { date: '2019-07-14', description: 'Transfer from Alice Zhaksylykova', amountTiyn: 2_500_000 },
      { date: '2019-07-13', description: 'Air Astana, ALA–NQZ', amountTiyn: -3_150_000 },
      { date: '2019-07-11', description: 'Mobile top-up', amountTiyn: -150_000 },
      { date: '2019-07-09', description: 'Pharmacy, Nur-Sultan', amountTiyn: -412_500 },
    ],
  },
};

const NBSP = '\u00a0';

/** "1 254 300,50 ₸", the way Kazakh banks print tenge. */
export function formatKzt(tiyn: number): string {
  const sign = tiyn < 0 ? '−' : '';
  const abs = Math.abs(tiyn);
  const whole = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  const fraction = (abs % 100).toString().padStart(2, '0');
  return `${sign}${whole},${fraction}${NBSP}₸`;
}

function formatIban(iban: string): string {
  return iban.replace(/(.{4})(?!$)/g, `$1${NBSP}`);
}

const CSS = `
header{background:#00a3c4;color:#fff;padding:14px 24px;display:flex;align-items:center;gap:12px}
header .logo{width:34px;height:34px;border-radius:50%;background:#fec50c;color:#00576a;display:grid;place-items:center;font-weight:800}
header .brand{font-size:20px;font-weight:700;letter-spacing:.3px}
header nav{margin-left:auto;font-size:14px}
header form{display:inline}
header nav button{margin:0;padding:6px 12px;background:#00576a}
.login{max-width:420px;margin:40px auto}
button.primary{background:#00869f;width:100%}
.balance{font-size:34px;font-weight:700;color:#00576a}
.amount{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.credit{color:#137333}
`;

function layout(title: string, main: SafeHtml, user?: LabAccount): SafeHtml {
  const nav = user
    ? html`<nav>${user.displayName} · <form method="post" action="/logout"><button type="submit">Log out</button></form></nav>`
    : html`<nav>Support: 7111</nav>`;
  return page({
    title: `${title} · Qazaq Bank`,
    css: CSS,
    header: html`<header><div class="logo">Q</div><div class="brand">Qazaq Bank</div>${nav}</header>`,
    main,
    footer: 'Qazaq Bank is a simulated bank in tls-interception-lab. Never enter real credentials here.',
  });
}

function loginPage(error?: string, username = ''): SafeHtml {
  return layout(
    'Log in',
    html`<div class="card login">
<h1>Online banking</h1>
<p class="muted">Log in with your Qazaq Bank username and password.</p>
${error ? html`<div class="error" role="alert">${error}</div>` : ''}
<form method="post" action="/login">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" value="${username}" required>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button class="primary" type="submit">Log in</button>
</form>
</div>`,
  );
}

function accountPage(user: LabAccount, account: BankAccount): SafeHtml {
  const rows = account.transactions.map(
    (t) =>
      html`<tr><td>${t.date}</td><td>${t.description}</td><td class="amount${t.amountTiyn > 0 ? ' credit' : ''}">${formatKzt(t.amountTiyn)}</td></tr>`,
  );
  return layout(
    'My account',
    html`<div class="card">
<p class="muted">Current account of ${user.displayName}</p>
<p>Account number (IBAN): <strong id="iban">${formatIban(account.iban)}</strong></p>
<p class="muted">Available balance</p>
<div class="balance" id="balance">${formatKzt(account.balanceTiyn)}</div>
</div>
<div class="card">
<h2>Recent transactions</h2>
<table><thead><tr><th>Date</th><th>Description</th><th class="amount">Amount</th></tr></thead>
<tbody>${rows}</tbody></table>
</div>`,
    user,
  );
}

const SESSION_COOKIE = 'session';

/** A fresh bank with its own sessions. */
export function bankSite(): SiteDefinition {
  const sessions = new SessionStore<LabAccount>();
  const currentUser = (req: IncomingMessage) => sessions.lookup(parseCookies(req.headers.cookie).get(SESSION_COOKIE));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { method, url } = route(req);
    const key = `${method} ${url.pathname}`;
    if (key === 'GET /') return redirect(res, '/login');
    if (key === 'GET /login') return sendHtml(res, 200, loginPage());
    if (key === 'POST /login') {
      const form = await readForm(req);
      const username = form.get('username') ?? '';
      const user = checkCredentials(username, form.get('password') ?? '');
      if (!user) return sendHtml(res, 401, loginPage('Incorrect username or password.', username));
      const token = sessions.create(user);
      return redirect(res, '/account', {
        'Set-Cookie': `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Lax`,
      });
    }
    if (key === 'GET /account') {
      const user = currentUser(req);
      const account = user && ACCOUNTS[user.username];
      if (!user || !account) return redirect(res, '/login');
      return sendHtml(res, 200, accountPage(user, account), { 'Cache-Control': 'no-store' });
    }
    if (key === 'POST /logout') {
      sessions.end(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
      return redirect(res, '/login', {
        'Set-Cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
      });
    }
    notFound(res);
  }

  return {
    name: 'bank.example',
    title: 'Qazaq Bank: online banking with a password login and a session cookie',
    hsts: true,
    https: true,
    handle: asyncHandler(handle),
  };
}
