import type { IncomingMessage, ServerResponse } from 'node:http';
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
<input type="search" name="q" value="${query}" aria-label="Search" placeholder="Search the web" autofocus>
<button type="submit">Search</button></form>`;
}

const logo = html`<a class="logo" href="/">find<b>.</b></a>`;

function homePage(): SafeHtml {
  return page({
    title: 'find. Search',
    css: CSS,
    header: html``,
    main: html`<div class="home">${logo}${searchBox()}</div>`,
  });
}

/** Made-up but plausible results that link only to lab sites. */
function resultsFor(query: string): Array<{ title: string; url: string; snippet: string }> {
  return [
    {
      title: `${query}: latest news and analysis`,
      url: 'https://news.example/',
      snippet: `Everything published about ${query} today, with background and commentary from our correspondents in Almaty and Nur-Sultan.`,
    },
    {
      title: `What people are saying about ${query}`,
      url: 'https://social.example/',
      snippet: `Posts, photos and discussion about ${query} from people near you.`,
    },
    {
      title: `${query}: definition, history and facts`,
      url: 'https://news.example/article/2',
      snippet: `A short explainer: where ${query} comes from, why it matters and what happens next.`,
    },
  ];
}

/** Stable, query-dependent "about N results", so the page looks alive but stays deterministic. */
function resultCount(query: string): string {
  let hash = 0;
  for (const ch of query) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return (10_000 + (hash % 9_000_000)).toLocaleString('en-US').replace(/,/g, '\u00a0');
}

function resultsPage(query: string): SafeHtml {
  const results = resultsFor(query).map(
    (r) => html`<div class="result"><div class="url">${r.url}</div><a class="title" href="${r.url}">${r.title}</a><p>${r.snippet}</p></div>`,
  );
  return page({
    title: `${query} - find. Search`,
    css: CSS,
    header: html`<header>${logo}${searchBox(query)}</header>`,
    main: html`<p class="stats">About ${resultCount(query)} results for <strong id="query">${query}</strong></p>${results}`,
  });
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const { method, url } = route(req);
  if (method !== 'GET') return notFound(res);
  if (url.pathname === '/') return sendHtml(res, 200, homePage());
  if (url.pathname === '/search') {
    const query = (url.searchParams.get('q') ?? '').trim();
    if (!query) return redirect(res, '/');
    return sendHtml(res, 200, resultsPage(query));
  }
  notFound(res);
}

export function searchSite(): SiteDefinition {
  return {
    name: 'search.example',
    title: 'search.example: a search engine whose queries sit in the URL (no HSTS)',
    hsts: false,
    https: true,
    handle,
  };
}
