import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabSite } from '../../src/scenario/sites.ts';
import type { SiteDefinition } from '../../src/sites/site.ts';
import { html, page } from './html.ts';
import { notFound, route, sendFile, sendHtml } from './http.ts';

/**
 * The install-page kind (qca.example): the state's "install the national security certificate" page, modelled
 * on qca.kz in July 2019, where Kazakh ISPs redirected plain-HTTP traffic. It is plain
 * HTTP only, as the original was, so the root it hands out cannot be checked by the
 * user against anything.
 */

export interface InstallPageOptions {
  /** The state root, PEM. */
  rootPem: string;
  /** The same root, DER. */
  rootDer: Buffer;
  /** File name without extension, e.g. 'qazca' (qca.kz offered qazca.cer). */
  fileStem: string;
  /** Who the page claims to speak for, e.g. 'Qaznet Trust Network'. */
  authorityName: string;
}

const CSS = `
header{background:#1e3a5f;color:#fff;padding:16px 24px}
header .authority{font-size:22px;font-weight:700}
header .sub{font-size:14px;opacity:.8}
.notice{border-left:5px solid #d4a017;background:#fff8e1;padding:14px 18px;border-radius:6px}
.tried{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.downloads a{display:inline-block;margin:8px 10px 0 0;padding:10px 18px;background:#1e3a5f;color:#fff;border-radius:6px;text-decoration:none;font-weight:600}
.local{color:#4d5156;font-style:italic}
ol li{margin:6px 0}
`;

function installPage(site: LabSite, opts: InstallPageOptions, triedToReach: string | null) {
  const stem = opts.fileStem;
  return page({
    title: `${opts.authorityName}: national security certificate`,
    lang: site.branding.language,
    css: CSS,
    header: html`<header>
      <div class="authority">${opts.authorityName}</div>
      <div class="sub">${site.branding.tagline}</div>
    </header>`,
    main: html`<div class="card">
        <h1>Install the national security certificate</h1>
        ${triedToReach ? html`<p class="notice">You tried to reach <span class="tried" id="tried">${triedToReach}</span>. Access to this resource requires the national security certificate.</p>` : ''}
        <p>
          Access to some Internet resources requires the national security certificate to be installed on your device. Without it, some sites may not open or
          may show security warnings.
        </p>
        <p class="local" lang="ru">Для доступа к некоторым ресурсам сети Интернет необходимо установить сертификат безопасности.</p>
        <p class="local" lang="kk">Кейбір Интернет ресурстарына қол жеткізу үшін қауіпсіздік сертификатын орнату қажет.</p>
        <div class="downloads">
          <a href="/${stem}.cer" download>Download ${stem}.cer</a>
          <a href="/${stem}.pem" download>Download ${stem}.pem</a>
          <a href="/${stem}.der" download>Download ${stem}.der</a>
        </div>
      </div>
      <div class="card">
        <h2>How to install</h2>
        <ol>
          <li>
            <strong>Windows:</strong> open ${stem}.cer, choose "Install Certificate", then "Place all certificates in the following store" and select "Trusted
            Root Certification Authorities".
          </li>
          <li><strong>macOS:</strong> open ${stem}.cer in Keychain Access, then set "When using this certificate" to "Always Trust".</li>
          <li><strong>Android:</strong> Settings, Security, Install from storage, select ${stem}.cer.</li>
          <li>
            <strong>iPhone and iPad:</strong> open ${stem}.cer in Safari, install the profile, then enable full trust in Settings, General, About, Certificate
            Trust Settings.
          </li>
          <li>
            <strong>Firefox:</strong> Settings, Privacy &amp; Security, View Certificates, Authorities, Import, and tick "Trust this CA to identify websites".
          </li>
        </ol>
      </div>`,
    footer: 'This page is part of tls-interception-lab and reproduces the 2019 install page for study. The certificate offered here is a lab key.',
  });
}

function assertFileStem(stem: string): void {
  // The stem becomes a URL path and a Content-Disposition file name: keep it plain.
  if (!/^[A-Za-z0-9._-]+$/.test(stem)) {
    throw new RangeError(`installPageSite: fileStem must be letters, digits, ".", "_" or "-", got "${stem}"`);
  }
}

export function installPageSite(site: LabSite, opts: InstallPageOptions): SiteDefinition {
  assertFileStem(opts.fileStem);
  // RFC 2585 section 4.1 registers application/pkix-cert for DER certificates;
  // .der gets the older type Windows and Android still recognise for CA certificates.
  const downloads = new Map<string, { type: string; body: Buffer | string }>([
    [`/${opts.fileStem}.cer`, { type: 'application/pkix-cert', body: opts.rootDer }],
    [`/${opts.fileStem}.pem`, { type: 'application/x-pem-file', body: opts.rootPem }],
    [`/${opts.fileStem}.der`, { type: 'application/x-x509-ca-cert', body: opts.rootDer }],
  ]);

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const { method, url } = route(req);
    if (method !== 'GET') return notFound(res);
    if (url.pathname === '/') return sendHtml(res, 200, installPage(site, opts, url.searchParams.get('from')), { 'Cache-Control': 'no-store' });
    const file = downloads.get(url.pathname);
    if (file) return sendFile(res, file.type, url.pathname.slice(1), file.body);
    notFound(res);
  }

  return {
    name: site.host,
    title: `${site.host}: ${opts.authorityName}'s page asking users to install the state root`,
    hsts: false,
    https: false,
    handle,
  };
}
