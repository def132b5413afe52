import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiteDefinition } from '../../src/sites/site.ts';
import type { Branding, LabSite, Transaction } from '../../src/scenario/sites.ts';
import { checkCredentials, type LabAccount } from './accounts.ts';
import { html, page, type SafeHtml } from './html.ts';
import { asyncHandler, notFound, parseCookies, readForm, redirect, route, sendHtml } from './http.ts';
import { SessionStore } from './sessions.ts';

/**
 * The bank kind (bank.example): the most valuable target. A password form over HTTPS and a
 * session cookie afterwards; with a forged certificate the interceptor reads both. Its name,
 * currency and each person's statement come from the scenario (src/scenario/sites.ts).
 */

const NBSP = '\u00a0';

/** Amounts as the bank's locale writes them, e.g. kk-KZ: "1 254 300,50 ₸" (Intl, so any currency). */
function moneyFormat(branding: Branding): (amount: number) => string {
  const format = new Intl.NumberFormat(branding.locale ?? branding.language, { style: 'currency', currency: branding.currency ?? 'KZT' });
  // A true minus sign, as bank statements print it.
  return (amount) => format.format(amount).replace('-', '−');
}

function formatAccountNumber(number: string): string {
  return /^[A-Z]{2}\d{2}[A-Z0-9]{8,}$/.test(number) ? number.replace(/(.{4})(?!$)/g, `$1${NBSP}`) : number;
}

interface Statement {
  accountNumber: string;
  balance: number;
  transactions: Transaction[];
}

/** What the scenario says of this person's account, or a plain one made up for them. */
function statementOf(user: LabAccount, index: number, everyone: readonly LabAccount[]): Statement {
  const other = everyone.find((a) => a.username !== user.username);
  return {
    accountNumber: user.accountNumber ?? `0000 0000 ${String(1001 + index).padStart(4, '0')}`,
    balance: user.balance ?? 1000,
    transactions: user.transactions ?? [
      { date: '2019-07-16', description: 'Salary', amount: 1500 },
      { date: '2019-07-15', description: 'Supermarket', amount: -84.2 },
      ...(other ? [{ date: '2019-07-14', description: `Transfer to ${other.displayName}`, amount: -100 }] : []),
      { date: '2019-07-12', description: 'Home internet, monthly plan', amount: -30 },
    ],
  };
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

/** The bank's pages, in its own name and currency. */
function bankPages(site: LabSite) {
  const { name, tagline, language } = site.branding;
  const money = moneyFormat(site.branding);

  function layout(title: string, main: SafeHtml, user?: LabAccount): SafeHtml {
    const nav = user
      ? html`<nav>
          ${user.displayName} ·
          <form method="post" action="/logout"><button type="submit">Log out</button></form>
        </nav>`
      : html`<nav>${tagline}</nav>`;
    return page({
      title: `${title} · ${name}`,
      lang: language,
      css: CSS,
      header: html`<header>
        <div class="logo">${[...name][0] ?? 'B'}</div>
        <div class="brand">${name}</div>
        ${nav}
      </header>`,
      main,
      footer: `${name} is a simulated bank in tls-interception-lab. Never enter real credentials here.`,
    });
  }

  function loginPage(error?: string, username = ''): SafeHtml {
    return layout(
      'Log in',
      html`<div class="card login">
        <h1>Online banking</h1>
        <p class="muted">Log in with your ${name} username and password.</p>
        ${error ? html`<div class="error" role="alert">${error}</div>` : ''}
        <form method="post" action="/login">
          <label for="username">Username</label>
          <input type="text" id="username" name="username" autocomplete="username" value="${username}" required />
          <label for="password">Password</label>
          <input type="password" id="password" name="password" autocomplete="current-password" required />
          <button class="primary" type="submit">Log in</button>
        </form>
      </div>`,
    );
  }

  function accountPage(user: LabAccount, account: Statement): SafeHtml {
    const rows = account.transactions.map(
      (t) =>
        html`<tr>
          <td>${t.date}</td>
          <td>${t.description}</td>
          <td class="amount${t.amount > 0 ? ' credit' : ''}">${money(t.amount)}</td>
        </tr>`,
    );
    return layout(
      'My account',
      html`<div class="card">
          <p class="muted">Current account of ${user.displayName}</p>
          <p>Account number: <strong id="iban">${formatAccountNumber(account.accountNumber)}</strong></p>
          <p class="muted">Available balance</p>
          <div class="balance" id="balance">${money(account.balance)}</div>
        </div>
        <div class="card">
          <h2>Recent transactions</h2>
          <table>
            <thead>
              <tr>
                <th>Date</th>
                <th>Description</th>
                <th class="amount">Amount</th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>
        </div>`,
      user,
    );
  }

  return { loginPage, accountPage };
}

const SESSION_COOKIE = 'session';

/** A fresh bank with its own sessions. */
export function bankSite(site: LabSite): SiteDefinition {
  const sessions = new SessionStore<LabAccount>();
  const currentUser = (req: IncomingMessage) => sessions.lookup(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
  const { loginPage, accountPage } = bankPages(site);
  const statements = new Map(site.accounts.map((a, i) => [a.username, statementOf(a, i, site.accounts)]));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { method, url } = route(req);
    const key = `${method} ${url.pathname}`;
    if (key === 'GET /') return redirect(res, '/login');
    if (key === 'GET /login') return sendHtml(res, 200, loginPage());
    if (key === 'POST /login') {
      const form = await readForm(req);
      const username = form.get('username') ?? '';
      const user = checkCredentials(site.accounts, username, form.get('password') ?? '');
      if (!user) return sendHtml(res, 401, loginPage('Incorrect username or password.', username));
      const token = sessions.create(user);
      return redirect(res, '/account', {
        'Set-Cookie': `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Lax`,
      });
    }
    if (key === 'GET /account') {
      const user = currentUser(req);
      const account = user && statements.get(user.username);
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
    name: site.host,
    title: `${site.branding.name}: online banking with a password login and a session cookie`,
    hsts: site.hsts,
    https: true,
    handle: asyncHandler(handle),
  };
}
