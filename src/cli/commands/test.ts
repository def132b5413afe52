/**
 * `tlslab test [options] -- COMMAND ARGS…`: your own program against the scenario's ISP box. It
 * runs as a subscriber with no proxy settings (runtime/local/program-namespace.ts); `{url}` in its
 * arguments becomes each site's URL in turn. Exit codes (docs/ci.md): 0 refused or untouched
 * everywhere, 1 exposed on some site, 2 usage, 3 the lab could not start.
 */
import { startLab } from '../../runtime/start-lab.ts';
import { resolveScenario } from '../../scenario/loader.ts';
import { defaultProgramSites, testProgram } from '../../scenario/program-test.ts';
import { programReportText } from '../../scenario/program-report-text.ts';
import { TRUST_ANCHORS, type TrustAnchor } from '../../scenario/schema.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { writeJunit, programJunit } from '../junit.ts';
import { writeJson } from '../json-output.ts';
import { colours } from '../colour.ts';
import { installShutdown } from '../shutdown.ts';
import { withLab } from '../with-lab.ts';
import type { RuntimeName } from '../../runtime/lab.ts';
import { programProblem } from '../../runtime/runtimes.ts';

export interface TestOptions {
  scenario: string;
  trust: string;
  sites?: string;
  json?: string;
  junit?: string;
  timeout: string;
  image?: string;
  stateDir: string;
  runtime: RuntimeName;
}

export async function testCommand(command: string[], opts: TestOptions): Promise<void> {
  if (command.length === 0) throw new UsageError('give the program to test after --, e.g. tlslab test -- python3 client.py {url}');
  const trusts = parseTrust(opts.trust);
  const timeoutMs = Number(opts.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout takes seconds, e.g. 20; got "${opts.timeout}"`);
  const problem = programProblem(opts.runtime, opts.image);
  if (problem) throw new UsageError(problem);
  installShutdown();
  const scenario = await resolveScenario(opts.scenario);
  process.stderr.write(`Starting the ${scenario.name} lab, then running ${command.join(' ')} as a subscriber trusting ${trusts.join(' and ')}…\n`);
  const starting = startLab(scenario, { runtime: opts.runtime, stateRoot: opts.stateDir }).catch((err: Error) => {
    throw Object.assign(err, { exitCode: EXIT.labFailed });
  });
  const report = await withLab(starting, async (lab) => {
    const all = defaultProgramSites(lab);
    const sites = opts.sites
      ? opts.sites
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : all;
    const unknown = sites.filter((s) => !all.includes(s));
    if (unknown.length) throw new UsageError(`${scenario.name} has no site ${unknown.join(', ')}; its sites are ${all.join(', ')}`);
    return testProgram(lab, { command, trusts, sites, timeoutMs, image: opts.image }).catch((err: Error & { code?: string }) => {
      throw err.code === 'TLSLAB_NAMESPACE_UNAVAILABLE' ? Object.assign(err, { exitCode: EXIT.labFailed }) : err;
    });
  });
  // `--json -`: the report is stdout, so the verdict in words goes to stderr.
  const words = opts.json === '-' ? process.stderr : process.stdout;
  words.write(programReportText(report, colours(words)) + '\n');
  if (opts.json) await writeJson(opts.json, report);
  if (opts.junit) await writeJunit(opts.junit, programJunit(report));
  process.exitCode = report.exposed ? EXIT.failed : EXIT.ok;
}

function parseTrust(text: string): TrustAnchor[] {
  const trusts = text.split(',').map((t) => t.trim());
  const bad = trusts.filter((t) => !(TRUST_ANCHORS as readonly string[]).includes(t));
  if (bad.length || trusts.length === 0) throw new UsageError(`--trust takes ${TRUST_ANCHORS.join(', ')} or both (web,state); got "${text}"`);
  return [...new Set(trusts)] as TrustAnchor[];
}
