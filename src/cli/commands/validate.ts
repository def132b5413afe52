import { loadScenario, ScenarioError, formatProblem } from '../../scenario/loader.ts';

/**
 * `tlslab validate FILE...`: check scenario files as `tlslab run` would read them (schema,
 * state CA preset and overrides, names), without starting anything. Exit 0 when all are valid,
 * 1 when any is not; each problem names its file, line, column and field.
 */
export async function validateCommand(files: string[]): Promise<void> {
  let invalid = 0;
  for (const file of files) {
    try {
      const s = await loadScenario(file);
      const ca = s.stateCa.root.subject.map((r) => `${r.shortName}=${r.value}`).join(', ');
      process.stdout.write(
        `ok  ${file}: ${s.name}, ${s.clients.length} clients, ${s.session.length} steps, state CA "${ca}"${s.stateCa.preset ? ` (from ${s.stateCa.preset})` : ''}\n`,
      );
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      invalid++;
      for (const p of err.problems) process.stdout.write(`${formatProblem(p)}\n`);
    }
  }
  if (invalid > 0) {
    process.stdout.write(`${invalid} of ${files.length} file${files.length === 1 ? '' : 's'} not valid\n`);
    process.exitCode = 1;
  }
}
