/** Check a scenario's written expectations against what really happened. */
import type { ExpectationCheck, Report } from './report.ts';
import type { Expectation } from './schema.ts';

type Checked = Pick<Report, 'results' | 'captured' | 'attacker'>;

export function checkExpectations(expectations: Expectation[], report: Checked): ExpectationCheck[] {
  return expectations.map((x) => check(x, report));
}

function check(x: Expectation, report: Checked): ExpectationCheck {
  if ('outcome' in x) {
    // TLS rows speak for a site when there are any: plain HTTP is always readable.
    const rows = report.results.filter((r) => r.client === x.client && r.site === x.site);
    const row = rows.find((r) => r.transport === 'tls') ?? rows[0];
    if (!row) return { expectation: x, met: false, actual: `${x.client} never connected to ${x.site}` };
    const met = row.outcome === x.outcome && (x.cause === undefined || row.cause === x.cause);
    return { expectation: x, met, actual: row.outcome + (row.cause ? ` (${row.cause})` : '') };
  }
  const pool = x.by === 'upstream-attacker' ? (report.attacker?.captured ?? []) : report.captured;
  const found = pool.filter((c) => c.client === x.client && c.site === x.site);
  if (x.captured === 'nothing') {
    return {
      expectation: x,
      met: found.length === 0,
      actual: found[0] ? `${found.length} items captured, e.g. ${found[0].kind} ${found[0].value}` : 'nothing captured',
    };
  }
  const ofKind = found.filter((c) => c.kind === x.captured && (x.contains === undefined || c.value.includes(x.contains)));
  return {
    expectation: x,
    met: ofKind.length > 0,
    actual: ofKind[0] ? `${x.captured}: ${ofKind[0].value}` : `no ${x.captured}${x.contains ? ` containing "${x.contains}"` : ''} captured`,
  };
}

export function describeExpectation(x: Expectation): string {
  if ('outcome' in x) return `${x.client} on ${x.site}: ${x.outcome}${x.cause ? ` (${x.cause})` : ''}`;
  return `${x.client} on ${x.site}: ${x.by === 'upstream-attacker' ? 'the upstream attacker' : 'the ISP'} captured ${x.captured}${x.contains ? ` containing "${x.contains}"` : ''}`;
}
