import { describe, expect, it } from 'vitest';
import { decideHttp, decideOnUpstream, decideTls, explainPolicy, isTargeted, type InterceptPolicySpec } from '../../src/interceptor/policy.ts';

/** The 2019 device: a short SNI list, install page for visitors of those names, upstream check on. */
function spec(over: Partial<InterceptPolicySpec> = {}): InterceptPolicySpec {
  return {
    mode: 'sni-targets',
    targets: ['bank.example', '*.social.example'],
    plainHttp: 'install-page-for-targets',
    upstreamCheck: true,
    validatesUpstream: true,
    installPageHost: 'qca.example',
    ...over,
  };
}

describe('isTargeted', () => {
  const s = spec();

  it('matches an exact target and nothing that merely contains it', () => {
    expect(isTargeted(s, 'bank.example')).toBe(true);
    expect(isTargeted(s, 'www.bank.example')).toBe(false);
    expect(isTargeted(s, 'notbank.example')).toBe(false);
    expect(isTargeted(s, 'news.example')).toBe(false);
  });

  it('matches names below a wildcard target but not its apex', () => {
    expect(isTargeted(s, 'www.social.example')).toBe(true);
    expect(isTargeted(s, 'a.b.social.example')).toBe(true);
    expect(isTargeted(s, 'social.example')).toBe(false);
    expect(isTargeted(s, 'antisocial.example')).toBe(false);
  });

  it('ignores case and a trailing dot in the name', () => {
    expect(isTargeted(s, 'BANK.Example')).toBe(true);
    expect(isTargeted(s, 'bank.example.')).toBe(true);
    expect(isTargeted(s, 'WWW.SOCIAL.EXAMPLE.')).toBe(true);
  });

  it('ignores case in the target list too', () => {
    expect(isTargeted(spec({ targets: ['Bank.EXAMPLE', '*.Social.Example'] }), 'bank.example')).toBe(true);
    expect(isTargeted(spec({ targets: ['Bank.EXAMPLE', '*.Social.Example'] }), 'm.social.example')).toBe(true);
  });

  it('never matches a missing name or an empty list', () => {
    expect(isTargeted(s, null)).toBe(false);
    expect(isTargeted(s, '')).toBe(false);
    expect(isTargeted(spec({ targets: [] }), 'bank.example')).toBe(false);
  });
});

describe('decideTls', () => {
  it('sni-targets: intercepts a targeted SNI and says why', () => {
    const d = decideTls(spec(), 'bank.example');
    expect(d.action).toBe('intercept');
    expect(d.reason).toContain('bank.example');
    expect(d.reason).toMatch(/target list/);
  });

  it('sni-targets: intercepts a name below a wildcard target', () => {
    expect(decideTls(spec(), 'm.social.example').action).toBe('intercept');
  });

  it('sni-targets: passes an untargeted SNI, naming it', () => {
    const d = decideTls(spec(), 'news.example');
    expect(d.action).toBe('pass');
    expect(d.reason).toContain('news.example');
    expect(d.reason).toMatch(/not on the target list/);
  });

  it('sni-targets: passes a ClientHello without SNI', () => {
    const d = decideTls(spec(), null);
    expect(d.action).toBe('pass');
    expect(d.reason).toMatch(/no SNI/);
  });

  it('intercept-all: intercepts any name, targeted or not', () => {
    const s = spec({ mode: 'intercept-all', targets: [] });
    expect(decideTls(s, 'news.example').action).toBe('intercept');
    expect(decideTls(s, 'bank.example').action).toBe('intercept');
    expect(decideTls(s, 'news.example').reason).toContain('news.example');
  });

  it('intercept-all: passes without SNI, since there is no name to forge', () => {
    const d = decideTls(spec({ mode: 'intercept-all', targets: [] }), null);
    expect(d.action).toBe('pass');
    expect(d.reason).toMatch(/no SNI/);
  });

  it('none: passes everything, even a targeted name', () => {
    const s = spec({ mode: 'none' });
    expect(decideTls(s, 'bank.example').action).toBe('pass');
    expect(decideTls(s, 'news.example').action).toBe('pass');
    expect(decideTls(s, null).action).toBe('pass');
    expect(decideTls(s, 'bank.example').reason).toMatch(/does not intercept/);
  });

  it('blocks a name on the block list before anything else, in every mode (Kazakhstan 2021–24)', () => {
    for (const mode of ['sni-targets', 'intercept-all', 'none'] as const) {
      const s = spec({ mode, blocks: ['news.example', '*.vpn.example'] });
      expect(decideTls(s, 'NEWS.example.').action).toBe('block');
      expect(decideTls(s, 'exit.vpn.example').action).toBe('block');
      expect(decideTls(s, 'news.example').reason).toBe('SNI news.example is on the block list: the box resets the connection');
      expect(decideTls(s, 'bank.example').action).toBe(mode === 'none' ? 'pass' : 'intercept');
      expect(decideTls(s, null).action).toBe('pass');
    }
  });
});

