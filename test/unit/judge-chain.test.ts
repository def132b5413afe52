import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKLISTS } from '../../src/clients/browser-blocklists.ts';
import { loadStateCaPreset } from '../../src/scenario/state-ca.ts';
import { judgeChain, spkiHash, type ChainToJudge, type ClientPolicy } from '../../src/clients/judge-chain.ts';
import { trustFactsOf, type TrustFacts } from '../../src/clients/trust-facts.ts';
import { buildCertificate, pemToDer } from '../../src/pki/certificate.ts';
import { sctListExtension } from '../../src/pki/ct.ts';
import { serverLeafExtensions } from '../../src/pki/extensions.ts';
import { describeCertificate } from '../../src/pki/inspect.ts';
import { generateRsaKey, type LabKey } from '../../src/pki/keys.ts';
import { createLabPki, type LabPki } from '../../src/pki/lab-pki.ts';
import { at } from '../support/at.ts';

const QAZNET_2019 = loadStateCaPreset('qaznet-2019');
const ISCA_2020 = loadStateCaPreset('isca-2020');

/**
 * The chain judge on real certificates from the lab's PKI: the web-PKI chain a site really
 * has, and the chain the state's box forges for it. Two labs, one per state CA, so that the
 * block lists meet the root they were written for.
 */

const SITES = ['bank.example', 'news.example'];
/** bank.example is an HSTS site in lab/sites (and preloaded, as the real targets were). */
const HSTS_PRELOAD = ['bank.example'];
const OPENSSL_UNTRUSTED = { code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', message: 'unable to get local issuer certificate' };

interface World {
  pki: LabPki;
  facts: TrustFacts;
  /** bank.example's real chain: leaf, web intermediate, web root. */
  real: X509Certificate[];
  /** The forged chain the box shows for bank.example: forged leaf, state intermediate, state root. */
  forged: X509Certificate[];
  /** news.example, forged likewise (for the unpinned-host case). */
  forgedNews: X509Certificate[];
}

const x509 = (der: Buffer) => new X509Certificate(der);
const leafDer = (chainPem: string) => pemToDer(chainPem);

/** The lab's own facts for this pki. */
const factsOf = (pki: LabPki): TrustFacts => trustFactsOf(pki, SITES, HSTS_PRELOAD);

async function world(dir: string, profile: typeof QAZNET_2019): Promise<World> {
  const pki = await createLabPki({ dir, profile, siteNames: SITES, keyPoolSize: 1 });
  const forgedChain = async (site: string) => {
    const leaf = await pki.forge(leafDer(pki.site(site).certChainPem));
    return [x509(leaf.cert.der), x509(pki.stateIntermediate.cert.der), x509(pki.stateRoot.cert.der)];
  };
  return {
    pki,
    facts: factsOf(pki),
    real: [x509(leafDer(pki.site('bank.example').certChainPem)), x509(pki.webIntermediate.cert.der), x509(pki.webRoot.cert.der)],
    forged: await forgedChain('bank.example'),
    forgedNews: await forgedChain('news.example'),
  };
}

const shown = (chain: X509Certificate[], opensslError: ChainToJudge['opensslError'] = null, host = 'bank.example'): ChainToJudge => ({
  host,
  chain,
  opensslError,
});

let dir: string;
let qaznet: World;
let isca: World;
let noSctKey: LabKey;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tlslab-judge-'));
  [qaznet, isca, noSctKey] = await Promise.all([world(join(dir, 'qaznet'), QAZNET_2019), world(join(dir, 'isca'), ISCA_2020), generateRsaKey(2048)]);
});
afterAll(async () => {
  qaznet?.pki.close();
  isca?.pki.close();
  await rm(dir, { recursive: true, force: true });
});

