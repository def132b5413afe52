import type { SiteDefinition } from '../../src/sites/site.ts';
import { bankSite } from './bank.ts';
import { cdnSite, type CdnOptions } from './cdn.ts';
import { installPageSite, type InstallPageOptions } from './install-page.ts';
import { mailSite } from './mail.ts';
import { newsSite } from './news.ts';
import { outsideSite } from './outside.ts';
import { searchSite } from './search.ts';
import { socialSite } from './social.ts';

export { LAB_ACCOUNTS, type LabAccount } from './accounts.ts';
export { bankSite, installPageSite, mailSite, newsSite, searchSite, socialSite, type InstallPageOptions };
/** Not in labSites(): the runtime starts them, because the CDN needs its origins' addresses. */
export { cdnSite, outsideSite, type CdnOptions };

/** Every simulated site, freshly made (each call gets its own sessions). */
export function labSites(opts: InstallPageOptions): SiteDefinition[] {
  return [bankSite(), socialSite(), mailSite(), searchSite(), newsSite(), installPageSite(opts)];
}
