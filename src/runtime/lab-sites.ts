/**
 * The lab's sites as definitions (no servers yet), the same for both runtimes: the targets, the
 * untargeted news site, the install page, the CDN edge and the site outside the lab's names.
 */
import { cdnSite, labSites, outsideSite } from '../../lab/sites/index.ts';
import type { Endpoint } from '../interceptor/events.ts';
import { describeCertificate } from '../pki/inspect.ts';
import type { StateCaProfile } from '../pki/profiles.ts';
import type { SiteDefinition } from '../sites/site.ts';

export interface LabSiteInputs {
  stateRootPem: string;
  stateRootDer: Buffer;
  webRootPem: string;
  profile: StateCaProfile;
  /** Where a name really listens, beyond the ISP (the CDN edge fetches its origins there). */
  realEndpoint(host: string, port: number): Endpoint | null;
}

export function labSiteDefinitions(opts: LabSiteInputs): SiteDefinition[] {
  const definitions = labSites({
    rootPem: opts.stateRootPem,
    rootDer: opts.stateRootDer,
    fileStem: opts.profile.installFileStem,
    authorityName: describeCertificate(opts.stateRootDer).subjectCommonName ?? opts.profile.id,
  });
  definitions.push(
    cdnSite({ origins: (host) => (host === 'cdn.example' ? null : opts.realEndpoint(host, 443)), originRoots: [opts.webRootPem] }),
    outsideSite(),
  );
  return definitions;
}
