import { standaloneComposePath } from '../paths.ts';
import type { DockerLabManifest } from '../manifest.ts';

/** A container asked to be a host the state volume's lab does not have: another scenario's compose file. */
export class NotInThisLab extends Error {
  constructor(m: DockerLabManifest, role: 'client' | 'site' | 'router', name: string) {
    const names =
      role === 'client'
        ? m.topology.clients.map((c) => c.name)
        : role === 'router'
          ? m.topology.routers.map((r) => r.service)
          : m.topology.sites.map((s) => s.name);
    super(
      `${name} is not a ${role} of the ${m.scenario.name} lab in this state volume (its ${role}s: ${names.join(', ')}). ` +
        `The volume was made for ${m.scenario.name}: use ${standaloneComposePath(m.scenario.name)}, or take the lab down with \`down -v\` and start the file you want`,
    );
    this.name = 'NotInThisLab';
  }
}
