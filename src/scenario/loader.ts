/**
 * Finds scenario files, reads them (yaml-validation.ts: every problem with file, line, column
 * and field), and resolves what they name: the state CA preset their `stateCa` builds on.
 */
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectPath } from '../project-root.ts';
import { ScenarioSchema, type Scenario } from './schema.ts';
import { resolveStateCa, StateCaSchema } from './state-ca.ts';
import { closest, ScenarioError, throwProblems, validateYaml, wholeFile, type ScenarioProblem } from './yaml-validation.ts';

export { formatProblem, ScenarioError, type ScenarioProblem } from './yaml-validation.ts';

// ---------------------------------------------------------------------------------------------
// Finding and loading files.

/** Absolute path of the project's scenarios/ folder. */
export function scenariosDir(): string {
  return projectPath('scenarios');
}

export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const problem = wholeFile(file, 'no such file');
    throw new ScenarioError('TLSLAB_SCENARIO_NOT_FOUND', `Scenario file not found: ${problem.file}`, [problem]);
  }
  return parseScenario(text, file);
}

/** Every *.yaml in dir, sorted by file name, each fully validated. */
export async function listScenarios(dir: string): Promise<{ name: string; title: string; summary: string; file: string }[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const problem = wholeFile(dir, 'no such folder');
    throw new ScenarioError('TLSLAB_SCENARIO_NOT_FOUND', `Scenario folder not found: ${problem.file}`, [problem]);
  }
  const files = entries
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => path.resolve(dir, f));
  const settled = await Promise.allSettled(files.map((f) => loadScenario(f)));
  const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const errors = failures.filter((e) => e instanceof ScenarioError);
  // Anything else (a bug, a read error) is thrown as it came, the first of them.
  if (errors.length < failures.length) throw failures.find((e) => !(e instanceof ScenarioError));
  const [first] = errors;
  if (first && errors.length === 1) throw first;
  if (errors.length > 1) {
    // One report for all broken files, so a teacher fixes them in one pass.
    const code = errors.every((e) => e.code === 'TLSLAB_SCENARIO_YAML') ? 'TLSLAB_SCENARIO_YAML' : 'TLSLAB_SCENARIO_INVALID';
    throw new ScenarioError(
      code,
      `${errors.length} scenario files have problems:`,
      errors.flatMap((e) => e.problems),
    );
  }
  return settled.map((r, i) => {
    const s = (r as PromiseFulfilledResult<Scenario>).value;
    return { name: s.name, title: s.title, summary: s.summary, file: files[i]! };
  });
}

/** `kz-2019` looks in scenariosDir(); anything with a slash or ending in .yaml is a path. */
export async function resolveScenario(nameOrPath: string): Promise<Scenario> {
  const isPath = /[\\/]/.test(nameOrPath) || /\.ya?ml$/.test(nameOrPath);
  if (isPath) return loadScenario(path.resolve(nameOrPath));
  const file = path.join(scenariosDir(), `${nameOrPath}.yaml`);
  if (existsSync(file)) return loadScenario(file);
  const available = existsSync(scenariosDir())
    ? (await readdir(scenariosDir()))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => f.slice(0, -'.yaml'.length))
        .sort()
    : [];
  const guess = closest(nameOrPath, available);
  const message =
    `there is no scenario named "${nameOrPath}"` +
    (guess ? ` (did you mean "${guess}"?)` : '') +
    `; available: ${available.length ? available.join(', ') : '(none)'}`;
  throw new ScenarioError('TLSLAB_SCENARIO_NOT_FOUND', `Unknown scenario "${nameOrPath}":`, [wholeFile(file, message)]);
}

// ---------------------------------------------------------------------------------------------
// Parsing and validating.

export function parseScenario(text: string, file: string): Scenario {
  const v = validateYaml(ScenarioSchema, text, file, 'a valid scenario', 'a scenario starts with "name:", "title:" and "summary:"');
  const problems: ScenarioProblem[] = [...v.problems];
  // The name must equal the file's stem, so `tlslab run kz-2019` always finds the file it names.
  const stem = path.basename(file).replace(/\.ya?ml$/, '');
  const name = (v.raw as { name?: unknown }).name;
  if (typeof name === 'string' && name !== stem) {
    problems.push({
      file: v.shown,
      ...v.at(['name']),
      path: 'name',
      message: `the name "${name}" must equal the file name without .yaml ("${stem}"); rename the file or change the name`,
    });
  }
  // The state CA is resolved whenever its own part is well-formed, so that its problems are
  // reported with the rest in one pass.
  const rawStateCa = (v.raw as { stateCa?: unknown }).stateCa;
  const spec = StateCaSchema.safeParse(rawStateCa);
  const stateCa = spec.success ? resolveStateCa(spec.data, rawStateCa, v) : null;
  if (stateCa && 'problems' in stateCa) problems.push(...stateCa.problems);
  if (problems.length > 0 || !v.data || !stateCa || !('resolved' in stateCa)) throwProblems(v.shown, 'a valid scenario', problems);
  return { ...v.data, stateCa: stateCa.resolved };
}
