import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabSite } from '../../src/scenario/sites.ts';
import type { SiteDefinition } from '../../src/sites/site.ts';
import { html, page, type SafeHtml } from './html.ts';
import { notFound, redirect, route, sendHtml } from './http.ts';

/**
 * search.example: queries travel in the URL, so an interceptor learns what people
 * look for. It deliberately sends no HSTS: a later scenario needs a targeted site
 * that a downgrade (sslstrip-style) attack can still reach over plain HTTP.
 */

const CSS = `
body{background:#fff}
header{padding:14px 24px;display:flex;align-items:center;gap:18px;border-bottom:1px solid #e5e8ec}
.logo{font-size:26px;font-weight:800;letter-spacing:-.5px;text-decoration:none}
.logo b{color:#16a34a}
.home{text-align:center;margin-top:90px}
.home .logo{font-size:56px}
form.box{display:flex;gap:8px;max-width:600px;margin:24px auto 0}
header form.box{margin:0;flex:1}
form.box button{margin:0;background:#16a34a}
.stats{color:#66707d;font-size:14px}
.result{margin:22px 0}
.result .url{color:#137333;font-size:14px}
.result a.title{display:block;font-size:20px;color:#1a0dab;text-decoration:none}
.result p{margin:4px 0;color:#4d5156}
`;

function searchBox(query = ''): SafeHtml {
  return html`<form class="box" action="/search" method="get" role="search">
    <input type="search" name="q" value="${query}" aria-label="Search" placeholder="Search the web" autofocus />
    <button type="submit">Search</button>
  </form>`;
}

/** The engine's name as its logo: a final dot in bold ("find." shows as find<b>.</b>). */
function logoOf(name: string): SafeHtml {
  return name.endsWith('.') ? html`<a class="logo" href="/">${name.slice(0, -1)}<b>.</b></a>` : html`<a class="logo" href="/">${name}</a>`;
}

function homePage(site: LabSite): SafeHtml {
  return page({
    title: `${site.branding.name} Search`,
    lang: site.branding.language,
    css: CSS,
    header: html``,
    main: html`<div class="home">${logoOf(site.branding.name)}${searchBox()}</div>`,
  });
}

/** Made-up but plausible results that link only to the lab's own news and social sites. */
function resultsFor(query: string, world: readonly LabSite[]): Array<{ title: string; url: string; snippet: string }> {
  const news = world.find((s) => s.kind === 'news');
  const social = world.find((s) => s.kind === 'social');
  return [
    ...(news
      ? [
          {
            title: `${query}: latest news and analysis`,
            url: `https://${news.host}/`,
            snippet: `Everything ${news.branding.name} published about ${query} today, with background and commentary from our correspondents.`,
          },
        ]
      : []),
    ...(social
      ? [
          {
            title: `What people are saying about ${query}`,
            url: `https://${social.host}/`,
            snippet: `Posts, photos and discussion about ${query} from people near you.`,
          },
        ]
      : []),
    ...(news
      ? [
          {
            title: `${query}: definition, history and facts`,
            url: `https://${news.host}/article/2`,
            snippet: `A short explainer: where ${query} comes from, why it matters and what happens next.`,
          },
        ]
      : []),
  ];
}

/** Stable, query-dependent "about N results", so the page looks alive but stays deterministic. */
function resultCount(query: string): string {
  let hash = 0;
  for (const ch of query) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return (10_000 + (hash % 9_000_000)).toLocaleString('en-US').replace(/,/g, '\u00a0');
}

function resultsPage(site: LabSite, world: readonly LabSite[], query: string): SafeHtml {
  const results = resultsFor(query, world).map(
    (r) =>
      html`<div class="result">
        <div class="url">${r.url}</div>
        <a class="title" href="${r.url}">${r.title}</a>
        <p>${r.snippet}</p>
      </div>`,
  );
  return page({
    title: `${query} - ${site.branding.name} Search`,
    lang: site.branding.language,
    css: CSS,
    header: html`<header>${logoOf(site.branding.name)}${searchBox(query)}</header>`,
    main: html`<p class="stats">About ${resultCount(query)} results for <strong id="query">${query}</strong></p>
      ${results}`,
  });
}

/** A search engine named as the scenario says; `world` is every host of the lab (the results link to some). */
export function searchSite(site: LabSite, world: readonly LabSite[]): SiteDefinition {
  function handle(req: IncomingMessage, res: ServerResponse): void {
    const { method, url } = route(req);
    if (method !== 'GET') return notFound(res);
    if (url.pathname === '/') return sendHtml(res, 200, homePage(site));
    if (url.pathname === '/search') {
      const query = (url.searchParams.get('q') ?? '').trim();
      if (!query) return redirect(res, '/');
      return sendHtml(res, 200, resultsPage(site, world, query));
    }
    notFound(res);
  }
  return {
    name: site.host,
    title: `${site.host}: a search engine whose queries sit in the URL${site.hsts ? '' : ' (no HSTS)'}`,
    hsts: site.hsts,
    https: true,
    handle,
  };
}
