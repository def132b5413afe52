import { join } from 'node:path';
import { LOCAL_BLOCKS } from './address-plan.ts';
import type { Scenario } from '../../scenario/schema.ts';
import { hostNumbers } from '../../scenario/sites.ts';
import { loadStateCaPreset } from '../../scenario/state-ca.ts';
import type { Endpoint } from '../../interceptor/events.ts';
import { Interceptor } from '../../interceptor/interceptor.ts';
import { createLabPki } from '../../pki/lab-pki.ts';
import type { RunningHost } from './internet.ts';
import { InterceptPolicy } from '../../interceptor/policy.ts';

export interface UpstreamAttacker {
  interceptor: Interceptor;
  endpoints: Map<string, Endpoint>;
  close(): Promise<void>;
}

/**
 * A second attacker beyond the ISP: its own interceptor, with a CA no one trusts, on the
 * upstream path to the sites it hijacks (the sloppy scenario; Durumeric et al. 2017).
 */
export async function startUpstreamAttacker(scenario: Scenario, sites: RunningHost[], stateDir: string, webRoot: string): Promise<UpstreamAttacker> {
  const numbers = hostNumbers(scenario.sites);
  const pki = await createLabPki({ dir: join(stateDir, 'upstream-attacker'), profile: loadStateCaPreset('upstream-attacker'), siteNames: [], keyPoolSize: 2 });
  const interceptor = new Interceptor({
    pki,
    upstreamRoots: [webRoot],
    policy: new InterceptPolicy({ mode: 'intercept-all', targets: [], plainHttp: 'pass', upstreamCheck: true, validatesUpstream: true, installPageHost: null }),
  });
  const endpoints = new Map<string, Endpoint>();
  for (const name of scenario.attacker?.impersonates ?? []) {
    const site = sites.find((s) => s.name === name);
    if (!site?.httpsPort) throw new Error(`the upstream attacker cannot impersonate ${name}: no such HTTPS site in the lab`);
    const at = await interceptor.listen({
      address: `${LOCAL_BLOCKS.hijack}.${numbers.get(name)}`,
      port: 0,
      protocol: 'tls',
      originalDestination: () => ({ destination: { address: site.address, port: site.httpsPort! }, name }),
    });
    endpoints.set(name, at);
  }
  return {
    interceptor,
    endpoints,
    close: async () => {
      await interceptor.close();
      pki.close();
    },
  };
}
