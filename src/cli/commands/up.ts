import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describeEvent } from '../../interceptor/describe-event.ts';
import type { Lab, LabDescription, RuntimeName } from '../../runtime/lab.ts';
import { startLab } from '../../runtime/start-lab.ts';
import { resolveScenario } from '../../scenario/loader.ts';
import { installShutdown, onShutdown } from '../shutdown.ts';

export async function upCommand(name: string, opts: { stateDir: string; runtime: RuntimeName }): Promise<void> {
  // Ctrl-C, SIGTERM, SIGHUP or a closed stdout is how `up` is meant to end (exit 0), at any moment (shutdown.ts).
  installShutdown({ signalExitCode: 0 });
  const scenario = await resolveScenario(name);
  const starting = startLab(scenario, { runtime: opts.runtime, stateRoot: opts.stateDir });
  onShutdown(async () => (await starting.catch(() => null))?.stop());
  const lab: Lab = await starting;
  const description = lab.describe();
  const factsFile = join(description.stateDir, 'lab.json');
  await writeFile(factsFile, JSON.stringify({ ...description, commands: handCommands(description) }, null, 2) + '\n');
  process.stdout.write(describeForPeople(description, factsFile) + '\n');

  lab.onInterceptorEvent((e) => {
    const line = describeEvent(e);
    if (line && process.stdout.writable) process.stdout.write(`[isp] ${line}\n`);
  });
  // The lab's servers keep the process alive until a signal ends it.
}

export interface HandCommand {
  title: string;
  command: string;
}

/** Ready-to-paste commands that go through the ISP box exactly as a subscriber's would. */
export function handCommands(d: LabDescription): HandCommand[] {
  if (d.docker) return dockerHandCommands(d);
  const site = (n: string) => d.hosts.find((h) => h.name === n);
  const commands: HandCommand[] = [];
  const rel = (p: string) => shellPath(p);
  const bank = site('bank.example')?.routes?.https;
  const news = site('news.example')?.routes?.https;
  const social = site('social.example')?.routes?.http;
  if (bank) {
    commands.push(
      {
        title: 'A subscriber WITHOUT the state root: curl refuses the forged certificate',
        command: `curl -sS --cacert ${rel(d.trust.webRoot)} --connect-to bank.example:443:${bank.address}:${bank.port} https://bank.example/login -o /dev/null -w '%{http_code}\\n'`,
      },
      {
        title: 'A subscriber WITH the state root: the login goes through, and the ISP reads it',
        command: `curl -sS --cacert ${rel(d.trust.webAndStateRoots)} --connect-to bank.example:443:${bank.address}:${bank.port} -d 'username=alice&password=Almaty-2019!' https://bank.example/login -o /dev/null -w '%{http_code} %{redirect_url}\\n'`,
      },
      {
        title: 'The forged chain, as openssl sees it (issuer: Security Certificate)',
        command: `openssl s_client -connect ${bank.address}:${bank.port} -servername bank.example -CAfile ${rel(d.trust.webAndStateRoots)} -showcerts </dev/null`,
      },
    );
  }
  if (news) {
    commands.push({
      title: 'An untargeted site: the original chain (issuer: Lab TLS Issuing CA 1)',
      command: `openssl s_client -connect ${news.address}:${news.port} -servername news.example -CAfile ${rel(d.trust.webRoot)} -showcerts </dev/null`,
    });
  }
  if (social) {
    commands.push({
      title: 'Plain HTTP to a targeted site: sent to the install page',
      command: `curl -sS -i --connect-to social.example:80:${social.address}:${social.port} http://social.example/`,
    });
  }
  return commands;
}

/** In the docker lab a person works from a subscriber's own machine: a shell in its container. */
function dockerHandCommands(d: LabDescription): HandCommand[] {
  const containers = d.docker!.containers;
  const clients = d.hosts.filter((h) => h.role === 'client');
  const without = clients.find((c) => containers[c.name] && !/trusts: [^)]*state/.test(c.description));
  const withRoot = clients.find((c) => containers[c.name] && /trusts: [^)]*state/.test(c.description));
  const commands: HandCommand[] = [];
  if (without) {
    commands.push({
      title: `A shell on ${without.name}'s machine (no state root): curl refuses the forged certificate`,
      command: `docker exec -it ${containers[without.name]} curl -sS https://bank.example/login -o /dev/null -w '%{http_code}\\n'`,
    });
  }
  if (withRoot) {
    commands.push(
      {
        title: `${withRoot.name} (state root installed): the login goes through, and the ISP reads it`,
        command: `docker exec -it ${containers[withRoot.name]} curl -sS -d 'username=alice&password=Almaty-2019!' https://bank.example/login -o /dev/null -w '%{http_code} %{redirect_url}\\n'`,
      },
      {
        title: 'The forged chain, as openssl sees it (issuer: Security Certificate)',
        command: `docker exec -it ${containers[withRoot.name]} sh -c 'openssl s_client -connect bank.example:443 -servername bank.example -showcerts </dev/null'`,
      },
      { title: 'Or an interactive shell there', command: `docker exec -it ${containers[withRoot.name]} bash` },
    );
  }
  commands.push({ title: 'The ISP box\'s own log: its router set-up, then the same readout as here', command: `docker logs -f ${containers.isp}` });
  return commands;
}

function describeForPeople(d: LabDescription, factsFile: string): string {
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
  for (const c of handCommands(d)) lines.push(`  # ${c.title}`, `  ${c.command}`, '');
  lines.push(`The same facts as JSON: ${shellPath(factsFile)}`, '', 'What the ISP box sees appears below as it happens:');
  return lines.join('\n');
}

function shellPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}
