/**
 * docs/write-a-scenario.md stays true: the file it builds (docs/tutorial/nowhereland-2024.yaml)
 * runs and meets every expectation, the lines it quotes from `tlslab run` are in the narration,
 * and the two mistakes it shows give, word for word, the errors it quotes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../src/project-root.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { parseScenario, ScenarioError } from '../../src/scenario/loader.ts';
import { formatProblem } from '../../src/scenario/loader.ts';
import { narrateReport } from '../../src/scenario/narrate.ts';
import { runScenario } from '../../src/scenario/runner.ts';

const FILE = projectPath('docs', 'tutorial', 'nowhereland-2024.yaml');
const quoted = async () => (await readFile(projectPath('docs', 'write-a-scenario.md'), 'utf8')).split('\n');

function problemsOf(text: string): string[] {
  try {
    parseScenario(text, join('docs', 'tutorial', 'nowhereland-2024.yaml'));
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems.map((p) => formatProblem({ ...p, file: 'nowhereland-2024.yaml' }));
    throw err;
  }
  return [];
}

describe('the write-a-scenario tutorial', () => {
  it('builds a file that runs, meets its expectations and prints the lines the page quotes', async () => {
    const lab = await startLab(parseScenario(await readFile(FILE, 'utf8'), FILE));
    try {
      const report = await runScenario(lab);
      expect(report.expectations.filter((x) => !x.met)).toEqual([]);
      const narration = narrateReport(report)
        .split('\n')
        .map((l) => l.trimEnd());
      const lines = await quoted();
      const runBlock = lines.slice(lines.indexOf('3. Online banking'), lines.indexOf('Expectations: 5/5 met') + 1).filter((l) => !l.includes('…'));
      expect(runBlock.length).toBeGreaterThan(5);
      for (const line of runBlock)
        expect(
          narration.some((n) => n.trimEnd() === line.trimEnd()),
          line,
        ).toBe(true);
    } finally {
      await lab.stop();
    }
  });

  it('shows the errors the page quotes for a misspelt host and a wrong password', async () => {
    const text = await readFile(FILE, 'utf8');
    const errors = (await quoted()).filter((l) => l.startsWith('nowhereland-2024.yaml:'));
    expect(errors).toHaveLength(2);
    expect(problemsOf(text)).toEqual([]);
    expect(problemsOf(text.replace('{ kind: chat, site: chirp.example', '{ kind: chat, site: chrip.example'))).toEqual([errors[0]]);
    expect(
      problemsOf(
        text.replace(
          '{ kind: mail, site: post.example, username: sam, password: "Spring-2024!" }',
          '{ kind: mail, site: post.example, username: sam, password: "spring-2024" }',
        ),
      ),
    ).toEqual([errors[1]]);
  });
});
