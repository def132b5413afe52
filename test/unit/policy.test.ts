import { describe, expect, it } from 'vitest';
import { InterceptPolicy, type InterceptPolicySpec } from '../../src/interceptor/policy.ts';

/** The 2019 device: a short SNI list, install page for visitors of those names, upstream check on. */
function spec(over: Partial<InterceptPolicySpec> = {}): InterceptPolicy {
  return new InterceptPolicy({
    mode: 'sni-targets',
    targets: ['bank.example', '*.social.example'],
    plainHttp: 'install-page-for-targets',
    upstreamCheck: true,
    validatesUpstream: true,
    installPageHost: 'qca.example',
    ...over,
  });
}

describe('targets', () => {
  const s = spec();

  it('matches an exact target and nothing that merely contains it', () => {
    expect(s.targets('bank.example')).toBe(true);
    expect(s.targets('www.bank.example')).toBe(false);
    expect(s.targets('notbank.example')).toBe(false);
    expect(s.targets('news.example')).toBe(false);
  });

  it('matches names below a wildcard target but not its apex', () => {
    expect(s.targets('www.social.example')).toBe(true);
    expect(s.targets('a.b.social.example')).toBe(true);
    expect(s.targets('social.example')).toBe(false);
    expect(s.targets('antisocial.example')).toBe(false);
  });

  it('ignores case and a trailing dot in the name', () => {
    expect(s.targets('BANK.Example')).toBe(true);
    expect(s.targets('bank.example.')).toBe(true);
    expect(s.targets('WWW.SOCIAL.EXAMPLE.')).toBe(true);
  });

  it('ignores case in the target list too', () => {
    expect(spec({ targets: ['Bank.EXAMPLE', '*.Social.Example'] }).targets('bank.example')).toBe(true);
    expect(spec({ targets: ['Bank.EXAMPLE', '*.Social.Example'] }).targets('m.social.example')).toBe(true);
  });

  it('never matches a missing name or an empty list', () => {
    expect(s.targets(null)).toBe(false);
    expect(s.targets('')).toBe(false);
    expect(spec({ targets: [] }).targets('bank.example')).toBe(false);
  });
});

describe('atClientHello', () => {
  it('sni-targets: intercepts a targeted SNI and says why', () => {
    const d = spec().atClientHello('bank.example');
    expect(d.action).toBe('intercept');
    expect(d.reason).toContain('bank.example');
    expect(d.reason).toMatch(/target list/);
  });

  it('sni-targets: intercepts a name below a wildcard target', () => {
    expect(spec().atClientHello('m.social.example').action).toBe('intercept');
  });

  it('sni-targets: passes an untargeted SNI, naming it', () => {
    const d = spec().atClientHello('news.example');
    expect(d.action).toBe('pass');
    expect(d.reason).toContain('news.example');
    expect(d.reason).toMatch(/not on the target list/);
  });

  it('sni-targets: passes a ClientHello without SNI', () => {
    const d = spec().atClientHello(null);
    expect(d.action).toBe('pass');
    expect(d.reason).toMatch(/no SNI/);
  });

  it('intercept-all: intercepts any name, targeted or not', () => {
    const s = spec({ mode: 'intercept-all', targets: [] });
    expect(s.atClientHello('news.example').action).toBe('intercept');
    expect(s.atClientHello('bank.example').action).toBe('intercept');
    expect(s.atClientHello('news.example').reason).toContain('news.example');
  });

  it('intercept-all: passes without SNI, since there is no name to forge', () => {
    const d = spec({ mode: 'intercept-all', targets: [] }).atClientHello(null);
    expect(d.action).toBe('pass');
    expect(d.reason).toMatch(/no SNI/);
  });

  it('none: passes everything, even a targeted name', () => {
    const s = spec({ mode: 'none' });
    expect(s.atClientHello('bank.example').action).toBe('pass');
    expect(s.atClientHello('news.example').action).toBe('pass');
    expect(s.atClientHello(null).action).toBe('pass');
    expect(s.atClientHello('bank.example').reason).toMatch(/does not intercept/);
  });

  it('blocks a name on the block list before anything else, in every mode (Kazakhstan 2021–24)', () => {
    for (const mode of ['sni-targets', 'intercept-all', 'none'] as const) {
      const s = spec({ mode, blocks: ['news.example', '*.vpn.example'] });
      expect(s.atClientHello('NEWS.example.').action).toBe('block');
      expect(s.atClientHello('exit.vpn.example').action).toBe('block');
      expect(s.atClientHello('news.example').reason).toBe('SNI news.example is on the block list: the box resets the connection');
      expect(s.atClientHello('bank.example').action).toBe(mode === 'none' ? 'pass' : 'intercept');
      expect(s.atClientHello(null).action).toBe('pass');
    }
  });
});

/** Any certificate's bytes: the policy only asks whether the real server showed one. */
const CERT = Buffer.from('30820122', 'hex');

