/**
 * Which connections the ISP box re-signs, passes, blocks, or answers with the install page: the
 * whole of the box's policy, as one object built from data (the scenario's `interceptor`). The
 * front end (interceptor.ts, mechanism) asks it at each trigger and obeys; every surface that
 * says what the box does (the report, `tlslab up`, the console) uses its one `explain()`.
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

interface Decision<A extends string> {
  action: A;
  reason: string;
}

/** Host names compare without case and without a final dot (RFC 4343, RFC 1034 3.1). */
function normaliseHost(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Does a list of names ("*.name" for every name below it) cover this one? */
function listCovers(list: readonly string[], name: string | null): boolean {
  if (!name) return false;
  const host = normaliseHost(name);
  return list.some((t) => {
    const entry = t.toLowerCase();
    if (entry.startsWith('*.')) return host.endsWith(entry.slice(1));
    return host === entry;
  });
}

/** The box's own answer to a plain-HTTP request (the install page). */
export interface BoxAnswer {
  status: number;
  statusText: string;
  headers: { Location: string; [name: string]: string };
  body: string;
}

export class InterceptPolicy {
  constructor(readonly spec: InterceptPolicySpec) {}

  get validatesUpstream(): boolean {
    return this.spec.validatesUpstream;
  }

  get installPageHost(): string | null {
    return this.spec.installPageHost;
  }

  targets(name: string | null): boolean {
    return listCovers(this.spec.targets, name);
  }

  blocks(name: string | null): boolean {
    return listCovers(this.spec.blocks ?? [], name);
  }

  /** First trigger, from the ClientHello alone: the SNI (Raman et al., IMC 2020, section 4). */
  atClientHello(sni: string | null): Decision<'intercept' | 'pass' | 'block'> {
    // The block list is read first: a blocked name is never forged, whatever the mode.
    if (this.blocks(sni)) return { action: 'block', reason: `SNI ${sni} is on the block list: the box resets the connection` };
    switch (this.spec.mode) {
      case 'none':
        return { action: 'pass', reason: 'this ISP does not intercept' };
      case 'intercept-all':
        return sni
          ? { action: 'intercept', reason: `intercepts every name (SNI ${sni})` }
          : { action: 'pass', reason: 'no SNI in the ClientHello: no name to forge a certificate for' };
      case 'sni-targets':
        if (!sni) return { action: 'pass', reason: 'no SNI in the ClientHello; the 2019 device triggered on SNI only' };
        return this.targets(sni)
          ? { action: 'intercept', reason: `SNI ${sni} is on the target list` }
          : { action: 'pass', reason: `SNI ${sni} is not on the target list` };
    }
  }

  /**
   * Second trigger: what the real server presented when the box looked. The device copied the
   * real certificate's fields into its forgery (Raman et al.), so with no certificate at all
   * there is nothing to forge from and the connection passes.
   */
  atUpstream(look: { certDer: Buffer | null; trusted: boolean; error: string | null }): Decision<'intercept' | 'pass'> {
    if (!look.certDer) return { action: 'pass', reason: `no certificate from the real server (${look.error})` };
    if (look.trusted) return { action: 'intercept', reason: 'the real server presented a browser-trusted certificate' };
    if (!this.spec.upstreamCheck) {
      return { action: 'intercept', reason: `the real server's certificate is not browser-trusted (${look.error}), and this box forges anyway` };
    }
    return { action: 'pass', reason: `the real server's certificate is not browser-trusted (${look.error}); the device leaves it alone` };
  }

  /** Plain HTTP: read and passed on, or sent to the install page (qca.kz in 2019). */
  atPlainHttp(host: string | null): Decision<'install-page' | 'pass'> {
    const name = host ? normaliseHost(host.replace(/:\d+$/, '')) : null;
    const { installPageHost, plainHttp } = this.spec;
    if (installPageHost === null) return { action: 'pass', reason: `plain HTTP to ${name}: read and passed on (there is no install page)` };
    if (name === installPageHost) return { action: 'pass', reason: 'the install page itself' };
    if (plainHttp === 'install-page-for-all' || (plainHttp === 'install-page-for-targets' && this.targets(name))) {
      return { action: 'install-page', reason: `plain HTTP to ${name}: sent to the install page` };
    }
    return { action: 'pass', reason: `plain HTTP to ${name}: read and passed on` };
  }

  /** The box's own answer to a plain-HTTP request, or null to forward it. */
  plainHttpAnswer(host: string, url: string): BoxAnswer | null {
    if (this.atPlainHttp(host).action !== 'install-page') return null;
    const location = `http://${this.spec.installPageHost}/?from=${encodeURIComponent(url)}`;
    return {
      status: 302,
      statusText: 'Found',
      headers: { Location: location, 'Cache-Control': 'no-store', 'Content-Type': 'text/html; charset=utf-8' },
      body: `<a href="${location}">Install the national security certificate</a>\n`,
    };
  }

  /** One sentence for the box, e.g. "re-sign TLS for 4 targeted names (…); pass everything else through untouched; …". */
  explain(): string {
    const { mode, targets, blocks = [], plainHttp, upstreamCheck, validatesUpstream, installPageHost } = this.spec;
    const everything = mode === 'intercept-all';
    const forges = everything || (mode === 'sni-targets' && targets.length > 0);
    const parts: string[] = [];
    if (blocks.length > 0) {
      const n = blocks.length;
      parts.push(`reset every connection to ${n} blocked name${n === 1 ? '' : 's'} (${blocks.join(', ')})`);
    }
    if (everything) {
      parts.push('re-sign TLS for every name');
    } else if (forges) {
      const n = targets.length;
      parts.push(`re-sign TLS for ${n} targeted name${n === 1 ? '' : 's'} (${targets.join(', ')})`, 'pass everything else through untouched');
    } else {
      parts.push(mode === 'none' ? 'pass all TLS through untouched' : 'pass all TLS through untouched (the target list is empty)');
    }
    // "for targets" means every name when every name is a target, and no one when none is.
    if (installPageHost === null || plainHttp === 'pass') {
      parts.push('pass plain HTTP through untouched');
    } else if (plainHttp === 'install-page-for-all' || everything) {
      parts.push(`send every plain-HTTP visitor to the install page (http://${installPageHost}/)`);
    } else if (forges) {
      parts.push(`send plain-HTTP visitors of targeted names to the install page (http://${installPageHost}/)`);
    } else {
      parts.push('pass plain HTTP through untouched');
    }
    if (forges) {
      parts.push(
        upstreamCheck
          ? 'forge only when the real server presents a browser-trusted certificate'
          : "forge even when the real server's certificate is not browser-trusted",
      );
      if (!validatesUpstream) parts.push("never verify the real server's certificate on its own upstream connections");
    }
    return parts.join('; ');
  }
}