describe('decideOnUpstream', () => {
  it('intercepts when the real server shows a browser-trusted certificate', () => {
    const d = decideOnUpstream(spec(), { trusted: true, error: null });
    expect(d.action).toBe('intercept');
    expect(d.reason).toMatch(/browser-trusted/);
  });

  it('with upstreamCheck, passes an untrusted real server and quotes the verify error', () => {
    const d = decideOnUpstream(spec(), { trusted: false, error: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(d.action).toBe('pass');
    expect(d.reason).toContain('SELF_SIGNED_CERT_IN_CHAIN');
    expect(d.reason).toMatch(/not browser-trusted/);
  });

  it('without upstreamCheck, intercepts even an untrusted real server', () => {
    const d = decideOnUpstream(spec({ upstreamCheck: false }), { trusted: false, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(d.action).toBe('intercept');
  });

  // The student reads this reason in the report: it must not claim a trust that was not there.
  it('without upstreamCheck, does not claim an untrusted real server was browser-trusted', () => {
    const d = decideOnUpstream(spec({ upstreamCheck: false }), { trusted: false, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(d.reason).not.toMatch(/presented a browser-trusted certificate/);
  });
});

describe('decideHttp', () => {
  it('install-page-for-targets: sends visitors of targeted names to the install page, passes the rest', () => {
    const s = spec();
    expect(decideHttp(s, 'bank.example').action).toBe('install-page');
    expect(decideHttp(s, 'www.social.example').action).toBe('install-page');
    const passed = decideHttp(s, 'news.example');
    expect(passed.action).toBe('pass');
    expect(passed.reason).toContain('news.example');
  });

  it('install-page-for-all: sends every visitor to the install page', () => {
    const s = spec({ plainHttp: 'install-page-for-all' });
    expect(decideHttp(s, 'news.example').action).toBe('install-page');
    expect(decideHttp(s, 'bank.example').action).toBe('install-page');
  });

  it('pass: sends no one to the install page, not even targeted names', () => {
    const s = spec({ plainHttp: 'pass' });
    expect(decideHttp(s, 'bank.example').action).toBe('pass');
    expect(decideHttp(s, 'news.example').action).toBe('pass');
  });

  it('never redirects the install page host to itself', () => {
    for (const plainHttp of ['install-page-for-all', 'install-page-for-targets'] as const) {
      // Even when the install page host is itself a target.
      const s = spec({ plainHttp, targets: ['qca.example', 'bank.example'] });
      const d = decideHttp(s, 'qca.example');
      expect(d.action).toBe('pass');
      expect(d.reason).toMatch(/install page itself/);
    }
  });

  it('ignores the port in a Host header', () => {
    expect(decideHttp(spec(), 'bank.example:8080').action).toBe('install-page');
    expect(decideHttp(spec(), 'news.example:80').action).toBe('pass');
    expect(decideHttp(spec({ plainHttp: 'install-page-for-all' }), 'qca.example:80').action).toBe('pass');
    expect(decideHttp(spec(), 'bank.example:8080').reason).not.toContain('8080');
  });

  it('passes a request without a Host under install-page-for-targets', () => {
    expect(decideHttp(spec(), null).action).toBe('pass');
  });

  // Host names are case-insensitive (RFC 9110 §4.2.3) and may end in a dot: a byte-for-byte
  // comparison would send `Host: QCA.example` to the install page in a loop.
  it('never redirects the install page host to itself, whatever its case or trailing dot', () => {
    const s = spec({ plainHttp: 'install-page-for-all' });
    expect(decideHttp(s, 'QCA.example').action).toBe('pass');
    expect(decideHttp(s, 'qca.example.').action).toBe('pass');
  });
});

describe('explainPolicy', () => {
  it('names every targeted name and how many there are', () => {
    const text = explainPolicy(spec());
    expect(text).toContain('bank.example');
    expect(text).toContain('*.social.example');
    expect(text).toContain('2 targeted names');
  });

  it('mentions the upstream check only when it is on', () => {
    expect(explainPolicy(spec())).toMatch(/browser-trusted/);
    expect(explainPolicy(spec({ upstreamCheck: false }))).not.toMatch(/browser-trusted/);
  });

  it('points plain-HTTP visitors at the install page, or says HTTP is passed', () => {
    expect(explainPolicy(spec())).toContain('http://qca.example/');
    expect(explainPolicy(spec())).toMatch(/targeted names are sent to/);
    expect(explainPolicy(spec({ plainHttp: 'install-page-for-all' }))).not.toMatch(/of targeted names are sent/);
    expect(explainPolicy(spec({ plainHttp: 'pass' }))).toMatch(/plain HTTP is read and passed on/);
  });

  it('describes the other modes without a target list', () => {
    expect(explainPolicy(spec({ mode: 'none', targets: [] }))).toMatch(/no TLS interception/);
    expect(explainPolicy(spec({ mode: 'intercept-all', targets: [] }))).toMatch(/every name/);
  });
});