describe('atUpstream', () => {
  it('passes when the real server showed no certificate: there is nothing to forge from', () => {
    const d = spec({ upstreamCheck: false }).atUpstream({ certDer: null, trusted: false, error: 'ECONNREFUSED' });
    expect(d).toEqual({ action: 'pass', reason: 'no certificate from the real server (ECONNREFUSED)' });
  });

  it('intercepts when the real server shows a browser-trusted certificate', () => {
    const d = spec().atUpstream({ certDer: CERT, trusted: true, error: null });
    expect(d.action).toBe('intercept');
    expect(d.reason).toMatch(/browser-trusted/);
  });

  it('with upstreamCheck, passes an untrusted real server and quotes the verify error', () => {
    const d = spec().atUpstream({ certDer: CERT, trusted: false, error: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(d.action).toBe('pass');
    expect(d.reason).toContain('SELF_SIGNED_CERT_IN_CHAIN');
    expect(d.reason).toMatch(/not browser-trusted/);
  });

  it('without upstreamCheck, intercepts even an untrusted real server', () => {
    const d = spec({ upstreamCheck: false }).atUpstream({ certDer: CERT, trusted: false, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(d.action).toBe('intercept');
  });

  // The student reads this reason in the report: it must not claim a trust that was not there.
  it('without upstreamCheck, does not claim an untrusted real server was browser-trusted', () => {
    const d = spec({ upstreamCheck: false }).atUpstream({ certDer: CERT, trusted: false, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(d.reason).not.toMatch(/presented a browser-trusted certificate/);
  });
});

describe('atPlainHttp', () => {
  it('install-page-for-targets: sends visitors of targeted names to the install page, passes the rest', () => {
    const s = spec();
    expect(s.atPlainHttp('bank.example').action).toBe('install-page');
    expect(s.atPlainHttp('www.social.example').action).toBe('install-page');
    const passed = s.atPlainHttp('news.example');
    expect(passed.action).toBe('pass');
    expect(passed.reason).toContain('news.example');
  });

  it('install-page-for-all: sends every visitor to the install page', () => {
    const s = spec({ plainHttp: 'install-page-for-all' });
    expect(s.atPlainHttp('news.example').action).toBe('install-page');
    expect(s.atPlainHttp('bank.example').action).toBe('install-page');
  });

  it('pass: sends no one to the install page, not even targeted names', () => {
    const s = spec({ plainHttp: 'pass' });
    expect(s.atPlainHttp('bank.example').action).toBe('pass');
    expect(s.atPlainHttp('news.example').action).toBe('pass');
  });

  it('never redirects the install page host to itself', () => {
    for (const plainHttp of ['install-page-for-all', 'install-page-for-targets'] as const) {
      // Even when the install page host is itself a target.
      const s = spec({ plainHttp, targets: ['qca.example', 'bank.example'] });
      const d = s.atPlainHttp('qca.example');
      expect(d.action).toBe('pass');
      expect(d.reason).toMatch(/install page itself/);
    }
  });

  it('ignores the port in a Host header', () => {
    expect(spec().atPlainHttp('bank.example:8080').action).toBe('install-page');
    expect(spec().atPlainHttp('news.example:80').action).toBe('pass');
    expect(spec({ plainHttp: 'install-page-for-all' }).atPlainHttp('qca.example:80').action).toBe('pass');
    expect(spec().atPlainHttp('bank.example:8080').reason).not.toContain('8080');
  });

  it('passes a request without a Host under install-page-for-targets', () => {
    expect(spec().atPlainHttp(null).action).toBe('pass');
  });

  // Host names are case-insensitive (RFC 9110 §4.2.3) and may end in a dot: a byte-for-byte
  // comparison would send `Host: QCA.example` to the install page in a loop.
  it('never redirects the install page host to itself, whatever its case or trailing dot', () => {
    const s = spec({ plainHttp: 'install-page-for-all' });
    expect(s.atPlainHttp('QCA.example').action).toBe('pass');
    expect(s.atPlainHttp('qca.example.').action).toBe('pass');
  });
});

describe('explain', () => {
  it('names every targeted name and how many there are', () => {
    const text = spec().explain();
    expect(text).toContain('bank.example');
    expect(text).toContain('*.social.example');
    expect(text).toContain('2 targeted names');
  });

  it('says whether it forges only for browser-trusted real servers', () => {
    expect(spec().explain()).toMatch(/browser-trusted/);
    expect(spec({ upstreamCheck: false }).explain()).toMatch(/forge even when the real server's certificate is not browser-trusted/);
    expect(spec({ upstreamCheck: false }).explain()).not.toMatch(/forge only when/);
  });

  it('points plain-HTTP visitors at the install page, or says HTTP is passed', () => {
    expect(spec().explain()).toContain('send plain-HTTP visitors of targeted names to the install page (http://qca.example/)');
    expect(spec({ plainHttp: 'install-page-for-all' }).explain()).toContain('send every plain-HTTP visitor to the install page (http://qca.example/)');
    expect(spec({ plainHttp: 'pass' }).explain()).toContain('pass plain HTTP through untouched');
  });

  it('describes the other modes without a target list', () => {
    expect(spec({ mode: 'none', targets: [] }).explain()).toMatch(/^pass all TLS through untouched; pass plain HTTP through untouched$/);
    expect(spec({ mode: 'intercept-all', targets: [] }).explain()).toMatch(/^re-sign TLS for every name; send every plain-HTTP visitor to the install page/);
  });

  it('says plain HTTP passes when the lab has no install page, whatever plainHttp asks', () => {
    expect(spec({ installPageHost: null }).explain()).toContain('pass plain HTTP through untouched');
    expect(spec({ installPageHost: null }).explain()).not.toContain('install page');
  });

  it('says how many names it blocks, and never claims to forge with an empty target list', () => {
    expect(spec({ blocks: ['news.example'] }).explain()).toMatch(
      /^reset every connection to 1 blocked name \(news\.example\); re-sign TLS for 2 targeted names/,
    );
    expect(spec({ targets: [] }).explain()).toBe('pass all TLS through untouched (the target list is empty); pass plain HTTP through untouched');
  });
});
