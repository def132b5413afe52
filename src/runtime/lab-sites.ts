/**
 * The lab's sites as definitions (no servers yet), the same for both runtimes: every host the
 * scenario declares (src/scenario/sites.ts), made by its kind's site program (lab/sites/).
 */
import { siteDefinitions } from '../../lab/sites/index.ts';
import type { Endpoint } from '../interceptor/events.ts';
import { describeCertificate } from '../pki/inspect.ts';
import type { StateCaProfile } from '../pki/profiles.ts';
import type { LabSite } from '../scenario/sites.ts';
import type { SiteDefinition } from '../sites/site.ts';

interface LabSiteInputs {
  world: readonly LabSite[];
  stateRootPem: string;
  stateRootDer: Buffer;
  webRootPem: string;
  profile: StateCaProfile;
  /** Where a name really listens, beyond the ISP (the CDN edge fetches its origins there). */
  realEndpoint(host: string, port: number): Endpoint | null;
}

export function labSiteDefinitions(opts: LabSiteInputs): SiteDefinition[] {
  const edges = new Set(opts.world.filter((s) => s.kind === 'cdn').map((s) => s.host));
  return siteDefinitions(opts.world, {
    install: {
      rootPem: opts.stateRootPem,
      rootDer: opts.stateRootDer,
      fileStem: opts.profile.installFileStem,
      authorityName: describeCertificate(opts.stateRootDer).subjectCommonName ?? opts.profile.id,
    },
    // An edge serves every other lab name from its origin; it never fronts for itself or another edge.
    cdn: { origins: (host) => (edges.has(host) ? null : opts.realEndpoint(host, 443)), originRoots: [opts.webRootPem] },
  });
}

/** Sites that send Strict-Transport-Security, which the browser-like clients remember. */
export function hstsHosts(world: readonly LabSite[]): string[] {
  return world.filter((s) => s.hsts && s.kind !== 'install-page').map((s) => s.host);
}
