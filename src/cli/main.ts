/** `tlslab`: argument parsing only; each command lives in its own file (style.md 11). */
import { Command } from 'commander';
import { certDiffCommand } from './commands/cert-diff.ts';
import { consoleCommand } from './commands/console.ts';
import { listCommand } from './commands/list.ts';
import { matrixCommand } from './commands/matrix.ts';
import { runCommand } from './commands/run.ts';
import { upCommand } from './commands/up.ts';
import { exitWithError } from './errors.ts';
import { OPTIONS } from './options.ts';

const program = new Command('tlslab')
  .description('Reproduce state-level HTTPS interception (Kazakhstan 2019/2020) and watch what each defence does.')
  .showHelpAfterError();

program
  .command('run')
  .description('run a scenario end to end and print what the interceptor read')
  .argument('<scenario>', 'scenario name (see `tlslab list`) or path to a scenario YAML file')
  .addOption(OPTIONS.json())
  .addOption(OPTIONS.har())
  .addOption(OPTIONS.keylog())
  .addOption(OPTIONS.stateDir())
  .addOption(OPTIONS.keepState())
  .addOption(OPTIONS.clients())
  .addOption(OPTIONS.runtime())
  .action(runCommand);

program
  .command('matrix')
  .description('every client profile against every interceptor variant, from real handshakes')
  .addOption(OPTIONS.json())
  .addOption(OPTIONS.markdown())
  .addOption(OPTIONS.only())
  .addOption(OPTIONS.stateDir())
  .action(matrixCommand);

program
  .command('cert')
  .description('certificate tools')
  .command('diff')
  .description('the certificate a site really has next to the one a subscriber is shown through the ISP box')
  .argument('<site>', 'a lab site, e.g. bank.example')
  .addOption(OPTIONS.scenario())
  .addOption(OPTIONS.stateDir())
  .option('--json', 'print both certificates and the diff as JSON')
  .action(certDiffCommand);

program.command('list').description('list the scenarios with one-line descriptions').action(listCommand);

program
  .command('up')
  .description('start a scenario\'s lab and keep it running for hands-on work (Ctrl-C stops it)')
  .argument('<scenario>', 'scenario name or path')
  .addOption(OPTIONS.stateDir())
  .addOption(OPTIONS.runtime())
  .action(upCommand);

program
  .command('console')
  .description('start a scenario\'s lab and a web console on 127.0.0.1 for classroom walkthroughs (Ctrl-C stops both)')
  .addOption(OPTIONS.scenario())
  .addOption(OPTIONS.consolePort())
  .addOption(OPTIONS.consoleMatrix())
  .addOption(OPTIONS.stateDir())
  .addOption(OPTIONS.runtime())
  .action(consoleCommand);

program.parseAsync().catch(exitWithError);
