/**
 * `--junit FILE` for run, matrix and test: one testcase per expectation (run, matrix) or per site
 * (test), in the JUnit XML every CI reads (junit-report-builder writes it).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import junit, { type Builder as JUnitBuilder } from 'junit-report-builder';
import type { MatrixReport } from '../scenario/matrix.ts';
import type { ProgramReport } from '../scenario/program-test.ts';
import type { Report } from '../scenario/report.ts';
import { describeExpectation } from '../scenario/expectations.ts';

// A CommonJS module whose declarations say `export default`: Node hands over module.exports, the builder itself.
const builder = junit as unknown as JUnitBuilder;
type Builder = JUnitBuilder;

/** A scenario run: its expectations are the tests. */
export function reportJunit(report: Report): Builder {
  const b = builder.newBuilder();
  const suite = b
    .testSuite()
    .name(`tlslab run ${report.scenario}`)
    .timestamp(report.startedAt)
    .time(report.durationMs / 1000);
  for (const check of report.expectations) {
    const test = suite.testCase().className(`tlslab.${report.scenario}`).name(describeExpectation(check.expectation));
    if (!check.met) test.failure(`expected ${describeExpectation(check.expectation)}; ${check.actual}`);
  }
  return b;
}

/** The matrix: every variant's expectations. */
export function matrixJunit(report: MatrixReport): Builder {
  const b = builder.newBuilder();
  const suite = b.testSuite().name('tlslab matrix');
  for (const check of report.expectations) {
    const test = suite.testCase().className(`tlslab.matrix.${check.variant}`).name(describeExpectation(check.expectation));
    if (!check.met) test.failure(`expected ${describeExpectation(check.expectation)}; ${check.actual}`);
  }
  return b;
}

/** `tlslab test`: one testcase per site; a site where the box read the program fails. */
export function programJunit(report: ProgramReport): Builder {
  const b = builder.newBuilder();
  const suite = b
    .testSuite()
    .name(`tlslab test ${report.command.join(' ')}`)
    .timestamp(report.startedAt)
    .time(report.durationMs / 1000);
  for (const r of report.results) {
    const test = suite
      .testCase()
      .className(`tlslab.test.${report.scenario}`)
      .name(`${r.site}: not readable by the ISP box (trusting ${report.trusts.join(', ')})`);
    const said = r.stderrTail.length ? `\nthe program's stderr:\n${r.stderrTail.join('\n')}` : '';
    if (r.outcome === 'exposed') {
      test.failure(
        `exposed: the box read ${r.captured.length} items on ${r.site}, certificate issued by ${r.issuer ?? 'the box'} (${r.captured.map((c) => c.kind).join(', ')})`,
      );
    }
    test.standardOutput(`${r.outcome}${r.cause ? ` (${r.cause})` : ''}: ${r.why}${said}`);
  }
  return b;
}

export async function writeJunit(file: string, b: Builder): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  b.writeTo(file);
}
