import type { SiteDefinition } from '../../src/sites/site.ts';
import { bankSite } from './bank.ts';
import { installPageSite, type InstallPageOptions } from './install-page.ts';
import { mailSite } from './mail.ts';
import { newsSite } from './news.ts';
import { searchSite } from './search.ts';
import { socialSite } from './social.ts';

export { LAB_ACCOUNTS, type LabAccount } from './accounts.ts';
export { bankSite, installPageSite, mailSite, newsSite, searchSite, socialSite, type InstallPageOptions };

/** Every simulated site, freshly made (each call gets its own sessions). */
export function labSites(opts: InstallPageOptions): SiteDefinition[] {
  return [bankSite(), socialSite(), mailSite(), searchSite(), newsSite(), installPageSite(opts)];
}
