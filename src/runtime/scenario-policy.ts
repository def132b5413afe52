import type { InterceptPolicySpec } from '../interceptor/policy.ts';
import type { Scenario } from '../scenario/schema.ts';
import { installPageHost } from '../scenario/sites.ts';

/** The ISP box's policy as the scenario states it (both runtimes). */
export function policyOf(scenario: Scenario): InterceptPolicySpec {
  return {
    mode: scenario.interceptor.policy,
    targets: scenario.interceptor.targets ?? [],
    blocks: scenario.interceptor.blocks,
    plainHttp: scenario.interceptor.plainHttp,
    upstreamCheck: scenario.interceptor.upstreamCheck,
    validatesUpstream: scenario.interceptor.validatesUpstream,
    installPageHost: installPageHost(scenario.sites) ?? null,
  };
}
