import { InterceptPolicy } from '../interceptor/policy.ts';
import type { Scenario } from './schema.ts';
import { installPageHost } from './sites.ts';

/** The ISP box's policy as the scenario states it (every runtime's box, and every surface that explains it). */
export function policyOf(scenario: Scenario): InterceptPolicy {
  return new InterceptPolicy({
    mode: scenario.interceptor.policy,
    targets: scenario.interceptor.targets ?? [],
    blocks: scenario.interceptor.blocks,
    plainHttp: scenario.interceptor.plainHttp,
    upstreamCheck: scenario.interceptor.upstreamCheck,
    validatesUpstream: scenario.interceptor.validatesUpstream,
    installPageHost: installPageHost(scenario.sites) ?? null,
  });
}
