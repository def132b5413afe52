/**
 * What a container of the docker lab runs (bundled into dist/container/main.js by `npm run build`), by role:
 *   pki              make the lab's keys and docker-lab.json (docker/compose.yaml only)
 *   isp              the ISP box: router, lab DNS, transparent interceptor
 *   router <service> one hop between the subscribers, the box and the sites (interceptor.location)
 *   site <host>      one site on its own address, ports 443 and 80
 *   probe            a researcher's probe on a subscriber line: a ProbeJob on stdin, its result on stdout
 *   client <name>    a subscriber's machine: route through the ISP, trust store, then serve
 *                    tlslab's session steps on agent.sock in its folder (agent.ts)
 * Every role but `pki` and `probe` waits for the state folder's docker-lab.json first.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
// Light imports only: every container starts here, and each role loads its own modules below.
import { MANIFEST_FILE, readManifest } from '../host-state.ts';
import type { DockerLabManifest } from '../manifest.ts';
import { STATE_MOUNT } from '../paths.ts';
import { NotInThisLab } from './not-in-this-lab.ts';
import { READY_DIR } from './ready.ts';

const USAGE = 'usage: node dist/container/main.js pki | probe | isp | router <service> | site <host> | client <name>';
const [role, name] = process.argv.slice(2);

/** The service, host or client name the role needs as its second argument. */
function nameArgument(): string {
  if (!name) throw new Error(`${role} needs a name\n${USAGE}`);
  return name;
}

async function manifest(): Promise<DockerLabManifest> {
  const deadline = Date.now() + 120_000;
  while (!existsSync(join(STATE_MOUNT, MANIFEST_FILE))) {
    if (Date.now() > deadline) throw new Error(`no ${MANIFEST_FILE} in ${STATE_MOUNT} after 120 s: is the state volume mounted?`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return readManifest(STATE_MOUNT);
}

try {
  // A marker left from the last start would say "ready" before this one serves (healthchecks read it).
  if (role === 'isp' || role === 'router' || role === 'site' || role === 'client') rmSync(join(STATE_MOUNT, READY_DIR), { recursive: true, force: true });
  switch (role) {
    case 'pki':
      await (await import('./pki.ts')).runPki();
      break;
    case 'isp':
      await (await import('./isp.ts')).runIsp(await manifest());
      break;
    case 'probe':
      await (await import('./probe.ts')).runProbe();
      break;
    case 'router':
      await (await import('./router.ts')).runRouter(await manifest(), nameArgument());
      break;
    case 'site':
      await (await import('./site.ts')).runSite(await manifest(), nameArgument());
      break;
    case 'client':
      await (await import('./client.ts')).runClient(await manifest(), nameArgument());
      break;
    default:
      console.error(USAGE);
      process.exitCode = 2;
  }
} catch (err) {
  // A container of another scenario's lab is a usage mistake: one sentence, no stack.
  const text = err instanceof NotInThisLab ? err.message : ((err as Error).stack ?? String(err));
  console.error(`tlslab ${role}${name ? ` ${name}` : ''}: ${text}`);
  process.exit(1);
}
