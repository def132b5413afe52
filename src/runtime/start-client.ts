/**
 * A scenario's client, started as the program its profile names: scripted (Node TLS), the
 * real curl or openssl s_client, or Debian's Chromium.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BLOCKLISTS, type BlocklistEmulation } from '../clients/browser-blocklists.ts';
import type { ChromiumProfile } from '../clients/chromium/chromium-client.ts';
import { CommandClient } from '../clients/command-client.ts';
import { curlFetcher } from '../clients/curl-fetcher.ts';
import type { ClientContext, LabClient } from '../clients/lab-client.ts';
import { opensslFetcher } from '../clients/openssl-fetcher.ts';
import { ScriptedClient } from '../clients/scripted-session.ts';
import type { TrustFacts } from '../clients/trust-facts.ts';
import type { ClientSpec } from '../scenario/schema.ts';

export async function startClient(spec: ClientSpec, ctx: ClientContext, facts: TrustFacts): Promise<LabClient> {
  await mkdir(ctx.workDir, { recursive: true, mode: 0o700 });
  if (typeof spec.program === 'object') return new CommandClient(spec.program.command, ctx.runProgram);
  if (spec.program === 'chromium') {
    // Loaded only for a browser: playwright-core is most of a client's start-up (a docker lab
    // starts one agent per subscriber).
    const { ChromiumClient } = await import('../clients/chromium/chromium-client.ts');
    return ChromiumClient.launch(ctx, chromiumProfileOf(spec, facts));
  }
  const trust = spec.trusts.map((t) => (t === 'web' ? ctx.roots.web : ctx.roots.state));
  const caBundleFile = join(ctx.workDir, 'ca.pem');
  await writeFile(caBundleFile, trust.join(''));
  const fetcher =
    spec.program === 'curl'
      ? curlFetcher({ network: ctx.network, hosts: [...ctx.network.names], caBundleFile, workDir: ctx.workDir })
      : spec.program === 'openssl'
        ? opensslFetcher({ network: ctx.network, caBundleFile })
        : undefined;
  return new ScriptedClient({ spec, trust, network: ctx.network, facts, fetcher });
}

/**
 * Real Chromium's side of a profile: a block list becomes a CRLSet in the browser's own
 * profile (BlockedSPKIs → ERR_CERT_REVOKED, or BlockedInterceptionSPKIs →
 * ERR_CERT_KNOWN_INTERCEPTION_BLOCKED), as the release it names blocked this lab's state CA.
 */
function chromiumProfileOf(spec: ClientSpec, facts: TrustFacts): ChromiumProfile {
  const list: BlocklistEmulation | undefined = spec.defences?.blockedRoots ? BLOCKLISTS[spec.defences.blockedRoots] : undefined;
  const blocked = list?.blocks[facts.stateProfile];
  return {
    trusts: spec.trusts,
    distrust: !!blocked,
    distrustAs: blocked?.code.includes('KNOWN_INTERCEPTION') ? 'known-interception' : 'revoked',
    clickThrough: spec.clickThrough,
    hstsPreload: facts.hstsPreload,
  };
}
