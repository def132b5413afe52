import type { LabSite } from '../../src/scenario/sites.ts';
import type { SiteDefinition } from '../../src/sites/site.ts';
import { bankSite } from './bank.ts';
import { cdnSite, type CdnOptions } from './cdn.ts';
import { installPageSite, type InstallPageOptions } from './install-page.ts';
import { mailSite } from './mail.ts';
import { newsSite } from './news.ts';
import { outsideSite } from './outside.ts';
import { searchSite } from './search.ts';
import { socialSite } from './social.ts';

export { bankSite, cdnSite, outsideSite, socialSite };

/** What some kinds need from the running lab: the state root for the install page, the origins for the CDN. */
interface SiteContext {
  install: InstallPageOptions;
  cdn: Omit<CdnOptions, 'name' | 'hsts'>;
}

/**
 * The site program of each host of the lab, freshly made (each call gets its own sessions). The
 * vpn kind is no web site: the runtimes start the tunnel exit (src/sites/tunnel-exit.ts) for it.
 */
export function siteDefinitions(world: readonly LabSite[], ctx: SiteContext): SiteDefinition[] {
  return world.flatMap((site): SiteDefinition[] => {
    switch (site.kind) {
      case 'bank':
        return [bankSite(site)];
      case 'social':
        return [socialSite(site)];
      case 'mail':
        return [mailSite(site)];
      case 'search':
        return [searchSite(site, world)];
      case 'news':
        return [newsSite(site)];
      case 'cdn':
        return [cdnSite({ ...ctx.cdn, name: site.host, hsts: site.hsts })];
      case 'install-page':
        return [installPageSite(site, ctx.install)];
      case 'outside':
        return [outsideSite(site)];
      case 'vpn':
        return [];
    }
  });
}
