/**
 * Run a scenario on any Lab: every step, for every client, in the order of the
 * walkthrough; then join the clients' view with the interceptor's into the report.
 */
import type { StepRun } from '../clients/step-run.ts';
import type { InterceptorEvent } from '../interceptor/events.ts';
import type { Lab } from '../runtime/lab.ts';
import { diffCertificates } from '../pki/diff.ts';
import { checkExpectations } from './expectations.ts';
import { combineOutcomes, FlowIndex, outcomeOf, type AttemptOutcome, type StepWindow } from './outcomes.ts';
import type { Report, ReportCapture, ReportResult, ReportStep } from './report.ts';
import { policyOf } from './scenario-policy.ts';
import type { SessionStep } from './schema.ts';

export interface RunHooks {
  /** Called as each step starts: its place in the session and its title. */
  onStepStart?(index: number, count: number, step: SessionStep): void;
  /** Called as each client finishes each step (the CLI narrates live), with how long it took. */
  onStep?(step: ReportStep['id'], client: string, run: StepRun, ms: number): void;
}

export async function runScenario(lab: Lab, hooks: RunHooks = {}): Promise<Report> {
  const started = Date.now();
  const scenario = lab.scenario;
  const runs: Array<{ step: string; client: string; run: StepRun; window: StepWindow }> = [];
  const runOne = async (step: SessionStep, client: string) => {
    const from = Date.now();
    const run = await lab.runStep(client, step);
    // The box records the end of an answer on the 'end' that relays it: wait for its word.
    await lab.settled();
    hooks.onStep?.(step.id, client, run, Date.now() - from);
    return { step: step.id, client, run, window: { client, from: from - 1, to: Date.now() } };
  };
  for (const [i, step] of scenario.session.entries()) {
    hooks.onStepStart?.(i + 1, scenario.session.length, step);
    if (scenario.attacker) {
      // An attacker beyond the ISP sees the box, not the subscriber's line: only the time
      // tells whose step it was, so steps must not overlap.
      for (const client of scenario.clients) runs.push(await runOne(step, client.name));
    } else {
      // Each client has its own line into the box, so their steps may run side by side
      // (a browser spends much of a step waiting).
      runs.push(...(await Promise.all(scenario.clients.map((c) => runOne(step, c.name)))));
    }
  }
  await lab.settled();

  const events = lab.interceptorEvents();
  const flows = new FlowIndex(events);
  const clientOf = new Map(scenario.clients.map((c) => [lab.clientAddress(c.name), c.name]));
  const stepOfFlow = new Map<string, string>();

  const perSite = new Map<string, { client: string; site: string; transport: 'tls' | 'http'; outcomes: AttemptOutcome[]; issuer: string | null }>();
  const steps: ReportStep[] = scenario.session.map((s) => ({ id: s.id, title: s.title, narrative: s.narrative ?? null, clients: [] }));
  for (const { step, client, run, window } of runs) {
    const outcomes = run.attempts.map((a) => ({ attempt: a, ...outcomeOf(a, flows, window) }));
    for (const o of outcomes) {
      for (const f of o.flows) stepOfFlow.set(f, step);
      const transport = o.attempt.scheme === 'http' ? 'http' : 'tls';
      const key = `${client}|${o.attempt.site}|${transport}`;
      const row = perSite.get(key) ?? { client, site: o.attempt.site, transport, outcomes: [], issuer: null };
      row.outcomes.push(o);
      row.issuer ??= o.attempt.issuer ?? o.issuerShown;
      perSite.set(key, row);
    }
    const worst = outcomes.length ? combineOutcomes(outcomes) : null;
    steps
      .find((s) => s.id === step)!
      .clients.push({
        client,
        summary: run.summary,
        skipped: !!run.skipped,
        screenshots: (run as { screenshots?: string[] }).screenshots ?? [],
        outcome: worst?.outcome ?? 'untouched',
        cause: worst?.cause ?? null,
        connections: outcomes.map((o) => ({
          url: o.attempt.url,
          outcome: o.outcome,
          cause: o.cause,
          issuer: o.attempt.issuer ?? o.issuerShown,
          error: o.error,
          status: o.attempt.status,
          flow: o.flow,
          why: o.why,
        })),
      });
  }

  const results: ReportResult[] = [...perSite.values()].map((row) => {
    const worst = combineOutcomes(row.outcomes);
    return {
      client: row.client,
      site: row.site,
      transport: row.transport,
      outcome: worst.outcome,
      cause: worst.cause,
      issuer: row.issuer,
      error: worst.error,
      why: worst.why,
      connections: row.outcomes.length,
    };
  });

  const captured: ReportCapture[] = events.flatMap((e) =>
    e.type === 'capture'
      ? [
          {
            client: e.line ?? clientOf.get(e.client.address) ?? e.client.address,
            site: e.site,
            kind: e.kind,
            value: e.value,
            step: stepOfFlow.get(e.flow) ?? null,
            flow: e.flow,
            time: e.time,
          },
        ]
      : [],
  );

  // The attacker beyond the ISP sees the box, not the subscribers: a capture belongs to the
  // client whose step was running at that moment (steps never overlap).
  const attackerCaptured: ReportCapture[] = lab.attackerEvents().flatMap((e) => {
    if (e.type !== 'capture') return [];
    const t = Date.parse(e.time);
    const run = runs.find((r) => t >= r.window.from && t <= r.window.to);
    return [{ client: run?.client ?? 'unknown', site: e.site, kind: e.kind, value: e.value, step: run?.step ?? null, flow: e.flow, time: e.time }];
  });

  const description = lab.describe();
  const report: Report = {
    scenario: scenario.name,
    title: scenario.title,
    runtime: lab.runtime,
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    stateCa: {
      profile: scenario.stateCa.id,
      operator: scenario.stateCa.operator,
      root: description.stateRoot,
      intermediate: description.stateIntermediate,
      nameConstrained: description.nameConstrained,
      note: description.nameConstrained
        ? `The lab's state CA is name-constrained to ${description.stateRoot.permittedDns?.map((d) => '.' + d).join(', ')}: a leaked lab key cannot impersonate a real site. The real root had no such limit.`
        : 'The state CA is NOT name-constrained: like the real one, it can vouch for any name on the web.',
    },
    interceptor: { policy: scenario.interceptor.policy, explain: policyOf(scenario).explain() },
    sites: scenario.sites.map((s) => ({ host: s.host, kind: s.kind, name: s.branding.name })),
    upstreamGrade: upstreamGradeOf(events),
    steps,
    results,
    captured,
    forged: events.flatMap((e) =>
      e.type === 'forged' ? [{ sni: e.sni, names: e.names, issuer: e.issuer, realIssuer: e.realIssuer, diff: diffCertificates(e.real, e.forged) }] : [],
    ),
    attacker: scenario.attacker ? { impersonates: scenario.attacker.impersonates, captured: attackerCaptured } : null,
    expectations: [],
    passed: true,
  };
  report.expectations = checkExpectations(scenario.expect, report);
  report.passed = report.expectations.every((x) => x.met);
  report.durationMs = Date.now() - started;
  return report;
}

function upstreamGradeOf(events: InterceptorEvent[]): Report['upstreamGrade'] {
  const e = events.find((x) => x.type === 'upstream-hello');
  return e && e.type === 'upstream-hello' ? { grade: e.grade, version: e.version, reasons: e.reasons } : null;
}
