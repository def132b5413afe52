/**
 * A run as one self-contained HTML page a teacher hands out or projects (`tlslab run --report
 * report.html`): no file beside it and nothing fetched, the screenshots inside it as data URLs.
 */
import { escapeUTF8 as esc } from 'entities';
import type { Report } from '../report.ts';
import { capitalise } from '../schema.ts';
import { outcomeGrid, readBySubscriber, verdict } from './facts.ts';

const STYLE = `
body { font: 16px/1.45 system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { margin-top: 2rem; border-bottom: 2px solid #ddd; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
.exposed { background: #fde2e1; font-weight: 600; } .refused { background: #e3f4e1; } .blocked { background: #fff1d6; } .untouched { background: #eef; } .skipped { color: #666; font-style: italic; }
.read { font-family: ui-monospace, monospace; word-break: break-all; } .note { color: #555; }
figure { display: inline-block; vertical-align: top; margin: .5rem 1rem .5rem 0; } figure img { max-width: 30rem; border: 1px solid #999; }
@media print { h2 { break-after: avoid; } figure img { max-width: 45%; } }
`;

const outcomeClass = (text: string) => /^(exposed|refused|blocked|untouched|skipped)/.exec(text)?.[1] ?? '';

/** `images`: each screenshot path the report names → its PNG bytes. */
export function handoutHtml(report: Report, images: ReadonlyMap<string, Buffer>): string {
  const out: string[] = [];
  out.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(report.title)}</title><style>${STYLE}</style></head><body>`);
  out.push(`<h1>${esc(report.title)}</h1>`);
  out.push(
    `<p class="note">Scenario ${esc(report.scenario)}, run ${esc(report.startedAt.slice(0, 16).replace('T', ' '))} UTC on the ${esc(report.runtime)} runtime in ${(report.durationMs / 1000).toFixed(0)} s: ${esc(verdict(report))}.</p>`,
  );
  out.push(`<p><strong>The ISP box:</strong> ${esc(report.interceptor.explain)}.</p>`);
  out.push(
    `<p><strong>${esc(capitalise(report.stateCa.operator))}'s CA:</strong> ${esc(report.stateCa.root.subjectCommonName ?? report.stateCa.profile)}. ${esc(report.stateCa.note)}</p>`,
  );

  out.push(`<h2>What ${esc(report.stateCa.operator)} read</h2>`);
  const read = readBySubscriber(report);
  if (read.length === 0) out.push('<p>Nothing: every subscriber was refused or passed through untouched.</p>');
  for (const r of read) {
    out.push(`<h3>${esc(r.client)}</h3><table><tr><th>what</th><th>site</th><th>read by the ISP</th></tr>`);
    for (const x of r.items) out.push(`<tr><td>${esc(x.kind)}</td><td>${esc(x.site)}</td><td class="read">${esc(x.value)}</td></tr>`);
    out.push('</table>');
    if (r.total > r.items.length) out.push(`<p class="note">and ${r.total - r.items.length} more (the JSON report and the HAR hold every item).</p>`);
  }

  out.push('<h2>Every subscriber at every site</h2>');
  const grid = outcomeGrid(report);
  out.push(`<table><tr><th>subscriber</th>${grid.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`);
  for (const row of grid.rows) {
    const cells = grid.columns.map((c) => {
      const text = row.cells.get(c) ?? '';
      return `<td class="${outcomeClass(text)}">${esc(text)}</td>`;
    });
    out.push(`<tr><th>${esc(row.client)}</th>${cells.join('')}</tr>`);
  }
  out.push('</table>');

  out.push('<h2>Step by step</h2>');
  for (const [i, step] of report.steps.entries()) {
    out.push(`<h3>${i + 1}. ${esc(step.title)}</h3>`);
    if (step.narrative) out.push(`<p>${esc(step.narrative)}</p>`);
    out.push('<table><tr><th>subscriber</th><th>outcome</th><th>what the person saw</th></tr>');
    for (const c of step.clients) {
      const outcome = c.skipped ? 'skipped' : `${c.outcome}${c.cause ? ` (${c.cause})` : ''}`;
      out.push(`<tr><th>${esc(c.client)}</th><td class="${outcomeClass(outcome)}">${esc(outcome)}</td><td>${esc(c.summary)}</td></tr>`);
    }
    out.push('</table>');
    for (const c of step.clients) {
      for (const file of c.screenshots) {
        const png = images.get(file);
        if (!png) continue;
        out.push(
          `<figure><img alt="${esc(`${c.client}, ${step.title}`)}" src="data:image/png;base64,${png.toString('base64')}"><figcaption>${esc(c.client)}</figcaption></figure>`,
        );
      }
    }
  }

  if (report.forged.length) {
    out.push('<h2>The forged certificates</h2>');
    for (const f of report.forged) {
      out.push(`<h3>${esc(f.sni)}: issued by ${esc(f.issuer)}, the real one by ${esc(f.realIssuer)}</h3>`);
      out.push('<table><tr><th>field</th><th>the real certificate</th><th>the forgery</th></tr>');
      for (const d of f.diff)
        out.push(`<tr${d.same ? '' : ' class="exposed"'}><td>${esc(d.field)}</td><td>${esc(d.original)}</td><td>${esc(d.forged)}</td></tr>`);
      out.push('</table>');
    }
  }

  out.push('<h2>What the scenario expects</h2><ul>');
  for (const x of report.expectations) out.push(`<li>${x.met ? '✔' : '✘'} ${esc(x.actual)}</li>`);
  out.push('</ul></body></html>');
  return out.join('\n') + '\n';
}
