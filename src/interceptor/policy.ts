/**
 * Which connections the ISP box re-signs, passes, or answers with the install page.
 * Policy is data plus small pure functions; the front end (mechanism) asks, never decides.
 */
export interface InterceptPolicySpec {
  /** sni-targets: the 2019 device (Raman et al.: only a list of SNIs); intercept-all; none. */
  mode: 'sni-targets' | 'intercept-all' | 'none';
  /** Hostnames; "*.name" matches names below `name`. */
  targets: string[];
  /**
   * Names blocked outright, as beside the interception in Kazakhstan 2021–24 (OONI 2024): a
   * ClientHello naming one, or plain HTTP to one, is answered with a TCP reset. Same matching
   * as targets; none when absent.
   */
  blocks?: string[];
  /** Plain-HTTP visitors sent to the "install the national certificate" page. */
  plainHttp: 'install-page-for-targets' | 'install-page-for-all' | 'pass';
  /** Intercept only when the real server shows a browser-trusted certificate (the paper's third trigger). */
  upstreamCheck: boolean;
  /** Verify the real server on the box's own upstream connections (false: a sloppy product). */
  validatesUpstream: boolean;
  /** The state's install page, or null when the lab has none (then plain HTTP is only read). */
  installPageHost: string | null;
}

export interface Decision<A extends string> {
  action: A;
  reason: string;
}

/** Host names compare without case and without a final dot (RFC 4343, RFC 1034 3.1). */
export function normaliseHost(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Does a list of names ("*.name" for every name below it) cover this one? */
export function listCovers(list: readonly string[], name: string | null): boolean {
  if (!name) return false;
  const host = normaliseHost(name);
  return list.some((t) => {
    const entry = t.toLowerCase();
    if (entry.startsWith('*.')) return host.endsWith(entry.slice(1));
    return host === entry;
  });
}

export function isTargeted(spec: InterceptPolicySpec, name: string | null): boolean {
  return listCovers(spec.targets, name);
}

export function isBlocked(spec: InterceptPolicySpec, name: string | null): boolean {
  return listCovers(spec.blocks ?? [], name);
}

/** First decision on a TLS connection, from the ClientHello alone. */
export function decideTls(spec: InterceptPolicySpec, sni: string | null): Decision<'intercept' | 'pass' | 'block'> {
  // The block list is read first: a blocked name is never forged, whatever the mode.
  if (isBlocked(spec, sni)) return { action: 'block', reason: `SNI ${sni} is on the block list: the box resets the connection` };
  switch (spec.mode) {
    case 'none':
      return { action: 'pass', reason: 'this ISP does not intercept' };
    case 'intercept-all':
      return sni
        ? { action: 'intercept', reason: `intercepts every name (SNI ${sni})` }
        : { action: 'pass', reason: 'no SNI in the ClientHello: no name to forge a certificate for' };
    case 'sni-targets':
      if (!sni) return { action: 'pass', reason: 'no SNI in the ClientHello; the 2019 device triggered on SNI only' };
      return isTargeted(spec, sni)
        ? { action: 'intercept', reason: `SNI ${sni} is on the target list` }
        : { action: 'pass', reason: `SNI ${sni} is not on the target list` };
  }
}

/** Second trigger: what the real server presented. */
export function decideOnUpstream(spec: InterceptPolicySpec, upstream: { trusted: boolean; error: string | null }): Decision<'intercept' | 'pass'> {
  if (upstream.trusted) return { action: 'intercept', reason: 'the real server presented a browser-trusted certificate' };
  if (!spec.upstreamCheck) {
    return { action: 'intercept', reason: `the real server's certificate is not browser-trusted (${upstream.error}), and this box forges anyway` };
  }
  return { action: 'pass', reason: `the real server's certificate is not browser-trusted (${upstream.error}); the device leaves it alone` };
}

export function decideHttp(spec: InterceptPolicySpec, host: string | null): Decision<'install-page' | 'pass'> {
  const name = host ? normaliseHost(host.replace(/:\d+$/, '')) : null;
  if (spec.installPageHost === null) return { action: 'pass', reason: `plain HTTP to ${name}: read and passed on (there is no install page)` };
  if (name === spec.installPageHost) return { action: 'pass', reason: 'the install page itself' };
  if (spec.plainHttp === 'install-page-for-all' || (spec.plainHttp === 'install-page-for-targets' && isTargeted(spec, name))) {
    return { action: 'install-page', reason: `plain HTTP to ${name}: sent to the install page` };
  }
  return { action: 'pass', reason: `plain HTTP to ${name}: read and passed on` };
}

/** The box's own answer to a plain-HTTP request, or null to forward it: the install page (qca.kz in 2019). */
export function plainHttpAnswer(
  spec: InterceptPolicySpec,
  host: string,
  url: string,
): { status: number; statusText: string; headers: { Location: string; [name: string]: string }; body: string } | null {
  if (decideHttp(spec, host).action !== 'install-page') return null;
  const location = `http://${spec.installPageHost}/?from=${encodeURIComponent(url)}`;
  return {
    status: 302,
    statusText: 'Found',
    headers: { Location: location, 'Cache-Control': 'no-store', 'Content-Type': 'text/html; charset=utf-8' },
    body: `<a href="${location}">Install the national security certificate</a>\n`,
  };
}

export function explainPolicy(spec: InterceptPolicySpec): string {
  const http =
    spec.plainHttp === 'pass' || spec.installPageHost === null
      ? 'plain HTTP is read and passed on'
      : `plain-HTTP visitors${spec.plainHttp === 'install-page-for-targets' ? ' of targeted names' : ''} are sent to http://${spec.installPageHost}/`;
  switch (spec.mode) {
    case 'none':
      return `no TLS interception; ${http}`;
    case 'intercept-all':
      return `re-sign TLS for every name; ${http}`;
    case 'sni-targets':
      return (
        `re-sign TLS when the SNI is one of ${spec.targets.length} targeted names (${spec.targets.join(', ')})` +
        (spec.upstreamCheck ? ' and the real server shows a browser-trusted certificate' : '') +
        `; pass everything else through untouched; ${http}`
      );
  }
}
