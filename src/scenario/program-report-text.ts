/** `tlslab test`'s verdict as a person reads it: one block per site, then one line for CI. */
import { explainCause } from '../clients/refusal.ts';
import type { Style } from './narrate.ts';
import type { ProgramReport } from './program-test.ts';

const plain: Style = { bold: (s) => s, dim: (s) => s, outcome: (_o, s) => s, good: (s) => s, bad: (s) => s };

function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function programReportText(report: ProgramReport, style: Style = plain): string {
  const out: string[] = [];
  const pad = Math.max(...report.results.map((r) => r.site.length)) + 2;
  const indent = ' '.repeat(3 + pad + 10);
  out.push(
    style.bold(`${report.command.join(' ')}`) +
      style.dim(`  (scenario ${report.scenario}, ${report.runtime} runtime, trusting ${report.trusts.join(' and ')})`),
  );
  out.push('');
  for (const r of report.results) {
    const label = r.outcome.toUpperCase().padEnd(9);
    const exit = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
    const head = r.connections === 0 ? 'never connected to it' : r.outcome === 'exposed' ? 'accepted the forged certificate' : r.why;
    out.push(`   ${r.site.padEnd(pad)}${style.outcome(r.outcome, label)} ${clip(head, 70)} ${style.dim(`(${exit})`)}`);
    if (r.issuer) out.push(`${indent}${style.dim(`certificate issued by "${r.issuer}"`)}`);
    if (r.outcome === 'refused' && r.cause) out.push(`${indent}${style.dim(`${r.cause}: ${explainCause(r.cause)}`)}`);
    if (r.error && (r.outcome === 'refused' || r.outcome === 'blocked'))
      out.push(`${indent}${style.dim(`the program said: ${clip(r.error.replace(/^[A-Z_0-9]+: /, ''), 100)}`)}`);
    for (const c of r.captured.filter((x) => x.kind !== 'url').slice(0, 4)) out.push(`${indent}${style.bad(`the box read ${c.kind}: ${clip(c.value, 70)}`)}`);
    const urls = r.captured.filter((x) => x.kind === 'url').length;
    if (urls) out.push(`${indent}${style.bad(`the box read ${urls} request${urls === 1 ? '' : 's'} (every URL, header and body)`)}`);
  }
  out.push('');
  const exposed = report.results.filter((r) => r.outcome === 'exposed').map((r) => r.site);
  out.push(
    exposed.length
      ? style.bad(`READABLE: the box read this program on ${exposed.length} of ${report.results.length} sites (${exposed.join(', ')}). Exit 1.`)
      : style.good(`NOT READ: the box read nothing this program sent on ${report.results.length} sites. Exit 0.`),
  );
  return out.join('\n');
}
