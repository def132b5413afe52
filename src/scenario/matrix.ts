/**
 * `tlslab matrix`: every standard client profile (rows) against every interceptor variant
 * (columns: the scenarios with a `matrix:` block). Each cell comes from a real run of that
 * variant's lab, never from a table; each is checked against the scenario file's expectations.
 */
import { CLIENT_PROFILES } from './client-profiles.ts';
import type { Lab } from '../runtime/lab.ts';
import { runScenario, type RunHooks } from './runner.ts';
import type { ExpectationCheck } from './report.ts';
import type { Outcome, RefusalCause, Scenario } from './schema.ts';

export interface MatrixCell {
  variant: string;
  client: string;
  site: string;
  outcome: Outcome;
  cause: RefusalCause | null;
  error: string | null;
  issuer: string | null;
  why: string;
}

export interface MatrixReport {
  variants: Array<{ name: string; title: string; explain: string; upstreamGrade: string | null }>;
  clients: Array<{ name: string; description: string }>;
  sites: string[];
  cells: MatrixCell[];
  expectations: Array<ExpectationCheck & { variant: string }>;
  passed: boolean;
  durationMs: number;
}

/** The variant as the matrix runs it: the standard profiles, the matrix steps, the matrix expectations. */
function matrixColumn(s: Scenario, profiles?: string[]): Scenario {
  if (!s.matrix) throw new Error(`${s.name} has no matrix block`);
  const keep = (name: string) => !profiles || profiles.includes(name);
  return {
    ...s,
    clients: CLIENT_PROFILES.filter((c) => keep(c.name)),
    session: s.session.filter((st) => s.matrix!.steps.includes(st.id)),
    expect: s.matrix.expect.filter((x) => keep(x.client)),
  };
}

/** What the CLI hears as the matrix runs: each column (one variant, its own lab) and each step inside it. */
interface MatrixHooks extends RunHooks {
  onColumnStart?(index: number, count: number, name: string): void;
  onColumnDone?(name: string, ms: number): void;
}

export async function runMatrix(
  variants: Scenario[],
  startLab: (s: Scenario) => Promise<Lab>,
  hooks: MatrixHooks = {},
  /** Only these client profiles (all when absent). */
  profiles?: string[],
): Promise<MatrixReport> {
  const started = Date.now();
  const report: MatrixReport = {
    variants: [],
    clients: CLIENT_PROFILES.filter((c) => !profiles || profiles.includes(c.name)).map((c) => ({ name: c.name, description: c.description ?? '' })),
    sites: [],
    cells: [],
    expectations: [],
    passed: true,
    durationMs: 0,
  };
  for (const [i, variant] of variants.entries()) {
    const t = Date.now();
    hooks.onColumnStart?.(i + 1, variants.length, variant.name);
    const lab = await startLab(matrixColumn(variant, profiles));
    try {
      const r = await runScenario(lab, hooks);
      report.variants.push({ name: variant.name, title: variant.title, explain: r.interceptor.explain, upstreamGrade: r.upstreamGrade?.grade ?? null });
      for (const row of r.results.filter((x) => x.transport === 'tls')) {
        report.cells.push({
          variant: variant.name,
          client: row.client,
          site: row.site,
          outcome: row.outcome,
          cause: row.cause,
          error: row.error,
          issuer: row.issuer,
          why: row.why,
        });
      }
      report.expectations.push(...r.expectations.map((e) => ({ ...e, variant: variant.name })));
    } finally {
      await lab.stop();
    }
    hooks.onColumnDone?.(variant.name, Date.now() - t);
  }
  report.sites = [...new Set(report.cells.map((c) => c.site))];
  report.passed = report.expectations.every((e) => e.met);
  report.durationMs = Date.now() - started;
  return report;
}
