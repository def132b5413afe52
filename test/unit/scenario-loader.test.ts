// The scenario loader: valid files load with defaults, and each kind of mistake gives an error
// that names the file, the line and the field, which is what a student needs to fix it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScenarioError, listScenarios, loadScenario, parseScenario, resolveScenario, scenariosDir } from '../../src/scenario/loader.ts';
import { explainStep } from '../../src/scenario/schema.ts';
import { policyOf } from '../../src/scenario/scenario-policy.ts';
import { loadStateCaPreset, stateCaPresetIds } from '../../src/scenario/state-ca.ts';

// A small valid scenario; optional fields are left out so the defaults show.
const VALID = `name: mini
title: A small scenario
summary: one line
stateCa:
  profile: qaznet-2019
interceptor:
  policy: sni-targets
  targets: [bank.example, "*.outside.invalid"]
clients:
  - name: no-cert
    trusts: [web]
  - name: installed-cert
    description: Installed the state root
    trusts: [web, state]
session:
  - id: bank-login
    action: { kind: login, site: bank.example, username: alice, password: "Almaty-2019!" }
  - id: news
    title: Read the news
    narrative: Nothing is intercepted here.
    action: { kind: browse, url: "https://news.example/" }
expect:
  - { client: installed-cert, site: bank.example, outcome: exposed }
  - { client: no-cert, site: bank.example, outcome: refused, cause: untrusted-issuer }
  - { client: installed-cert, site: bank.example, captured: credential, contains: "password=" }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tlslab-scenario-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Write text as <dir>/<name>.yaml and return the ScenarioError loading it throws. */
async function failureOf(text: string, name = 'mini'): Promise<{ err: ScenarioError; file: string }> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, text);
  const err = await loadScenario(file).then(
    () => {
      throw new Error('expected the scenario to be rejected');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ScenarioError);
  return { err: err as ScenarioError, file };
}

/** 1-based line of the first line of text containing marker. */
function lineOf(text: string, marker: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`marker ${marker} not in text`);
  return i + 1;
}

function edit(from: string, to: string): string {
  if (!VALID.includes(from)) throw new Error(`${from} not in VALID`);
  return VALID.replace(from, to);
}

describe('loading a valid scenario', () => {
  it('applies the defaults', async () => {
    const file = path.join(dir, 'mini.yaml');
    await writeFile(file, VALID);
    const s = await loadScenario(file);
    expect(s.stateCa).toMatchObject({ id: 'qaznet-2019', preset: 'qaznet-2019', nameConstraints: true, installFileStem: 'qazca' });
    expect(s.stateCa.root.subject).toEqual([
      { shortName: 'C', value: 'KZ' },
      { shortName: 'CN', value: 'Qaznet Trust Network' },
    ]);
    expect(s.stateCa.forgery).toEqual({ keyBits: 2048, exponent: 3, validityShiftHours: -6, serialRandomBits: 33, keepExtensionOids: ['2.5.29.17'] });
    expect(s.interceptor).toEqual({
      policy: 'sni-targets',
      targets: ['bank.example', '*.outside.invalid'],
      blocks: [],
      plainHttp: 'install-page-for-targets',
      upstreamCheck: true,
      validatesUpstream: true,
      location: { routersBefore: 0, routersAfter: 0 },
    });
    expect(s.session[0]!.title).toBe('Log in to bank.example as alice');
    expect(s.session[1]!.title).toBe('Read the news');
    expect(s.expect[1]).toEqual({ client: 'no-cert', site: 'bank.example', outcome: 'refused', cause: 'untrusted-issuer' });
    expect(s.expect[2]).toEqual({ client: 'installed-cert', site: 'bank.example', captured: 'credential', contains: 'password=' });
  });

  it('defaults expect to an empty list and sni-targets may have no targets', () => {
    const text = VALID.replace(/^expect:[\s\S]*$/m, '').replace('targets: [bank.example, "*.outside.invalid"]', 'targets: []');
    const s = parseScenario(text, 'mini.yaml');
    expect(s.expect).toEqual([]);
    expect(s.interceptor.targets).toEqual([]);
  });

  it('loads the real kz-2019 scenario by name', async () => {
    const s = await resolveScenario('kz-2019');
    expect(s.name).toBe('kz-2019');
    expect(s.stateCa.preset).toBe('qaznet-2019');
    expect(s.clients.map((c) => c.name)).toEqual([
      'no-cert',
      'installed-cert',
      'curl-no-cert',
      'curl-installed',
      'openssl-no-cert',
      'openssl-installed',
      'chromium-no-cert',
      'chromium-installed',
      'chromium-2019',
    ]);
    expect(s.interceptor.targets).not.toContain('news.example');
    expect(s.session.map((st) => st.id)).toContain('bank-login');
    expect(s.session.every((st) => (st.narrative ?? '').length > 0)).toBe(true);
    const list = await listScenarios(scenariosDir());
    expect(list.find((x) => x.name === 'kz-2019')).toMatchObject({ title: s.title, summary: s.summary });
  });

  it('explains steps and the interceptor in sentences', () => {
    expect(explainStep({ kind: 'login', site: 'bank.example', username: 'alice', password: 'x' })).toBe('log in to bank.example as alice');
    expect(explainStep({ kind: 'chat', site: 'social.example', messages: ['hi', 'meet at 6'] })).toBe('send 2 chat messages on social.example');
    expect(policyOf(parseScenario(VALID, 'mini.yaml')).explain()).toMatch(
      /^re-sign TLS for 2 targeted names \(bank\.example, \*\.outside\.invalid\); pass everything else through untouched; send plain-HTTP visitors of targeted names to the install page/,
    );
  });
});

describe('a broken scenario names the file, the line and the field', () => {
  it('a typo in a key', async () => {
    const text = edit('  policy: sni-targets', '  polcy: sni-targets');
    const { err, file } = await failureOf(text);
    expect(err.code).toBe('TLSLAB_SCENARIO_INVALID');
    expect(err.message).toContain(`${file}:${lineOf(text, 'polcy')}:3 interceptor.polcy: unknown field "polcy" (did you mean "policy"?)`);
    expect(err.problems).toHaveLength(1); // not also "missing field policy"
  });

  it('a value outside an enum', async () => {
    const text = edit('kind: login', 'kind: logn');
    const { err, file } = await failureOf(text);
    expect(err.message).toContain(`${file}:${lineOf(text, 'logn')}:`);
    expect(err.message).toContain('session[0].action.kind: expected one of browse | login | mail | chat | search, got "logn"');
    expect(err.problems[0]).toMatchObject({ file, line: lineOf(text, 'logn'), path: 'session[0].action.kind' });
  });

  it('a missing required field points at its parent', async () => {
    // Without a preset, the state CA must be given whole.
    const text = edit('  profile: qaznet-2019\n', '  nameConstraints: false\n');
    const { err, file } = await failureOf(text);
    expect(err.message).toContain(
      `${file}:${lineOf(text, 'stateCa:')}:1 stateCa.root: missing field "root": the root certificate subscribers were asked to install`,
    );
    expect(err.message).toContain('stateCa.forgery: missing field "forgery"');
  });

  it('a duplicate step id', async () => {
    const text = edit('  - id: news', '  - id: bank-login');
    const { err } = await failureOf(text);
    const line = text.split('\n').findLastIndex((l) => l.includes('id: bank-login')) + 1;
    expect(err.message).toMatch(new RegExp(`mini\\.yaml:${line}:\\d+ session\\[1\\]\\.id: duplicate step id "bank-login"`));
  });

  it('an expectation naming an unknown client', async () => {
    const text = edit('{ client: no-cert, site: bank.example, outcome: refused', '{ client: nocert, site: bank.example, outcome: refused');
    const { err } = await failureOf(text);
    expect(err.message).toMatch(new RegExp(`mini\\.yaml:${lineOf(text, 'nocert')}:\\d+ expect\\[1\\]\\.client: no client is named "nocert"`));
    expect(err.message).toContain('no-cert, installed-cert');
  });

  it('a hostname outside the lab', async () => {
    const text = edit('url: "https://news.example/"', 'url: "https://google.com/"');
    const { err } = await failureOf(text);
    expect(err.message).toMatch(new RegExp(`mini\\.yaml:${lineOf(text, 'google.com')}:\\d+ session\\[1\\]\\.action\\.url: "google\\.com" is not a lab name`));
    const targets = await failureOf(edit('targets: [bank.example,', 'targets: [bank.com,'));
    expect(targets.err.message).toContain('interceptor.targets[0]: "bank.com" is not a lab name');
  });

  it('a lab name that no lab host answers (a typo a student would read as a refusal)', async () => {
    const text = edit('url: "https://news.example/"', 'url: "https://nwes.example/"');
    const { err } = await failureOf(text);
    expect(err.message).toMatch(
      new RegExp(`mini\\.yaml:${lineOf(text, 'nwes.example')}:\\d+ session\\[1\\]\\.action\\.url: no host of the lab is named "nwes\\.example"`),
    );
    expect(err.message).toContain('news.example');
  });

  it('a YAML syntax error', async () => {
    const text = edit('title: Read the news', 'title: "Read the news');
    const { err, file } = await failureOf(text);
    expect(err.code).toBe('TLSLAB_SCENARIO_YAML');
    expect(err.message).toContain(`${file}:${lineOf(text, '"Read the news')}:`);
    expect(err.message).toContain('YAML syntax error');
  });

  it('a target that no lab host answers, or a wildcard that covers none', async () => {
    const text = edit('targets: [bank.example, "*.outside.invalid"]', 'targets: [bnak.example, "*.nowhere.test"]');
    const { err, file } = await failureOf(text);
    const line = lineOf(text, 'bnak.example');
    expect(err.message).toContain(`${file}:${line}:`);
    expect(err.message).toContain('interceptor.targets[0]: no host of the lab is named "bnak.example"');
    expect(err.message).toContain('interceptor.targets[1]: "*.nowhere.test" covers no host of the lab');
  });

  it("a defence the client's program would silently ignore", async () => {
    const text = edit(
      '  - name: no-cert\n    trusts: [web]',
      '  - name: no-cert\n    trusts: [web]\n    program: curl\n    defences: { pins: { bank.example: site-key } }',
    );
    const { err, file } = await failureOf(text);
    expect(err.message).toContain(`${file}:${lineOf(text, 'defences:')}:`);
    expect(err.message).toContain(
      'clients[0].defences.pins: curl does not apply pins: only program: scripted applies every defence; remove it or use program: scripted',
    );
    const chromium = await failureOf(
      edit(
        '  - name: no-cert\n    trusts: [web]',
        '  - name: no-cert\n    trusts: [web]\n    program: chromium\n    defences: { blockedRoots: chrome-2019, detectInterception: ct-log }',
      ),
    );
    expect(chromium.err.problems.map((p) => p.path)).toEqual(['clients[0].defences.detectInterception']);
  });

  it('a name that differs from the file name', async () => {
    const { err, file } = await failureOf(VALID, 'maxi');
    expect(err.message).toContain(`${file}:1:7 name: the name "mini" must equal the file name without .yaml ("maxi")`);
  });

  it('cause without outcome refused, and outcome with captured', async () => {
    const text = edit('outcome: exposed }', 'outcome: exposed, cause: pin-mismatch, captured: url }');
    const { err } = await failureOf(text);
    expect(err.problems.map((p) => p.path)).toEqual(['expect[0].cause', 'expect[0].captured']);
  });

  it('shows the file relative to the working directory when inside it', () => {
    const inside = path.join(process.cwd(), 'scenarios', 'mini.yaml');
    expect(() => parseScenario(edit('kind: login', 'kind: logn'), inside)).toThrow(
      new RegExp(`^${path.join('scenarios', 'mini.yaml')} is not a valid scenario[\\s\\S]*\\n${path.join('scenarios', 'mini.yaml')}:\\d+:\\d+ `),
    );
  });
});

describe('sites and people as data', () => {
  const WORLD = `sites:
  - { kind: install-page, host: trust.example }
  - { kind: bank, host: ewbank.example, branding: { name: Elsewhere Savings Bank, currency: EUR } }
  - { kind: news, host: daily.example }
