/**
 * What a person at the keyboard should try against a running lab, and what each try must show,
 * worked out from the scenario: its policy and targets (the same decisions the ISP box makes,
 * policy.ts), its plain-HTTP rule, its clients and its own login step. The runtime turns each
 * try into a command for its world (a curl on loopback, or a curl inside a subscriber's
 * container: Lab.handCommand); `tlslab up` prints them, and a test runs every one for every
 * shipped scenario and checks the printed expectation.
 */
import { WEB_INTERMEDIATE_NAME } from '../pki/lab-pki.ts';
import type { HandTry, TrustStore } from '../runtime/hand-command.ts';
import type { LabDescription } from '../runtime/lab.ts';
import { policyOf } from './scenario-policy.ts';
import type { LoginAction, Scenario } from './schema.ts';

/** curl's exit code for a certificate it cannot verify (CURLE_PEER_FAILED_VERIFICATION). */
const CURL_UNVERIFIED = 60;
/** curl's exit code when the TLS handshake fails, here because the box reset it (CURLE_SSL_CONNECT_ERROR). */
const CURL_TLS_CONNECT_ERROR = 35;

export function handTries(scenario: Scenario, d: LabDescription): HandTry[] {
  const policy = policyOf(scenario);
  const clientWith = (trusts: TrustStore) =>
    scenario.clients.find((c) => [...c.trusts].sort().join('+') === (trusts === 'web' ? 'web' : 'state+web') && !c.defences)?.name ?? null;
  const as = (trusts: TrustStore) => ({ trusts, client: clientWith(trusts) });
  const stateIssuer = d.stateIntermediate.subjectCommonName;
  const webIssuer = WEB_INTERMEDIATE_NAME.find((a) => a.shortName === 'CN')!.value;
  // Only the lab's real names: a site outside the state CA's name constraints is the walkthrough's business.
  const sites = d.hosts.filter((h) => h.role === 'site' && h.routes?.https && !h.name.endsWith('.invalid')).map((h) => h.name);
  const intercepted = (site: string) => policy.atClientHello(site).action === 'intercept';
  const passed = (site: string) => policy.atClientHello(site).action === 'pass';
  const tries: HandTry[] = [];

  const login = scenario.session.map((s) => s.action).find((a): a is LoginAction => a.kind === 'login' && sites.includes(a.site));
  const target = (login && intercepted(login.site) ? login.site : undefined) ?? sites.find(intercepted);
  if (target) {
    const form = login && login.site === target ? `username=${encodeURIComponent(login.username)}&password=${encodeURIComponent(login.password)}` : undefined;
    tries.push(
      {
        title: `A subscriber WITHOUT the state root: curl refuses the forged certificate for ${target}`,
        as: as('web'),
        request: { tool: 'curl', scheme: 'https', site: target, method: 'GET', path: '/', show: 'status' },
        expect: { exit: CURL_UNVERIFIED, prints: '000' },
      },
      form
        ? {
            title: `A subscriber WITH the state root: the login to ${target} goes through, and the ISP reads the password`,
            as: as('web+state'),
            request: { tool: 'curl', scheme: 'https', site: target, method: 'POST', path: '/login', form, show: 'status and location' },
            expect: { exit: 0, prints: `302 https://${target}/` },
          }
        : {
            title: `A subscriber WITH the state root: ${target} answers, and the ISP reads every request`,
            as: as('web+state'),
            request: { tool: 'curl', scheme: 'https', site: target, method: 'GET', path: '/', show: 'status' },
            expect: { exit: 0, prints: '200' },
          },
      {
        title: `The forged chain of ${target}, as openssl sees it: issued by "${stateIssuer}"`,
        as: as('web+state'),
        request: { tool: 'openssl', site: target, show: 'issuer' },
        expect: { exit: 0, prints: `CN = ${stateIssuer}` },
      },
    );
  }
  const untouched = sites.find(passed);
  if (untouched) {
    tries.push({
      title: `An untargeted site, ${untouched}: its own chain, issued by "${webIssuer}", for everyone`,
      as: as('web'),
      request: { tool: 'openssl', site: untouched, show: 'issuer' },
      expect: { exit: 0, prints: `CN = ${webIssuer}` },
    });
  }
  const blocked = sites.find((s) => policy.atClientHello(s).action === 'block');
  if (blocked) {
    tries.push({
      title: `A blocked site, ${blocked}: the box resets the connection right after the ClientHello, whatever the subscriber trusts`,
      as: as('web+state'),
      request: { tool: 'curl', scheme: 'https', site: blocked, method: 'GET', path: '/', show: 'status' },
      expect: { exit: CURL_TLS_CONNECT_ERROR, prints: '000' },
    });
  }
  // Plain HTTP to the target when it has a port 80, else to the first site that does (and is not blocked).
  const plainSites = d.hosts.filter(
    (h) => h.role === 'site' && h.routes?.http && h.name !== policy.installPageHost && policy.atClientHello(h.name).action !== 'block',
  );
  const plain = plainSites.find((h) => h.name === target) ?? plainSites[0];
  if (plain) {
    const redirected = policy.atPlainHttp(plain.name).action === 'install-page';
    tries.push({
      title: redirected
        ? `Plain HTTP to ${plain.name}: the box answers itself, sending the visitor to the install page`
        : `Plain HTTP to ${plain.name}: passed through (readable by the ISP); the site itself sends the visitor to HTTPS`,
      as: as('web'),
      request: { tool: 'curl', scheme: 'http', site: plain.name, method: 'GET', path: '/', show: 'location' },
      expect: { exit: 0, prints: redirected ? `http://${policy.installPageHost}/` : `https://${plain.name}/` },
    });
  }
  return tries;
}
