/**
 * `tlslab`: argument parsing only; each command lives in its own file, loaded when that command
 * runs, so that `tlslab --help` or a typo answers at once instead of loading the whole lab.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { projectPath } from '../project-root.ts';
import { exitWithError } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import { OPTIONS } from './options.ts';
import { runtimesWith } from '../runtime/runtimes.ts';

type Action = (...args: never[]) => unknown;
/** The action `name` of a command module, imported only when the command runs. */
function lazy<K extends string>(load: () => Promise<Record<K, Action>>, name: K) {
  return async (...args: unknown[]): Promise<void> => {
    await (await load())[name](...(args as never[]));
  };
}

const { version } = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string };

const program = new Command('tlslab')
  .description('Reproduce state-level HTTPS interception (Kazakhstan 2019/2020) and watch what each defence does.')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError()
  // A usage mistake exits 2, like every other one (exit-codes.ts); --help and --version exit 0.
  // Set before the commands are added, so that every one of them inherits it.
  .exitOverride((err: CommanderError) => {
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  });

program
  .command('run')
  .description('run a scenario end to end and print what the interceptor read')
  .argument('<scenario>', 'scenario name (see `tlslab list`) or path to a scenario YAML file')
  .addOption(OPTIONS.json())
  .addOption(OPTIONS.junit())
  .addOption(OPTIONS.har())
  .addOption(OPTIONS.keylog())
  .addOption(OPTIONS.pcap())
  .addOption(OPTIONS.screenshots())
  .addOption(OPTIONS.report())
  .addOption(OPTIONS.stateDir())
  .addOption(OPTIONS.keepState())
  .addOption(OPTIONS.clients())
  .addOption(OPTIONS.runtime())
  .addOption(OPTIONS.verbose())
  .action(lazy(() => import('./commands/run.ts'), 'runCommand'));

program
  .command('matrix')
  .description('every client profile against every interceptor variant, from real handshakes')
  .addOption(OPTIONS.json())
  .addOption(OPTIONS.junit())
  .addOption(OPTIONS.markdown())
  .addOption(OPTIONS.variants())
  .addOption(OPTIONS.profiles())
  .addOption(OPTIONS.runtime())
  .addOption(OPTIONS.verbose())
  .addOption(OPTIONS.stateDir())
  .action(lazy(() => import('./commands/matrix.ts'), 'matrixCommand'));

program
  .command('cert')
  .description('certificate tools')
  .command('diff')
  .description('the certificate a site really has next to the one a subscriber is shown through the ISP box')
  .argument('<site>', 'a lab site, e.g. bank.example')
  .addOption(OPTIONS.scenario())
  .addOption(OPTIONS.stateDir())
  .option('--json', 'print both certificates and the diff as JSON')
  .action(lazy(() => import('./commands/cert-diff.ts'), 'certDiffCommand'));

program
  .command('detect')
  .description(
    `find the ISP box as the researchers did: its targets (the same ClientHello with a control SNI and with each name) and, with ${runtimesWith((r) => r.hops)}, its hop (the triggering ClientHello with growing TTL)`,
  )
  .addOption(OPTIONS.scenario())
  .addOption(OPTIONS.runtime())
  .addOption(OPTIONS.stateDir())
  .option('--json', 'print every probe and the score as JSON')
  .action(lazy(() => import('./commands/detect.ts'), 'detectCommand'));

program
  .command('test')
  .description('run your own program as a subscriber (no proxy settings) and say, site by site, whether the ISP box read it; exit 1 if it did')
  .argument('<command...>', "the program and its arguments, after --; {url} becomes each site's URL in turn")
  .addOption(OPTIONS.scenario())
  .option('--trust <roots>', "what the program trusts: web (ignored the state's request) or web,state (installed the root)", 'web,state')
  .option('--sites <names>', 'comma-separated sites to try (default: every web site of the scenario)')
  .option('--timeout <seconds>', 'how long one run of the program may take', '20')
  .option('--image <image>', `with ${runtimesWith((r) => r.program === 'image')}: the image the program runs in, as a subscriber's machine`)
  .addOption(OPTIONS.json())
  .addOption(OPTIONS.junit())
  .addOption(OPTIONS.stateDir())
  .addOption(OPTIONS.runtime())
  .action(lazy(() => import('./commands/test.ts'), 'testCommand'));

program
  .command('list')
  .description('list the scenarios with one-line descriptions')
  .action(lazy(() => import('./commands/list.ts'), 'listCommand'));

program
  .command('validate')
  .description('check scenario files without starting anything: every problem with its file, line and field')
  .argument('<files...>', 'scenario YAML files')
  .action(lazy(() => import('./commands/validate.ts'), 'validateCommand'));

program
  .command('up')
  .description("start a scenario's lab and keep it running for hands-on work (Ctrl-C stops it)")
  .argument('<scenario>', 'scenario name or path')
  .addOption(OPTIONS.pcap())
  .addOption(OPTIONS.stateDir())
  .addOption(OPTIONS.runtime())
  .addOption(OPTIONS.verbose())
  .action(lazy(() => import('./commands/up.ts'), 'upCommand'));

program
  .command('console')
  .description("start a scenario's lab and a web console on 127.0.0.1 for classroom walkthroughs (Ctrl-C stops both)")
  .addOption(OPTIONS.scenario())
  .addOption(OPTIONS.consolePort())
  .addOption(OPTIONS.consoleMatrix())
  .addOption(OPTIONS.stateDir())
  .addOption(OPTIONS.runtime())
  .addOption(OPTIONS.verbose())
  .action(lazy(() => import('./commands/console.ts'), 'consoleCommand'));

program.parseAsync().catch(exitWithError);
