/** The report as a person reads it in a terminal: the walkthrough, then what the state read. */
import { explainCause } from '../clients/refusal.ts';
import { diffTable } from '../pki/diff.ts';
import { describeExpectation } from './expectations.ts';
import type { Report } from './report.ts';
import type { Outcome } from './schema.ts';

/** Plain functions, not methods: a style's parts are passed around on their own (`diffTable(rows, style.bad)`). */
export interface Style {
  bold: (s: string) => string;
  dim: (s: string) => string;
  outcome: (o: Outcome, s: string) => string;
  good: (s: string) => string;
  bad: (s: string) => string;
}

const plain: Style = { bold: (s) => s, dim: (s) => s, outcome: (_o, s) => s, good: (s) => s, bad: (s) => s };

/** ANSI colour, for a TTY only (the CLI decides). */
export const ansi: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[22m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
  outcome: (o, s) => `\x1b[${o === 'exposed' ? 31 : o === 'refused' ? 32 : o === 'blocked' ? 35 : 36}m${s}\x1b[39m`,
  good: (s) => `\x1b[32m${s}\x1b[39m`,
  bad: (s) => `\x1b[31m${s}\x1b[39m`,
};

const WIDTH = 96;

export function narrateReport(report: Report, style: Style = plain): string {
  const out: string[] = [];
  const line = (s = '') => out.push(s);
  const clients = [...new Set(report.steps.flatMap((s) => s.clients.map((c) => c.client)))];
  const pad = Math.max(...clients.map((c) => c.length)) + 2;

  line(style.bold(`${report.title}`) + style.dim(`  [${report.scenario}, ${report.runtime} runtime]`));
  line();
  line(`State CA   ${report.stateCa.root.subject} (RSA-${report.stateCa.root.keyBits})`);
  line(`           └─ ${report.stateCa.intermediate.subject} signs the forged certificates`);
  for (const l of wrap(report.stateCa.note, WIDTH - 11)) line(`           ${style.dim(l)}`);
  line(`ISP box    ${wrap(report.interceptor.explain, WIDTH - 11).join('\n           ')}`);
  if (report.upstreamGrade) {
    const g = report.upstreamGrade;
    const text = `Its own TLS to the real servers grades ${g.grade} (MITMEngine rules): ${g.version}${g.reasons.length ? '; ' + g.reasons.join('; ') : ''}`;
    for (const l of wrap(text, WIDTH - 11)) line(`           ${style.dim(l)}`);
  }

  report.steps.forEach((step, i) => {
    line();
    line(style.bold(`${i + 1}. ${step.title}`));
    if (step.narrative) for (const l of wrap(step.narrative, WIDTH - 3)) line(`   ${style.dim(l)}`);
    for (const c of step.clients) {
      const label = (c.skipped ? 'SKIPPED' : c.outcome.toUpperCase()).padEnd(9);
      line(`   ${c.client.padEnd(pad)}${c.skipped ? style.dim(label) : style.outcome(c.outcome, label)} ${c.summary}`);
      const shown = c.connections.find((x) => x.outcome === c.outcome && x.issuer) ?? c.connections.find((x) => x.issuer);
      if (shown?.issuer) line(`   ${' '.repeat(pad + 10)}${style.dim(`certificate issued by "${shown.issuer}"`)}`);
      if (c.outcome === 'refused' && c.cause) {
        const err = c.connections.find((x) => x.error)?.error;
        line(`   ${' '.repeat(pad + 10)}${style.dim(`${c.cause}: ${explainCause(c.cause)}${err ? ` (client said: ${err})` : ''}`)}`);
      }
      if (c.outcome === 'blocked') {
        line(`   ${' '.repeat(pad + 10)}${style.dim(c.connections.find((x) => x.outcome === 'blocked')?.why ?? 'the box reset the connection')}`);
      }
      if (c.outcome === 'exposed' && c.connections.every((x) => !x.issuer)) {
        line(`   ${' '.repeat(pad + 10)}${style.dim(c.connections[0]?.why ?? '')}`);
      }
      // URLs are shown when they say something (a query); every other kind always.
      const shot = c.screenshots[c.screenshots.length - 1];
      if (shot) line(`   ${' '.repeat(pad + 10)}${style.dim(`screenshot: ${shot}`)}`);
      const read = report.captured.filter(
        (x) => x.step === step.id && x.client === c.client && (x.kind !== 'url' || x.value.includes('?') || x.value.includes(' http://')),
      );
      for (const x of read.slice(0, 6)) line(`   ${' '.repeat(pad + 10)}${style.bad(`${report.stateCa.operator} read ${x.kind}: ${clip(x.value, 70)}`)}`);
      if (read.length > 6) line(`   ${' '.repeat(pad + 10)}${style.bad(`… and ${read.length - 6} more`)}`);
    }
  });

  line();
  line(style.bold('Who was read, site by site (TLS connections; plain HTTP is always readable)'));
  const tls = report.results.filter((r) => r.transport === 'tls');
  const sites = [...new Set(tls.map((r) => r.site))];
  const colWidth = Math.max(...sites.map((s) => s.length)) + 2;
  line(`   ${''.padEnd(pad)}${sites.map((s) => s.padEnd(colWidth)).join('')}`);
  for (const client of clients) {
    const cells = sites.map((s) => {
      const r = tls.find((x) => x.client === client && x.site === s);
      const text = r ? r.outcome : '-';
      return r ? style.outcome(r.outcome, text.padEnd(colWidth)) : text.padEnd(colWidth);
    });
    line(`   ${client.padEnd(pad)}${cells.join('')}`);
  }

  // The bank's forgery when there is one: the site everyone understands is worth stealing from.
  const banks = new Set(report.sites.filter((s) => s.kind === 'bank').map((s) => s.host));
  const shown = report.forged.find((f) => banks.has(f.sni)) ?? report.forged[0];
  if (shown) {
    line();
    line(style.bold(`The forged certificate next to the real one (${shown.sni})`));
    for (const l of diffTable(shown.diff, style.bad).split('\n')) line(`   ${l}`);
  }

  const secrets = report.captured.filter((c) => c.kind === 'credential' || c.kind === 'cookie' || c.kind === 'header');
  line();
  line(style.bold(`What ${report.stateCa.operator} read: ${report.captured.length} items`) + style.dim(` (${countBy(report.captured.map((c) => c.kind))})`));
  if (secrets.length) line(style.dim('   Credentials, cookies and tokens below; every item is in the JSON report (--json).'));
  for (const c of secrets.slice(0, 12)) line(`   ${c.client.padEnd(pad)}${c.site.padEnd(16)}${c.kind.padEnd(11)}${clip(c.value, 56)}`);
  if (secrets.length > 12) line(style.dim(`   … ${secrets.length - 12} more credentials, cookies and headers in the JSON report`));

  if (report.attacker) {
    const read = report.attacker.captured.filter((c) => c.kind === 'credential' || c.kind === 'cookie');
    line();
    line(style.bold(`A second attacker beyond the ISP (hijacking ${report.attacker.impersonates.join(', ')}) read ${report.attacker.captured.length} items`));
    line(style.dim("   The box did not check the certificate it got upstream, and re-signed the attacker's with the state's trusted name."));
    for (const c of read.slice(0, 6)) line(`   ${c.client.padEnd(pad)}${c.site.padEnd(16)}${c.kind.padEnd(11)}${clip(c.value, 56)}`);
  }

  if (report.expectations.length) {
    const met = report.expectations.filter((x) => x.met).length;
    line();
    line(style.bold(`Expectations: ${met}/${report.expectations.length} met`));
    for (const x of report.expectations.filter((e) => !e.met)) {
      line(style.bad(`   ✗ ${describeExpectation(x.expectation)}: got ${x.actual}`));
    }
  }
  line();
  line(style.dim(`Ran in ${(report.durationMs / 1000).toFixed(1)} s.`));
  return out.join('\n');
}

function wrap(text: string, width: number): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let current = '';
  for (const w of words) {
    if (current && current.length + 1 + w.length > width) {
      lines.push(current);
      current = w;
    } else current = current ? `${current} ${w}` : w;
  }
  if (current) lines.push(current);
  return lines;
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

function countBy(items: string[]): string {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return [...m].map(([k, v]) => `${v} ${k}`).join(', ');
}
