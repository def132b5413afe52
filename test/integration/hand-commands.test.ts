/**
 * `tlslab up` prints commands to try by hand, each with what it must show, worked out from the
 * scenario's policy, targets and clients (scenario/hand-tries.ts). For every shipped scenario,
 * on the local runtime, every printed command is run as a person would paste it, and what it
 * prints and how it exits must be what the comment above it says.
 */
import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/runtime/lab.ts';
import { startLab } from '../../src/runtime/start-lab.ts';
import { handTries } from '../../src/scenario/hand-tries.ts';
import { listScenarios, resolveScenario, scenariosDir } from '../../src/scenario/loader.ts';

const run = (command: string) =>
  new Promise<{ exit: number | null; stdout: string }>((resolve) => {
    // Asynchronous: the lab answers from this very process.
    execFile('sh', ['-c', command], { timeout: 20_000 }, (err, stdout) => {
      const code = err ? (err as NodeJS.ErrnoException & { code?: unknown }).code : 0;
      resolve({ exit: typeof code === 'number' ? code : null, stdout });
    });
  });

const scenarios = (await listScenarios(scenariosDir())).map((s) => s.name);

describe.each(scenarios)('the hand commands of %s', (name) => {
  let lab: Lab | undefined;
  afterAll(() => lab?.stop());

  it('each prints what its comment says, and exits as it says', async () => {
    const scenario = await resolveScenario(name);
    lab = await startLab(scenario);
    const commands = lab.handCommands(handTries(scenario, lab.describe()));
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const c of commands) {
      const r = await run(c.command);
      expect({ title: c.title, exit: r.exit, printed: r.stdout.includes(c.expect!.prints) }, `${c.command}\nprinted: ${r.stdout}`).toEqual({
        title: c.title,
        exit: c.expect!.exit,
        printed: true,
      });
    }
  });
});

describe('what the commands claim follows the scenario', () => {
  it("kz-2019: curl without the root is refused at the bank, the login with it goes through with the scenario's own password", async () => {
    const scenario = await resolveScenario('kz-2019');
    const lab = await startLab(scenario);
    try {
      const commands = lab.handCommands(handTries(scenario, lab.describe()));
      expect(commands.map((c) => c.title)).toEqual([
        'A subscriber WITHOUT the state root: curl refuses the forged certificate for bank.example',
        'A subscriber WITH the state root: the login to bank.example goes through, and the ISP reads the password',
        'The forged chain of bank.example, as openssl sees it: issued by "Security Certificate"',
        'An untargeted site, news.example: its own chain, issued by "Lab TLS Issuing CA 1", for everyone',
        'Plain HTTP to bank.example: the box answers itself, sending the visitor to the install page',
      ]);
      expect(commands[1]!.command).toContain("-d 'username=alice&password=Almaty-2019!'");
    } finally {
      await lab.stop();
    }
  });

  it('baseline: nothing is forged, so no command claims a refusal', async () => {
    const scenario = await resolveScenario('baseline');
    const lab = await startLab(scenario);
    try {
      const commands = lab.handCommands(handTries(scenario, lab.describe()));
      expect(commands.some((c) => /refuses|forged/.test(c.title))).toBe(false);
      expect(commands.every((c) => c.expect!.exit === 0)).toBe(true);
    } finally {
      await lab.stop();
    }
  });
});
