/**
 * A run as a Markdown handout (`tlslab run --report report.md`), printable or pasted into a
 * course page. Screenshots are files beside it (`<name>-files/`), linked relatively.
 */
import type { Report } from '../report.ts';
import { capitalise } from '../schema.ts';
import { outcomeGrid, readBySubscriber, verdict } from './facts.ts';

/** A table cell: no pipe, no line break, no backtick to close a code span early. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const code = (s: string) => `\`${cell(s).replace(/`/g, "'")}\``;

/** `images`: each screenshot path the report names → the relative path it was copied to. */
export function handoutMarkdown(report: Report, images: ReadonlyMap<string, string>): string {
  const out: string[] = [];
  out.push(`# ${report.title}`, '');
  out.push(
    `Scenario ${report.scenario}, run ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC on the ${report.runtime} runtime in ${(report.durationMs / 1000).toFixed(0)} s: ${verdict(report)}.`,
    '',
  );
  out.push(`**The ISP box:** ${report.interceptor.explain}.`, '');
  out.push(`**${capitalise(report.stateCa.operator)}'s CA:** ${report.stateCa.root.subjectCommonName ?? report.stateCa.profile}. ${report.stateCa.note}`, '');

  out.push(`## What ${report.stateCa.operator} read`, '');
  const read = readBySubscriber(report);
  if (read.length === 0) out.push('Nothing: every subscriber was refused or passed through untouched.', '');
  for (const r of read) {
    out.push(`### ${r.client}`, '', '| what | site | read by the ISP |', '|---|---|---|');
    for (const x of r.items) out.push(`| ${x.kind} | ${x.site} | ${code(x.value)} |`);
    out.push('');
    if (r.total > r.items.length) out.push(`and ${r.total - r.items.length} more (the JSON report and the HAR hold every item).`, '');
  }

  out.push('## Every subscriber at every site', '');
  const grid = outcomeGrid(report);
  out.push(`| subscriber | ${grid.columns.map(cell).join(' | ')} |`, `|---|${grid.columns.map(() => '---').join('|')}|`);
  for (const row of grid.rows) out.push(`| **${cell(row.client)}** | ${grid.columns.map((c) => cell(row.cells.get(c) ?? '')).join(' | ')} |`);
  out.push('');

  out.push('## Step by step', '');
  for (const [i, step] of report.steps.entries()) {
    out.push(`### ${i + 1}. ${step.title}`, '');
    if (step.narrative) out.push(step.narrative.trim(), '');
    out.push('| subscriber | outcome | what the person saw |', '|---|---|---|');
    for (const c of step.clients) {
      const outcome = c.skipped ? 'skipped' : `${c.outcome}${c.cause ? ` (${c.cause})` : ''}`;
      out.push(`| ${cell(c.client)} | ${outcome} | ${cell(c.summary)} |`);
    }
    out.push('');
    for (const c of step.clients) {
      for (const file of c.screenshots) {
        const rel = images.get(file);
        if (rel) out.push(`![${c.client}, ${cell(step.title)}](${encodeURI(rel)})`, '');
      }
    }
  }

  if (report.forged.length) {
    out.push('## The forged certificates', '');
    for (const f of report.forged) {
      out.push(`### ${f.sni}: issued by ${f.issuer}, the real one by ${f.realIssuer}`, '', '| field | the real certificate | the forgery |', '|---|---|---|');
      for (const d of f.diff) out.push(`| ${d.same ? d.field : `**${d.field}**`} | ${cell(d.original)} | ${cell(d.forged)} |`);
      out.push('');
    }
  }

  out.push('## What the scenario expects', '');
  for (const x of report.expectations) out.push(`- ${x.met ? '✔' : '✘'} ${x.actual}`);
  return out.join('\n') + '\n';
}
