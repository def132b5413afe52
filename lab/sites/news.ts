import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabSite } from '../../src/scenario/sites.ts';
import type { SiteDefinition } from '../../src/sites/site.ts';
import { html, page, type SafeHtml } from './html.ts';
import { notFound, route, sendHtml } from './http.ts';

/**
 * The news kind (news.example): a site the state does not target. Its traffic passes the interceptor
 * untouched, which shows that in 2019 interception was selective by server name.
 */

interface Article {
  headline: string;
  standfirst: string;
  date: string;
  body: string[];
}

const ARTICLES: Article[] = [
  {
    headline: 'Almaty metro extension: two new stations to open by December',
    standfirst: 'Saryarka and Bauyrzhan Momyshuly stations will add 2.5 km to the line, the city says.',
    date: '18 July 2019',
    body: [
      'The city administration confirmed on Thursday that tunnelling on the western extension is complete and that fitting-out of both stations has begun.',
      'Commuters from the Auezov district currently spend up to an hour on buses to reach the centre. The extension is expected to carry 40 000 passengers a day.',
      'Fares will stay at 80 tenge for card holders.',
    ],
  },
  {
    headline: 'Heatwave: temperatures above 40°C forecast for the south',
    standfirst: 'Kazhydromet warns of extreme heat in Turkestan and Kyzylorda regions until Sunday.',
    date: '17 July 2019',
    body: [
      'Forecasters expect daytime temperatures of 42–44°C in the Kyzylorda region and advise against outdoor work between noon and 4 pm.',
      'Hospitals in Shymkent report a rise in heat-related admissions, mostly among elderly residents.',
    ],
  },
  {
    headline: 'Wheat harvest expected to reach 13 million tonnes',
    standfirst: 'A late spring delayed sowing in the north, but the ministry remains optimistic.',
    date: '16 July 2019',
    body: [
      'The Ministry of Agriculture kept its harvest forecast unchanged despite dry weather in the Kostanay region in June.',
      'Exporters expect strong demand from Central Asian neighbours and from China.',
    ],
  },
  {
    headline: 'Chess: young Almaty player wins Asian junior title',
    standfirst: 'The 16-year-old finished a full point ahead of the field in Tashkent.',
    date: '15 July 2019',
    body: [
      'She won seven of her nine games, including a final-round victory with the black pieces.',
      'The title brings a place in the World Junior Championship in the autumn.',
    ],
  },
];

const CSS = `
body{background:#fbfaf7}
header{border-bottom:3px double #1d2430;text-align:center;padding:18px 24px 10px}
header .masthead{font:700 40px/1 Georgia,"Times New Roman",serif;text-decoration:none}
header .date{color:#66707d;font-size:13px;margin-top:6px}
article h1,.headline a{font-family:Georgia,"Times New Roman",serif}
.headline{padding:16px 0;border-bottom:1px solid #e5e1d8}
.headline a{font-size:24px;font-weight:700;text-decoration:none}
.standfirst{color:#4d5156;font-size:18px}
article p{font-size:18px;line-height:1.7}
`;

function layout(site: LabSite, title: string, main: SafeHtml): SafeHtml {
  const { name, tagline, language } = site.branding;
  return page({
    title: `${title} · ${name}`,
    lang: language,
    css: CSS,
    header: html`<header>
      <a class="masthead" href="/">${name}</a>
      <div class="date">${tagline}</div>
    </header>`,
    main,
    footer: `${site.host} is a simulated news site in tls-interception-lab.`,
  });
}

function headlinesPage(site: LabSite): SafeHtml {
  const items = ARTICLES.map(
    (a, i) =>
      html`<div class="headline">
        <a href="/article/${i + 1}">${a.headline}</a>
        <p class="standfirst">${a.standfirst}</p>
        <span class="muted">${a.date}</span>
      </div>`,
  );
  return layout(
    site,
    'Headlines',
    html`<h2>Latest</h2>
      ${items}`,
  );
}

function articlePage(site: LabSite, article: Article): SafeHtml {
  return layout(
    site,
    article.headline,
    html`<article>
        <h1>${article.headline}</h1>
        <p class="standfirst">${article.standfirst}</p>
        <p class="muted">${article.date}</p>
        ${article.body.map((p) => html`<p>${p}</p>`)}
      </article>
      <p><a href="/">← All headlines</a></p>`,
  );
}

function handlerFor(site: LabSite) {
  return function handle(req: IncomingMessage, res: ServerResponse): void {
    const { method, url } = route(req);
    if (method !== 'GET') return notFound(res);
    if (url.pathname === '/') return sendHtml(res, 200, headlinesPage(site));
    const match = /^\/article\/(\d+)$/.exec(url.pathname);
    const article = match ? ARTICLES[Number(match[1]) - 1] : undefined;
    if (article) return sendHtml(res, 200, articlePage(site, article));
    notFound(res);
  };
}

export function newsSite(site: LabSite): SiteDefinition {
  return {
    name: site.host,
    title: `${site.host}: ${site.branding.name}, a news site`,
    hsts: site.hsts,
    https: true,
    handle: handlerFor(site),
  };
}
