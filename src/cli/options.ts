/** Every CLI option, declared once with its help, default and environment variable. */
import { Option } from 'commander';
import { RUNTIME_NAMES, RUNTIMES } from '../runtime/runtimes.ts';

export const OPTIONS = {
  json: () =>
    new Option('--json <file>', 'write the report as JSON (the report contract of docs/architecture.md); - prints it to stdout instead of the narration'),
  junit: () => new Option('--junit <file>', 'write JUnit XML for CI: one testcase per expectation (per site for `test`)'),
  har: () => new Option('--har <file>', 'write what the interceptor read as HAR 1.2 (opens in Chrome DevTools)'),
  keylog: () => new Option('--keylog <file>', "write the interceptor's TLS secrets as SSLKEYLOGFILE lines (for Wireshark)"),
  pcap: () =>
    new Option(
      '--pcap <file>',
      'capture both sides of the ISP box as pcapng with its TLS secrets inside: Wireshark shows what it read, no key log needed (tcpdump, as root)',
    ),
  screenshots: () =>
    new Option('--screenshots <dir>', "keep Chromium's screenshots of each step in this folder (otherwise they go with the lab, unless --keep-state)"),
  report: () =>
    new Option('--report <file>', 'write a handout of the run a teacher can give out: report.html (one self-contained page, screenshots inside) or report.md'),
  verbose: () => new Option('--verbose', "print each phase of the lab's start (keys, sites, the box, containers) and each step with its time"),
  clients: () => new Option('--clients <names...>', 'run only these clients of the scenario (e.g. no-cert installed-cert, for a run of a few seconds)'),
  markdown: () => new Option('--markdown <file>', 'write the matrix as a Markdown document'),
  variants: () => new Option('--variants <names>', 'run only these interceptor variants, comma-separated (scenario names with a matrix block)'),
  profiles: () => new Option('--profiles <names>', 'run only these client profiles, comma-separated (rows of the matrix)'),
  scenario: () => new Option('--scenario <name>', 'the scenario whose lab to start').default('kz-2019'),
  stateDir: () =>
    new Option('--state-dir <dir>', "parent folder of the lab's state folder (keys 0600, certificates, lab.json)").env('TLSLAB_STATE_DIR').default('.tlslab'),
  keepState: () => new Option('--keep-state', "keep the lab's state folder (keys and certificates) after the run").default(false),
  consolePort: () => new Option('--port <n>', 'port of the console on 127.0.0.1 (0: a free one, printed)').env('TLSLAB_CONSOLE_PORT').default('0'),
  runtime: () =>
    new Option('--runtime <runtime>', `where the lab runs: ${RUNTIME_NAMES.map((r) => `${r} (${RUNTIMES[r].summary})`).join(' or ')}`)
      .choices(RUNTIME_NAMES)
      .env('TLSLAB_RUNTIME')
      .default('local'),
  consoleMatrix: () => new Option('--matrix <file>', 'show this `tlslab matrix --json` result in the console'),
};