accounts:
  - { username: mira, password: "Elsewhere-22!", displayName: Mira }
interceptor:`;
  const world = (text: string) =>
    text
      .replace('interceptor:', WORLD)
      .replace('targets: [bank.example, "*.outside.invalid"]', 'targets: [ewbank.example]')
      .replaceAll('site: bank.example', 'site: ewbank.example')
      .replace('username: alice, password: "Almaty-2019!"', 'username: mira, password: "Elsewhere-22!"')
      .replace('https://news.example/', 'https://daily.example/');
  const OWN = world(VALID);

  it("loads the declared hosts, with each kind's defaults filled in", () => {
    const s = parseScenario(OWN, 'mini.yaml');
    expect(s.sites.map((x) => [x.kind, x.host, x.hsts])).toEqual([
      ['install-page', 'trust.example', false],
      ['bank', 'ewbank.example', true],
      ['news', 'daily.example', false],
    ]);
    expect(s.sites[1]!.branding).toEqual({ name: 'Elsewhere Savings Bank', tagline: 'Support: 7111', language: 'en', currency: 'EUR', locale: 'kk-KZ' });
    expect(s.sites[1]!.accounts.map((a) => a.username)).toEqual(['mira']);
    expect(s.sites[2]!.accounts).toEqual([]);
  });

  it('without sites, the Kazakh world of 2019', () => {
    const s = parseScenario(VALID, 'mini.yaml');
    expect(s.sites.map((x) => x.host)).toEqual([
      'qca.example',
      'bank.example',
      'social.example',
      'mail.example',
      'search.example',
      'news.example',
      'cdn.example',
      'vpn.example',
      'www.outside.invalid',
    ]);
  });

  it('a step on a host the file does not declare, with a guess', async () => {
    const text = OWN.replace('site: ewbank.example, username', 'site: ewbnak.example, username');
    const { err, file } = await failureOf(text);
    expect(err.problems.map((p) => `${p.line} ${p.path}: ${p.message}`)).toEqual([
      `${lineOf(text, 'ewbnak')} session[0].action.site: no host of the lab is named "ewbnak.example" (did you mean "ewbank.example"?); the lab's hosts are trust.example, ewbank.example, daily.example`,
    ]);
    expect(err.message).toContain(file);
  });

  it('a step on a site of the wrong kind, naming the ones that fit', async () => {
    const text = OWN.replace('{ kind: login, site: ewbank.example', '{ kind: login, site: daily.example');
    const { err } = await failureOf(text);
    expect(err.problems.map((p) => p.message)).toContain(
      'daily.example is a news site, and a login step needs a bank or social or outside site (ewbank.example)',
    );
  });

  it('credentials no account has, and a wrong password', async () => {
    const who = await failureOf(OWN.replace('site: ewbank.example, username: mira', 'site: ewbank.example, username: alice'));
    expect(who.err.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'session[0].action.username: ewbank.example has no account "alice"; its accounts are mira (declare people under accounts)',
    ]);
    const password = await failureOf(OWN.replace('password: "Elsewhere-22!" }', 'password: "elsewhere" }'));
    expect(password.err.problems.map((p) => p.path)).toEqual(['session[0].action.password']);
  });

  it('a target or a blocked name that covers no declared host', async () => {
    const text = OWN.replace('targets: [ewbank.example]', 'targets: [ewbank.example, bank.example]\n  blocks: [daily.example, "*.social.example"]');
    const { err } = await failureOf(text);
    expect(err.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'interceptor.targets[1]: no host of the lab is named "bank.example" (did you mean "ewbank.example"?); the lab\'s hosts are trust.example, ewbank.example, daily.example',
      'interceptor.blocks[1]: "*.social.example" covers no host of the lab; the lab\'s hosts are trust.example, ewbank.example, daily.example',
    ]);
  });

  it('a name both targeted and blocked', async () => {
    const { err } = await failureOf(OWN.replace('targets: [ewbank.example]', 'targets: [ewbank.example]\n  blocks: [ewbank.example]'));
    expect(err.problems.map((p) => p.message)).toEqual([
      '"ewbank.example" is both targeted and blocked; a blocked name is never forged, so keep it in one list',
    ]);
  });

  it('hosts the docker lab could not tell apart, a second install page, a name outside the lab', async () => {
    const text = OWN.replace(
      '  - { kind: news, host: daily.example }',
      '  - { kind: news, host: daily.example }\n  - { kind: search, host: daily.test }\n  - { kind: install-page, host: other.example }\n  - { kind: mail, host: mail.com }',
    );
    const { err } = await failureOf(text);
    expect(err.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'sites[3].host: "daily.test" and sites[2] (daily.example) would both be the lab\'s machine "daily"; give them different first labels',
      'sites[4].kind: a lab has one install-page site; sites[0] is already one',
      'sites[5].host: "mail.com" is not a lab name: every name must end in .example or .test (for example bank.example), so nothing in a scenario can reach a real site',
    ]);
  });

  it('plain HTTP sent to an install page the lab does not have', async () => {
    const { err } = await failureOf(OWN.replace('  - { kind: install-page, host: trust.example }\n', ''));
    expect(err.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'interceptor.plainHttp: plainHttp: install-page-for-targets sends visitors to the install page, and sites declares none; add one (kind: install-page) or set plainHttp: pass',
    ]);
  });
});

