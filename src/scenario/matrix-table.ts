/** The matrix as people read it: one table per site, rows = client profiles, columns = interceptors. */
import { describeExpectation } from './expectations.ts';
import type { MatrixCell, MatrixReport } from './matrix.ts';
import type { Style } from './narrate.ts';
import type { RefusalCause } from './schema.ts';

const plain: Style = { bold: (s) => s, dim: (s) => s, outcome: (_o, s) => s, good: (s) => s, bad: (s) => s };

const SHORT_CAUSE: Record<RefusalCause, string> = {
  'untrusted-issuer': 'untrusted',
  'distrusted-root': 'distrusted',
  'pin-mismatch': 'pin',
  'name-constraint': 'name-constr.',
  'hsts-no-override': 'hsts',
  'ct-missing': 'no CT',
  'interception-detected': 'detected',
  other: 'other',
};

export function cellText(c: MatrixCell | undefined): string {
  if (!c) return '-';
  return c.outcome === 'refused' ? `refused: ${SHORT_CAUSE[c.cause ?? 'other']}` : c.outcome;
}

export function matrixTable(m: MatrixReport, style: Style = plain): string {
  const out: string[] = [];
  const rowWidth = Math.max(...m.clients.map((c) => c.name.length)) + 2;
  const colWidth = Math.max(...m.variants.map((v) => v.name.length), 'refused: name-constr.'.length) + 2;
  for (const site of m.sites) {
    out.push(style.bold(`${site}`) + style.dim('  (rows: client profiles; columns: interceptor variants)'));
    out.push(''.padEnd(rowWidth) + m.variants.map((v) => v.name.padEnd(colWidth)).join(''));
    for (const client of m.clients) {
      const cells = m.variants.map((v) => {
        const cell = m.cells.find((c) => c.variant === v.name && c.client === client.name && c.site === site);
        const text = cellText(cell).padEnd(colWidth);
        return cell ? style.outcome(cell.outcome, text) : text;
      });
      out.push(client.name.padEnd(rowWidth) + cells.join(''));
    }
    out.push('');
  }
  out.push(style.bold('Interceptors'));
  for (const v of m.variants) {
    out.push(`  ${v.name.padEnd(colWidth)}${v.explain}${v.upstreamGrade ? `; upstream TLS grade ${v.upstreamGrade}` : ''}`);
  }
  const failed = m.expectations.filter((e) => !e.met);
  out.push('');
  out.push(
    style.bold(`Expectations: ${m.expectations.length - failed.length}/${m.expectations.length} met`) + style.dim(` (${(m.durationMs / 1000).toFixed(1)} s)`),
  );
  for (const f of failed) out.push(style.bad(`  ✗ [${f.variant}] ${describeExpectation(f.expectation)}: got ${f.actual}`));
  return out.join('\n');
}

export function matrixMarkdown(m: MatrixReport): string {
  const out: string[] = ['# Mitigation matrix', '', 'Every cell comes from real TLS handshakes in a fresh lab (`tlslab matrix`).', ''];
  for (const site of m.sites) {
    out.push(`## ${site}`, '', `| client | ${m.variants.map((v) => v.name).join(' | ')} |`, `|---|${m.variants.map(() => '---').join('|')}|`);
    for (const client of m.clients) {
      const cells = m.variants.map((v) => cellText(m.cells.find((c) => c.variant === v.name && c.client === client.name && c.site === site)));
      out.push(`| ${client.name} | ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  out.push('## Client profiles', '', ...m.clients.map((c) => `- **${c.name}**: ${c.description}`), '');
  out.push(
    '## Interceptors',
    '',
    ...m.variants.map((v) => `- **${v.name}** (${v.title}): ${v.explain}${v.upstreamGrade ? `; upstream TLS grade ${v.upstreamGrade}` : ''}`),
    '',
  );
  return out.join('\n');
}