describe('spkiHash', () => {
  it('is the base64 SHA-256 of the SubjectPublicKeyInfo, as pins and block lists name keys', () => {
    const root = qaznet.pki.stateRoot.cert.der;
    expect(spkiHash(x509(root))).toBe(describeCertificate(root).spkiSha256);
    expect(spkiHash(x509(root))).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it('differs between the real leaf and the forged one (the forger has a fresh key)', () => {
    expect(spkiHash(at(qaznet.forged, 0, 'forged leaf'))).not.toBe(spkiHash(at(qaznet.real, 0, 'real leaf')));
    expect(spkiHash(at(qaznet.forged, 0, 'forged leaf'))).not.toBe(spkiHash(at(qaznet.forgedNews, 0, 'forged news leaf')));
  });
});

describe('block lists (src/clients/browser-blocklists.ts)', () => {
  type BlockList = NonNullable<NonNullable<ClientPolicy['defences']>['blockedRoots']>;
  const blocked = (list: string): ClientPolicy => ({ defences: { blockedRoots: list as BlockList } });

  it('name only state CA profiles that exist', () => {
    for (const list of Object.values(BLOCKLISTS)) {
      for (const profile of Object.keys(list.blocks)) expect([QAZNET_2019.id, ISCA_2020.id]).toContain(profile);
    }
  });

  it('chrome-2019 refuses a Qaznet chain with net::ERR_CERT_REVOKED', () => {
    const v = judgeChain(shown(qaznet.forged), blocked('chrome-2019'), qaznet.facts);
    expect(v).toEqual({ accept: false, code: 'net::ERR_CERT_REVOKED', message: expect.stringMatching(/revoked/) });
  });

  it('chrome-2019 accepts an ISCA chain (the 2020 root was not on its list yet)', () => {
    expect(judgeChain(shown(isca.forged), blocked('chrome-2019'), isca.facts)).toEqual({ accept: true, note: null });
  });

  it('chrome-2020 refuses ISCA with net::ERR_CERT_KNOWN_INTERCEPTION_BLOCKED, and still Qaznet as revoked', () => {
    const v = judgeChain(shown(isca.forged), blocked('chrome-2020'), isca.facts);
    expect(v).toMatchObject({ accept: false, code: 'net::ERR_CERT_KNOWN_INTERCEPTION_BLOCKED' });
    expect(judgeChain(shown(qaznet.forged), blocked('chrome-2020'), qaznet.facts)).toMatchObject({ accept: false, code: 'net::ERR_CERT_REVOKED' });
  });

  it('firefox-2019 refuses Qaznet with SEC_ERROR_REVOKED_CERTIFICATE and lets ISCA through', () => {
    expect(judgeChain(shown(qaznet.forged), blocked('firefox-2019'), qaznet.facts)).toMatchObject({
      accept: false,
      code: 'SEC_ERROR_REVOKED_CERTIFICATE',
    });
    expect(judgeChain(shown(isca.forged), blocked('firefox-2019'), isca.facts)).toEqual({ accept: true, note: null });
  });

  it('matches the intermediate alone too (a chain sent without its root)', () => {
    const v = judgeChain(shown(qaznet.forged.slice(0, 2)), blocked('chrome-2019'), qaznet.facts);
    expect(v).toMatchObject({ accept: false, code: 'net::ERR_CERT_REVOKED' });
  });

  it('cannot be clicked through, whether or not OpenSSL had an error', () => {
    const clicker: ClientPolicy = { clickThrough: true, defences: { blockedRoots: 'chrome-2019' } };
    expect(judgeChain(shown(qaznet.forged, OPENSSL_UNTRUSTED), clicker, qaznet.facts)).toMatchObject({ accept: false, code: 'net::ERR_CERT_REVOKED' });
    // news.example has no HSTS: without the block list the click would get through.
    expect(judgeChain(shown(qaznet.forgedNews, OPENSSL_UNTRUSTED, 'news.example'), clicker, qaznet.facts)).toMatchObject({
      accept: false,
      code: 'net::ERR_CERT_REVOKED',
    });
    expect(judgeChain(shown(qaznet.forged, null), clicker, qaznet.facts)).toMatchObject({ accept: false, code: 'net::ERR_CERT_REVOKED' });
  });

  it.each(Object.keys(BLOCKLISTS))('%s never blocks the real web-PKI chain', (list) => {
    for (const w of [qaznet, isca]) expect(judgeChain(shown(w.real), blocked(list), w.facts)).toEqual({ accept: true, note: null });
  });
});

describe('certificate errors and click-through', () => {
  const clicker: ClientPolicy = { clickThrough: true };

  it("refuses a preloaded HSTS host with HSTS_NO_OVERRIDE, naming OpenSSL's error", () => {
    const v = judgeChain(shown(qaznet.forged, OPENSSL_UNTRUSTED), clicker, qaznet.facts);
    expect(v).toMatchObject({ accept: false, code: 'HSTS_NO_OVERRIDE' });
    expect(!v.accept && v.message).toContain('unable to get local issuer certificate');
    expect(!v.accept && v.message).toContain('bank.example uses HSTS');
  });

  it('refuses a host it learned HSTS for from a header', () => {
    const learned = new Set(['news.example']);
    const v = judgeChain(shown(qaznet.forgedNews, OPENSSL_UNTRUSTED, 'news.example'), clicker, qaznet.facts, learned);
    expect(v).toMatchObject({ accept: false, code: 'HSTS_NO_OVERRIDE' });
  });

  it('accepts a non-HSTS host with a note that says the user clicked through', () => {
    const v = judgeChain(shown(qaznet.forgedNews, OPENSSL_UNTRUSTED, 'news.example'), clicker, qaznet.facts);
    expect(v.accept).toBe(true);
    expect(v.accept && v.note).toBe('clicked through the warning (unable to get local issuer certificate)');
  });

  it("refuses with OpenSSL's own code and message when the user does not click through", () => {
    for (const host of ['bank.example', 'news.example']) {
      const chain = host === 'bank.example' ? qaznet.forged : qaznet.forgedNews;
      expect(judgeChain(shown(chain, OPENSSL_UNTRUSTED, host), {}, qaznet.facts)).toEqual({ accept: false, ...OPENSSL_UNTRUSTED });
    }
  });

  it('accepts a chain OpenSSL was happy with when the client has no defences', () => {
    expect(judgeChain(shown(qaznet.forged), {}, qaznet.facts)).toEqual({ accept: true, note: null });
    expect(judgeChain(shown(qaznet.real), clicker, qaznet.facts)).toEqual({ accept: true, note: null });
  });
});

describe('pins', () => {
  const pinned = (kind: 'site-key' | 'issuing-ca'): ClientPolicy => ({ defences: { pins: { 'bank.example': kind } } });

  it.each(['site-key', 'issuing-ca'] as const)('%s accepts the real chain and refuses the forged one with PIN_MISMATCH', (kind) => {
    for (const w of [qaznet, isca]) {
      expect(judgeChain(shown(w.real), pinned(kind), w.facts)).toEqual({ accept: true, note: null });
      const v = judgeChain(shown(w.forged), pinned(kind), w.facts);
      expect(v).toMatchObject({ accept: false, code: 'PIN_MISMATCH' });
      expect(!v.accept && v.message).toContain(kind === 'site-key' ? "the site's own key" : 'its issuing CA');
    }
  });

  it("refuses the other lab's genuine bank certificate under a site-key pin (same name, other key)", () => {
    expect(judgeChain(shown(isca.real), pinned('site-key'), qaznet.facts)).toMatchObject({ accept: false, code: 'PIN_MISMATCH' });
  });

  it('leaves an unpinned host alone', () => {
    for (const kind of ['site-key', 'issuing-ca'] as const) {
      expect(judgeChain(shown(qaznet.forgedNews, null, 'news.example'), pinned(kind), qaznet.facts)).toEqual({ accept: true, note: null });
    }
  });
});

describe('Certificate Transparency', () => {
  const everyChain: ClientPolicy = { defences: { certificateTransparency: 'every-chain' } };
  const chromium: ClientPolicy = { defences: { certificateTransparency: 'public-roots-only' } };

  /** A bank.example leaf from the lab's web intermediate, with the SCT extension given (or none). */
  function webLeaf(pki: LabPki, sct?: ReturnType<typeof sctListExtension>): X509Certificate {
    const now = Date.now();
    const extensions: Parameters<typeof buildCertificate>[0]['extensions'] = serverLeafExtensions({
      names: ['bank.example'],
      subjectKey: noSctKey.publicKey,
      issuerKey: pki.webIntermediate.key.publicKey,
    });
    if (sct) extensions.push(sct);
    const cert = buildCertificate(
      {
        serialHex: '0badc0ffee',
        subject: [{ shortName: 'CN', value: 'bank.example' }],
        issuer: pki.webIntermediate.name,
        notBefore: new Date(now - 86_400_000),
        notAfter: new Date(now + 89 * 86_400_000),
        publicKey: noSctKey.publicKey,
        extensions,
      },
      pki.webIntermediate.key.privateKey,
    );
    return x509(cert.der);
  }
  const webChain = (leaf: X509Certificate, pki: LabPki) => [leaf, x509(pki.webIntermediate.cert.der), x509(pki.webRoot.cert.der)];

  it('every-chain refuses the forged leaf with net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED', () => {
    const v = judgeChain(shown(qaznet.forged), everyChain, qaznet.facts);
    expect(v).toMatchObject({ accept: false, code: 'net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED' });
  });

  it('every-chain and public-roots-only accept the real leaf (it carries an SCT from the lab log)', () => {
    expect(judgeChain(shown(qaznet.real), everyChain, qaznet.facts)).toEqual({ accept: true, note: null });
    expect(judgeChain(shown(qaznet.real), chromium, qaznet.facts)).toEqual({ accept: true, note: null });
  });

  it('public-roots-only accepts a forged chain ending at the state root, and says CT was not required', () => {
    const v = judgeChain(shown(qaznet.forged), chromium, qaznet.facts);
    expect(v.accept).toBe(true);
    expect(v.accept && v.note).toMatch(/CT not required/);
  });

  it('public-roots-only refuses a web-root chain whose leaf has no SCT', () => {
    const v = judgeChain(shown(webChain(webLeaf(qaznet.pki), qaznet.pki)), chromium, qaznet.facts);
    expect(v).toMatchObject({ accept: false, code: 'net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED' });
  });

  it("refuses an SCT from another log (the other lab's genuine certificate)", () => {
    // Sanity: in its own lab that leaf passes.
    expect(judgeChain(shown(isca.real), everyChain, isca.facts)).toEqual({ accept: true, note: null });
    expect(judgeChain(shown(isca.real), everyChain, qaznet.facts)).toMatchObject({ accept: false, code: 'net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED' });
    const foreignSct = webLeaf(qaznet.pki, sctListExtension(isca.pki.ctLog, ['bank.example'], new Date()));
    expect(judgeChain(shown(webChain(foreignSct, qaznet.pki)), chromium, qaznet.facts)).toMatchObject({
      accept: false,
      code: 'net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED',
    });
  });

  it('refuses an SCT from the right log that was signed for other names', () => {
    const wrongNames = webLeaf(qaznet.pki, sctListExtension(qaznet.pki.ctLog, ['evil.example'], new Date()));
    expect(judgeChain(shown(webChain(wrongNames, qaznet.pki)), chromium, qaznet.facts)).toMatchObject({
      accept: false,
      code: 'net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED',
    });
    // The same leaf with an SCT for its own names passes: the refusal above is the names.
    const rightNames = webLeaf(qaznet.pki, sctListExtension(qaznet.pki.ctLog, ['bank.example'], new Date()));
    expect(judgeChain(shown(webChain(rightNames, qaznet.pki)), chromium, qaznet.facts)).toEqual({ accept: true, note: null });
  });
});

describe('interception detectors (detectInterception)', () => {
  const keys: ClientPolicy = { defences: { detectInterception: 'published-keys' } };
  const ct: ClientPolicy = { defences: { detectInterception: 'ct-log' } };
  const issuers = { qaznet: 'Security Certificate', isca: 'Information Security Certification Authority' };

  it('published-keys refuses the forged bank chain, naming the state issuer and both keys', () => {
    for (const [w, issuer] of [
      [qaznet, issuers.qaznet],
      [isca, issuers.isca],
    ] as const) {
      expect(judgeChain(shown(w.forged), keys, w.facts)).toEqual({
        accept: false,
        code: 'INTERCEPTION_DETECTED',
        message: `intercepted, by ${issuer}: bank.example's certificate key sha256/${spkiHash(at(w.forged, 0, 'forged leaf'))} is not the one it publishes (sha256/${spkiHash(at(w.real, 0, 'real leaf'))})`,
      });
    }
  });

  it('published-keys covers every site with a published key, not only a pinned one', () => {
    const v = judgeChain(shown(qaznet.forgedNews, null, 'news.example'), keys, qaznet.facts);
    expect(v).toMatchObject({ accept: false, code: 'INTERCEPTION_DETECTED' });
    expect(!v.accept && v.message).toMatch(/^intercepted, by Security Certificate: news\.example's certificate key/);
  });

  it('published-keys accepts the genuine chain, and a host that publishes no key', () => {
    for (const w of [qaznet, isca]) expect(judgeChain(shown(w.real), keys, w.facts)).toEqual({ accept: true, note: null });
    const noNewsKey: TrustFacts = { ...qaznet.facts, pins: { 'bank.example': qaznet.facts.pins['bank.example']! } };
    expect(judgeChain(shown(qaznet.forgedNews, null, 'news.example'), keys, noNewsKey)).toEqual({ accept: true, note: null });
  });

  it('published-keys refuses a genuine web-PKI certificate with another key, naming its (web) issuer', () => {
    const v = judgeChain(shown(isca.real), keys, qaznet.facts);
    expect(v).toMatchObject({ accept: false, code: 'INTERCEPTION_DETECTED' });
    const webIssuer = /^CN=(.*)$/m.exec(at(isca.real, 0, 'real leaf').issuer)![1];
    expect(!v.accept && v.message).toContain(`intercepted, by ${webIssuer}: `);
  });

  it('ct-log refuses the forged chain though it ends at a root the user installed, naming the issuer and the log', () => {
    for (const [w, issuer] of [
      [qaznet, issuers.qaznet],
      [isca, issuers.isca],
    ] as const) {
      expect(judgeChain(shown(w.forged), ct, w.facts)).toEqual({
        accept: false,
        code: 'INTERCEPTION_DETECTED',
        message: `intercepted, by ${issuer}: the certificate for bank.example is not in the lab's CT log ${w.facts.ctLog.id}`,
      });
    }
  });

  it('ct-log accepts the genuine chain (its leaf carries an SCT from the lab log)', () => {
    for (const w of [qaznet, isca]) expect(judgeChain(shown(w.real), ct, w.facts)).toEqual({ accept: true, note: null });
  });

  it("comes last: OpenSSL's own refusal, a pin, and Chromium's CT rule are judged first", () => {
    // No state root: the browser refuses first, and the detector never sees the connection.
    expect(judgeChain(shown(qaznet.forged, OPENSSL_UNTRUSTED), keys, qaznet.facts)).toEqual({ accept: false, ...OPENSSL_UNTRUSTED });
    const pinnedToo: ClientPolicy = { defences: { detectInterception: 'ct-log', pins: { 'bank.example': 'site-key' } } };
    expect(judgeChain(shown(qaznet.forged), pinnedToo, qaznet.facts)).toMatchObject({ accept: false, code: 'PIN_MISMATCH' });
    // Chromium's CT rule lets the installed root through; the detector beside it still refuses.
    const chromiumToo: ClientPolicy = { defences: { detectInterception: 'published-keys', certificateTransparency: 'public-roots-only' } };
    expect(judgeChain(shown(qaznet.forged), chromiumToo, qaznet.facts)).toMatchObject({ accept: false, code: 'INTERCEPTION_DETECTED' });
    expect(judgeChain(shown(qaznet.real), chromiumToo, qaznet.facts)).toEqual({ accept: true, note: null });
  });
});