describe('finding scenarios', () => {
  it('an unknown name lists the available ones', async () => {
    const err = await resolveScenario('kz2019').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TLSLAB_SCENARIO_NOT_FOUND' });
    expect((err as Error).message).toContain('did you mean "kz-2019"?');
    expect((err as Error).message).toMatch(/available: .*kz-2019/);
  });

  it('a missing path is not found', async () => {
    const err = await resolveScenario(path.join(dir, 'nope.yaml')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TLSLAB_SCENARIO_NOT_FOUND' });
  });

  it('listScenarios validates every file', async () => {
    const sub = await mkdtemp(path.join(dir, 'list-'));
    await writeFile(path.join(sub, 'mini.yaml'), VALID);
    await writeFile(path.join(sub, 'broken.yaml'), VALID.replace('name: mini', 'name: broken').replace('kind: login', 'kind: logn'));
    await expect(listScenarios(sub)).rejects.toThrow(/broken\.yaml:\d+:\d+ session\[0\]\.action\.kind/);
  });
});

describe('the state CA as data (scenarios/state-cas/)', () => {
  const RU = `stateCa:
  profile: qaznet-2019
  id: ru-2022
  label: Russia, March 2022
  root:
    subject:
      - C: RU
      - O: The Ministry of Digital Development and Communications
      - CN: Russian Trusted Root CA
  intermediate:
    subject: [{ C: RU }, { CN: Russian Trusted Sub CA }]
    validity: { notBefore: "2022-03-01", notAfter: "2027-03-01" }
  forgery:
    leafKey: { bits: 3072 }
    copyExtensions: [subjectAltName, extendedKeyUsage]
`;

  it("overrides a preset field by field: what is not given stays the preset's", () => {
    const s = parseScenario(edit('stateCa:\n  profile: qaznet-2019\n', RU), 'mini.yaml');
    expect(s.stateCa).toMatchObject({ id: 'ru-2022', label: 'Russia, March 2022', preset: 'qaznet-2019', installFileStem: 'qazca' });
    expect(s.stateCa.root.subject.map((r) => `${r.shortName}=${r.value}`)).toEqual([
      'C=RU',
      'O=The Ministry of Digital Development and Communications',
      'CN=Russian Trusted Root CA',
    ]);
    // The key and validity of the root are the preset's; the intermediate's validity is replaced whole.
    expect(s.stateCa.root).toMatchObject({ bits: 4096, validity: { notBefore: '2016-02-02T00:00:00Z', notAfter: '2046-02-02T00:00:00Z' } });
    expect(s.stateCa.intermediate.validity).toEqual({ notBefore: '2022-03-01', notAfter: '2027-03-01' });
    // The leaf key's size is new, its exponent the preset's (3).
    expect(s.stateCa.forgery).toMatchObject({ keyBits: 3072, exponent: 3, keepExtensionOids: ['2.5.29.17', '2.5.29.37'] });
  });

  it('names the field of a bad override, its line and the choices', async () => {
    const text = edit('stateCa:\n  profile: qaznet-2019\n', RU.replace('leafKey: { bits: 3072 }', 'leafKey: { bits: 5000 }'));
    const { err, file } = await failureOf(text);
    expect(err.message).toContain(`${file}:${lineOf(text, 'bits: 5000')}:`);
    expect(err.message).toContain('stateCa.forgery.leafKey.bits');
    expect(err.message).toContain('1024 | 2048 | 3072 | 4096');
  });

  it('suggests the field meant by a misspelt one inside an override', async () => {
    const text = edit('stateCa:\n  profile: qaznet-2019\n', RU.replace('    subject:\n      - C: RU', '    subjct:\n      - C: RU'));
    const { err } = await failureOf(text);
    expect(err.message).toMatch(/stateCa\.root\.subjct: unknown field "subjct" \(did you mean "subject"\?\)/);
  });

  it('says which presets exist when given an unknown one', async () => {
    const text = edit('  profile: qaznet-2019\n', '  profile: qaznet-2091\n');
    const { err, file } = await failureOf(text);
    expect(err.message).toContain(`${file}:${lineOf(text, 'qaznet-2091')}:`);
    expect(err.message).toContain(
      'there is no state CA preset "qaznet-2091" (did you mean "qaznet-2019"?); the presets are isca-2020, qaznet-2019, upstream-attacker',
    );
  });

  it('refuses a validity that is both days and dates', async () => {
    const text = edit(
      'stateCa:\n  profile: qaznet-2019\n',
      RU.replace('validity: { notBefore: "2022-03-01", notAfter: "2027-03-01" }', 'validity: { days: 75, notBefore: "2022-03-01", notAfter: "2027-03-01" }'),
    );
    const { err } = await failureOf(text);
    expect(err.message).toContain('stateCa.intermediate.validity: give either days, or notBefore and notAfter, not both');
  });

  it('loads every shipped preset, its id equal to its file name', () => {
    const ids = stateCaPresetIds();
    expect(ids).toEqual(['isca-2020', 'qaznet-2019', 'upstream-attacker']);
    for (const id of ids) expect(loadStateCaPreset(id).id).toBe(id);
  });
});
