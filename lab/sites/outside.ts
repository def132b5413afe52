import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabSite } from '../../src/scenario/sites.ts';
import type { SiteDefinition } from '../../src/sites/site.ts';
import { html, page, type SafeHtml } from './html.ts';
import { asyncHandler, notFound, readForm, route, sendHtml } from './http.ts';

/**
 * www.outside.invalid: stands for a real site outside the lab's names (think
 * www.google.com). It exists to show what name constraints do.
 *
 * The lab's state root and intermediate carry name constraints by default: permitted
 * DNS subtrees `example` and `test` only (RFC 5280 section 4.2.1.10, see
 * architecture.md "Forging"). A certificate the box forges for this name is outside
 * the permitted subtrees, so a client that trusts the constrained root still refuses
 * it: installing such a root could only expose the lab's own names. An unconstrained
 * root, like the real 2019 "Security Certificate", vouches for any name, so a
 * subscriber who installed it handed over every site on the Internet.
 *
 * The name ends in `.invalid`, which RFC 2606 section 2 and RFC 6761 section 6.4
 * reserve so that it never resolves in the real DNS: even a lab misconfiguration
 * cannot send anything to a real site, while the name is still plainly "not ours".
 */

const CSS = `
header{background:#3c4043;color:#fff;padding:14px 24px;font-weight:700}
.login{max-width:380px;margin:40px auto}
button.primary{background:#1a73e8;width:100%}
`;

function layout(site: LabSite, title: string, main: SafeHtml): SafeHtml {
  return page({
    title: `${title} · ${site.branding.name}`,
    lang: site.branding.language,
    css: CSS,
    header: html`<header>${site.branding.name}</header>`,
    main,
    footer: `${site.host} stands for a real site beyond the lab; it is simulated in tls-interception-lab.`,
  });
}

function loginPage(site: LabSite, error?: string): SafeHtml {
  return layout(
    site,
    'Sign in',
    html`<div class="card login">
      <h1>Sign in</h1>
      ${error ? html`<div class="error" role="alert">${error}</div>` : ''}
      <form method="post" action="/login">
        <label for="username">Username</label>
        <input type="text" id="username" name="username" autocomplete="username" required />
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required />
        <button class="primary" type="submit">Sign in</button>
      </form>
    </div>`,
  );
}

export function outsideSite(site: LabSite): SiteDefinition {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { method, url } = route(req);
    const key = `${method} ${url.pathname}`;
    if (key === 'GET /') return sendHtml(res, 200, loginPage(site));
    if (key === 'POST /login') {
      const form = await readForm(req);
      const username = form.get('username') ?? '';
      // Any non-empty pair is accepted: the point is what an interceptor could read on the way.
      if (!username || !form.get('password')) return sendHtml(res, 400, loginPage(site, 'Enter a username and a password.'));
      return sendHtml(res, 200, layout(site, 'Welcome', html`<div class="card"><h1>Welcome, ${username}</h1></div>`));
    }
    notFound(res);
  }
  return {
    name: site.host,
    title: `${site.host}: a site beyond the lab, which a name-constrained state CA cannot vouch for`,
    hsts: site.hsts,
    https: true,
    handle: asyncHandler(handle),
  };
}
