import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describeEvent } from '../../interceptor/describe-event.ts';
import type { Lab, LabDescription, RuntimeName } from '../../runtime/lab.ts';
import { RUNTIMES } from '../../runtime/runtimes.ts';
import { startLab } from '../../runtime/start-lab.ts';
import type { HandCommand } from '../../runtime/hand-command.ts';
import { handTries } from '../../scenario/hand-tries.ts';
import { resolveScenario } from '../../scenario/loader.ts';
import { policyOf } from '../../scenario/scenario-policy.ts';
import { installShutdown, onShutdown } from '../shutdown.ts';
import { labStartProgress } from '../progress.ts';

export async function upCommand(name: string, opts: { stateDir: string; runtime: RuntimeName; verbose?: boolean; pcap?: string }): Promise<void> {
  // Ctrl-C, SIGTERM, SIGHUP or a closed stdout is how `up` is meant to end (exit 0), at any moment (shutdown.ts).
  installShutdown({ signalExitCode: 0 });
  const scenario = await resolveScenario(name);
  // On stderr, so that stdout stays the lab's description and readout (`tlslab up | tee`).
  process.stderr.write(`Starting the ${scenario.name} lab (fresh keys, sites, ISP box; ${RUNTIMES[opts.runtime].where})…\n`);
  const shown = labStartProgress(opts.verbose);
  const starting = startLab(scenario, { runtime: opts.runtime, stateRoot: opts.stateDir, onPhase: shown.onPhase });
  void starting.then(shown.ready, shown.finish);
  onShutdown(async () => (await starting.catch(() => null))?.stop());
  const lab: Lab = await starting;
  const description = lab.describe();
  const commands = lab.handCommands(handTries(scenario, description));
  const factsFile = join(description.stateDir, 'lab.json');
  const facts = {
    ...description,
    policy: {
      mode: scenario.interceptor.policy,
      targets: scenario.interceptor.targets ?? [],
      plainHttp: scenario.interceptor.plainHttp,
      explain: policyOf(scenario).explain(),
    },
    // What the box records, as it happens (docs/isp-box.md).
    records: description.records,
    commands,
  };
  await writeFile(factsFile, JSON.stringify(facts, null, 2) + '\n');
  process.stdout.write(describeForPeople(description, commands, factsFile) + '\n');
  if (opts.pcap) {
    const file = opts.pcap;
    const capture = await lab.capturePackets();
    // Registered after the lab's stop, so it runs first: the packets are written while the keys still exist.
    onShutdown(async () => {
      const { packets } = await capture.save(file, lab.keylog());
      process.stderr.write(`Wrote packets ${file} (${packets} packets, both sides of the box, TLS secrets inside).\n`);
    });
    process.stdout.write(`Capturing both sides of the box; written to ${file} when the lab stops.\n`);
  }

  lab.onInterceptorEvent((e) => {
    const line = describeEvent(e);
    if (line && process.stdout.writable) process.stdout.write(`[isp] ${line}\n`);
  });
  // The lab's servers keep the process alive until a signal ends it.
}

function describeForPeople(d: LabDescription, commands: HandCommand[], factsFile: string): string {
  const lines: string[] = [];
  lines.push(`The ${d.scenario} lab is up (${d.runtime} runtime). Ctrl-C stops it and deletes its keys.`, '');
  lines.push('Hosts (clients reach every site through the ISP box):');
  const nameWidth = Math.max(...d.hosts.map((h) => h.name.length)) + 2;
  const addressWidth = Math.max(...d.hosts.map((h) => h.address.length)) + 2;
  for (const h of d.hosts) {
    if (h.role === 'site') {
      const via = [
        h.routes?.https && `https via ${h.routes.https.address}:${h.routes.https.port}`,
        h.routes?.http && `http via ${h.routes.http.address}:${h.routes.http.port}`,
      ].filter(Boolean);
      lines.push(`  ${h.name.padEnd(nameWidth)}${h.address.padEnd(addressWidth)}${via.join(', ')}`);
    } else {
      lines.push(`  ${h.name.padEnd(nameWidth)}${h.address.padEnd(addressWidth)}${h.description}`);
    }
  }
  lines.push('', 'Trust material:');
  const trust: Array<[string, string]> = [
    ['web PKI root (every client trusts it)', shellPath(d.trust.webRoot)],
    [`state root "${d.stateRoot.subjectCommonName}"`, `${shellPath(d.trust.stateRoot)} (DER: ${shellPath(d.trust.stateRootDer)})`],
    ['both, as an "installed" subscriber has', shellPath(d.trust.webAndStateRoots)],
  ];
  const labelWidth = Math.max(...trust.map(([l]) => l.length)) + 2;
  for (const [label, path] of trust) lines.push(`  ${label.padEnd(labelWidth)}${path}`);
  if (d.nameConstrained) lines.push(`  The state root is name-constrained to ${d.stateRoot.permittedDns?.map((x) => '.' + x).join(', ')}.`);
  lines.push('', 'Try by hand:');
  for (const c of commands)
    lines.push(`  # ${c.title}${c.expect ? ` (prints ${c.expect.prints}${c.expect.exit ? `, exits ${c.expect.exit}` : ''})` : ''}`, `  ${c.command}`, '');
  lines.push(`The same facts as JSON: ${shellPath(factsFile)}`, '', 'What the ISP box sees appears below as it happens:');
  return lines.join('\n');
}

function shellPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}
