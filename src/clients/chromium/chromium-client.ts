/**
 * A subscriber using Debian's real Chromium: it types the session's URLs, fills the bank's
 * form, signs in to webmail and chats through the pages' own scripts, and meets the real
 * certificate warnings: with or without the state root installed, with Chrome's 2019/2020
 * CRLSet block on that root, with or without HSTS, clicking through when the person would and
 * the browser lets them.
 *
 * Each client is one browser with its own HOME (NSS database), its own profile folder and its
 * own line into the ISP box (resolver rules), all under `ctx.workDir`. See docs/chromium.md
 * for what was tried to distrust the state root per client and what Chromium showed.
 */
import { constants } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { hstsHosts } from '../../runtime/lab-sites.ts';
import { DEFAULT_ACCOUNTS, DEFAULT_SITES, resolveSites } from '../../scenario/sites.ts';
import type { SessionStep, StepAction } from '../../scenario/schema.ts';
import type { Attempt } from '../http-client.ts';
import type { ClientContext, LabClient } from '../lab-client.ts';
import type { StepRun } from '../step-run.ts';
import { AttemptRecorder } from './attempt-recorder.ts';
import { installCrlSet, spkiSha256 } from './crlset.ts';
import { CrlSetProbe } from './crlset-probe.ts';
import { readErrorPage, whyNoWayThrough, type ErrorPage } from './error-page.ts';
import { ChromiumClientError, chromiumMissing } from './errors.ts';
import { createNssDb, addNssRoot, hostResolverRules, makeProfileFolder, writeHstsMemory, type NssRoot } from './profile-folder.ts';
import type { PageDocument } from './page-dom.ts';

/** The page's own document, inside functions Playwright runs in the page. */
declare const document: PageDocument;

/** Debian's Chromium, as its users start it (the wrapper reads /etc/chromium.d). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export interface ChromiumProfile {
  /** Roots installed in this browser's NSS database: web (public web PKI), state (the state root). */
  trusts: Array<'web' | 'state'>;
  /**
   * Chrome's response of 2019/2020: the state root is installed (as the SMS asked) and then
   * blocked by a CRLSet in this profile, whatever the user trusts. Chromium then refuses every
   * chain through it with a warning that has no way through.
   */
  distrust: boolean;
  /**
   * Which CRLSet list blocks the root: `revoked` (BlockedSPKIs → ERR_CERT_REVOKED, what Chrome
   * showed for the 2019 Qaznet root) or `known-interception` (BlockedInterceptionSPKIs →
   * ERR_CERT_KNOWN_INTERCEPTION_BLOCKED, the 2020 ISCA roots). Default: revoked.
   */
  distrustAs?: 'revoked' | 'known-interception';
  /** The person clicks "Advanced" → "Proceed to … (unsafe)" whenever Chromium offers it. Default false. */
  clickThrough?: boolean;
  /**
   * Hosts whose HSTS the browser already knows (the real targets were HSTS-preloaded).
   * Default: every lab site that sends Strict-Transport-Security. [] = a browser that never
   * visited any of them, whose warnings can all be clicked through.
   */
  hstsPreload?: string[];
  /** Names the lab's DNS answers for this line. Default: every name of the client's network. */
  names?: string[];
  /** Default CHROMIUM_PATH. */
  executablePath?: string;
}

/** A StepRun with the screenshots taken during the step. */
interface ChromiumStepRun extends StepRun {
  screenshots: string[];
}

/** How long one page may take to load through the box. */
const NAVIGATION_TIMEOUT_MS = 15_000;
/** How long the page's own script may take (sign-in, chat echo). */
const UI_TIMEOUT_MS = 10_000;

export class ChromiumClient implements LabClient {
  private screenshots: string[] = [];
  private shots = 0;
  private step = 'step';

  private constructor(
    readonly ctx: ClientContext,
    readonly profile: Readonly<ChromiumProfile>,
    private readonly context: BrowserContext,
    private readonly page: Page,
    private readonly recorder: AttemptRecorder,
    /** How long Chromium took to put the CRLSet in force, when distrusting. */
    readonly crlSetLoadMs: number | null,
  ) {}

  static async launch(ctx: ClientContext, profile: ChromiumProfile): Promise<ChromiumClient> {
    const executablePath = profile.executablePath ?? CHROMIUM_PATH;
    await access(executablePath, constants.X_OK).catch(() => {
      throw chromiumMissing(executablePath);
    });
    if (!(await onPath('certutil'))) throw chromiumMissing('certutil');

    const base = join(ctx.workDir, 'chromium');
    await rm(base, { recursive: true, force: true });
    const folder = await makeProfileFolder(base);
    await mkdir(join(ctx.workDir, 'screenshots'), { recursive: true });

    const installState = profile.trusts.includes('state') || profile.distrust;
    const roots: NssRoot[] = [];
    if (profile.trusts.includes('web')) roots.push({ nickname: 'Lab web PKI root', pem: ctx.roots.web, trust: 'C,,' });
    if (installState) roots.push({ nickname: 'National security certificate', pem: ctx.roots.state, trust: 'C,,' });
    await createNssDb(folder, roots);
    await writeHstsMemory(folder, profile.hstsPreload ?? hstsSitesOfLab(), new Date());

    let probe: CrlSetProbe | null = null;
    let context: BrowserContext | null = null;
    try {
      const before: string[] = [];
      if (profile.distrust) {
        probe = await CrlSetProbe.start();
        await addNssRoot(folder, { nickname: 'CRLSet probe', pem: probe.caPem, trust: 'C,,' });
        const stateSpki = spkiSha256(ctx.roots.state);
        const asInterception = profile.distrustAs === 'known-interception';
        await installCrlSet(folder.userDataDir, {
          sequence: 1,
          blockedSpkis: asInterception ? [probe.caSpki] : [stateSpki, probe.caSpki],
          blockedInterceptionSpkis: asInterception ? [stateSpki] : [],
        });
        before.push(probe.hostRule());
      }
      const rules = hostResolverRules(ctx.network, profile.names ?? ctx.network.names, before);
      context = await chromium
        .launchPersistentContext(folder.userDataDir, {
          executablePath,
          headless: true,
          // The lab stops its browsers itself, after its own Ctrl-C handling: Playwright's
          // handlers would kill Chromium and exit 130 before the lab's keys are deleted.
          handleSIGINT: false,
          handleSIGTERM: false,
          handleSIGHUP: false,
          env: { ...process.env, HOME: folder.home },
          viewport: { width: 1100, height: 760 },
          // Playwright adds --disable-component-update itself; it is ours to decide (below).
          ignoreDefaultArgs: ['--disable-component-update'],
          args: chromiumArgs(rules, profile.distrust),
        })
        .catch((err: Error) => {
          throw new ChromiumClientError('TLSLAB_CHROMIUM_LAUNCH', `Chromium did not start: ${err.message.split('\n')[0]}`, { cause: err });
        });
      const crlSetLoadMs = probe ? await probe.waitUntilInForce(context) : null;
      const page = context.pages()[0] ?? (await context.newPage());
      const recorder = await AttemptRecorder.attach(context, page);
      return new ChromiumClient(ctx, profile, context, page, recorder, crlSetLoadMs);
    } catch (err) {
      // A half-failed start tears down what it started.
      await context?.close().catch(() => undefined);
      throw err;
    } finally {
      await probe?.close();
    }
  }

  async runStep(step: SessionStep): Promise<ChromiumStepRun> {
    this.step = step.id;
    this.shots = 0;
    this.screenshots = [];
    this.recorder.take();
    const summary = await this.act(step.action).catch(async (err: Error) => {
      // What the tab showed when the step went wrong, if the browser can still say.
      await this.shoot().catch(() => undefined);
      return `failed: ${err.message.split('\n')[0]}`;
    });
    return { step: step.id, attempts: this.recorder.take(), summary, screenshots: this.screenshots };
  }

  async close(): Promise<void> {
    await this.context.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // -------------------------------------------------------------------------------------------
  // The person's actions.

  private async act(action: StepAction): Promise<string> {
    switch (action.kind) {
      case 'browse': {
        const seen = await this.visit(action.url);
        return seen.ok ? `${seen.status ?? '?'} ${this.page.url()} "${await this.page.title()}"${seen.note}` : seen.summary;
      }
      case 'search': {
        const seen = await this.visit(`https://${action.site}/search?q=${encodeURIComponent(action.query)}`);
        return seen.ok ? `searched "${action.query}": ${seen.status ?? '?'} "${await this.page.title()}"${seen.note}` : seen.summary;
      }
      case 'login':
        return this.login(action.site, action.username, action.password);
      case 'mail':
        return this.mail(action.site, action.username, action.password);
      case 'chat':
        return this.chat(action.site, action.messages);
    }
  }

  private async login(site: string, username: string, password: string): Promise<string> {
    const form = await this.visit(`https://${site}/login`);
    if (!form.ok) return form.summary;
    if (!(await this.page.$('form input[name=password]'))) return `no login form on https://${site}/login: "${await this.page.title()}"`;
    await this.page.fill('input[name=username]', username);
    await this.page.fill('input[name=password]', password);
    await Promise.all([this.page.waitForNavigation({ timeout: NAVIGATION_TIMEOUT_MS }), this.page.click('form:has(input[name=password]) [type=submit]')]);
    await this.shoot();
    const url = new URL(this.page.url());
    const title = await this.page.title();
    if (url.pathname === '/login') return `login refused by ${site}: "${title}"`;
    return `logged in as ${username}: ${url.href} "${title}"${form.note}`;
  }

  /** Webmail is a single-page app (lab/sites/mail.ts): its own script signs in and lists the inbox. */
  private async mail(site: string, username: string, password: string): Promise<string> {
    const shell = await this.visit(`https://${site}/`);
    if (!shell.ok) return shell.summary;
    let count: number;
    if (await this.page.$('form#login')) {
      await this.page.fill('#login [name=username]', username);
      await this.page.fill('#login [name=password]', password);
      await this.page.click('#login [type=submit]');
      await this.page.waitForFunction(
        () => document.querySelectorAll('#messages .mail').length > 0 || (document.getElementById('error')?.textContent ?? '') !== '',
        undefined,
        { timeout: UI_TIMEOUT_MS },
      );
      count = await this.page.$$eval('#messages .mail', (rows) => rows.length);
      await this.shoot();
      if (count === 0) return `sign-in refused by ${site}: "${await this.page.textContent('#error')}"`;
    } else {
      // No sign-in form on the page: do what its script would, with fetch() from the page.
      count = await this.page.evaluate(
        async ({ username, password }) => {
          const login = await fetch('/api/login', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ username, password }),
          });
          if (!login.ok) return 0;
          const { token } = (await login.json()) as { token: string };
          const inbox = await (await fetch('/api/inbox', { headers: { Authorization: `Bearer ${token}` } })).json();
          return Array.isArray(inbox) ? inbox.length : 0;
        },
        { username, password },
      );
      await this.shoot();
    }
    return `read the inbox: ${count} messages${shell.note}`;
  }

  /** The chat page's own script opens wss://<site>/chat; the person types and presses Enter. */
  private async chat(site: string, messages: string[]): Promise<string> {
    const room = await this.visit(`https://${site}/chat`);
    if (!room.ok) return room.summary;
    const status = await this.page
      .waitForFunction(() => ['Connected', 'Disconnected'].includes(document.getElementById('status')?.textContent ?? ''), undefined, {
        timeout: UI_TIMEOUT_MS,
      })
      .then(() => this.page.textContent('#status'));
    if (status !== 'Connected') {
      await this.shoot();
      return `chat failed: the page says "${status}"`;
    }
    for (const text of messages) {
      await this.page.fill('#text', text);
      await this.page.press('#text', 'Enter');
      await this.page.waitForFunction((t) => [...document.querySelectorAll('#log .msg')].some((m) => m.children[1]?.textContent === t), text, {
        timeout: UI_TIMEOUT_MS,
      });
    }
    const received = await this.page.$$eval('#log .msg', (lines) => lines.length);
    await this.shoot();
    return `chatted: sent ${messages.length}, the page shows ${received} messages${room.note}`;
  }

  // -------------------------------------------------------------------------------------------
  // Opening a page the way a person does, warnings included.

  private async visit(url: string): Promise<{ ok: true; status: number | null; note: string } | { ok: false; summary: string }> {
    let failure: Error | null = null;
    const response = await this.page.goto(url, { timeout: NAVIGATION_TIMEOUT_MS }).catch((err: Error) => {
      failure = err;
      return null;
    });
    const warning = await readErrorPage(this.page, failure !== null);
    await this.shoot();
    if (!warning && failure) return { ok: false, summary: `could not open ${url}: ${(failure as Error).message.split('\n')[0]}` };
    if (!warning) return { ok: true, status: response?.status() ?? null, note: '' };
    this.describeFailure(url, warning);
    if (warning.kind === 'certificate-warning') {
      // "Advanced" shows why (HSTS, revoked, monitored) and, when allowed, the way through.
      await this.page.click('#details-button');
      await this.shoot();
      if (warning.canProceed && this.profile.clickThrough) return this.clickThrough(url, warning);
    }
    return { ok: false, summary: failureSummary(url, warning, warning.issuer ?? this.recorder.visibleIssuer()) };
  }

  /** "Advanced" → "Proceed to … (unsafe)": the person now uses the forged certificate. */
  private async clickThrough(url: string, warning: ErrorPage): Promise<{ ok: true; status: number | null; note: string } | { ok: false; summary: string }> {
    const [response] = await Promise.all([this.page.waitForNavigation({ timeout: NAVIGATION_TIMEOUT_MS }), this.page.click('#proceed-link')]);
    const again = await readErrorPage(this.page, response === null);
    await this.shoot();
    if (again) {
      this.describeFailure(url, again);
      return { ok: false, summary: failureSummary(url, again, again.issuer ?? this.recorder.visibleIssuer()) };
    }
    const proceeded = this.recorder.lastFor(this.page.url()) ?? this.recorder.lastFor(url);
    const note = `clicked through the warning (${warning.code}) and proceeded`;
    if (proceeded) proceeded.note = note;
    return { ok: true, status: response?.status() ?? null, note: ` after the person ${note}` };
  }

  /** The failed attempt gets the page's words and the certificate's issuer. */
  private describeFailure(url: string, page: ErrorPage): void {
    const attempt: Attempt | undefined = this.recorder.lastFailed() ?? this.recorder.lastFor(url);
    if (!attempt) return;
    attempt.error = { code: page.code, message: [page.message, whyNoWayThrough(page)].filter(Boolean).join(' ') };
    attempt.issuer ??= page.issuer ?? this.recorder.visibleIssuer();
  }

  private async shoot(): Promise<void> {
    const file = join(this.ctx.workDir, 'screenshots', `${this.step}-${++this.shots}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    this.screenshots.push(file);
  }
}

/**
 * The switches every lab Chromium runs with. --disable-component-update is left out only for a
 * distrusting client, because Chromium reads the CRLSet only when it registers its components;
 * the updater's own requests then die in `MAP * ~NOTFOUND` like everything else off the lab.
 */
function chromiumArgs(rules: string, distrust: boolean): string[] {
  return [
    `--host-resolver-rules=${rules}`,
    '--no-sandbox', // root in a container; the lab's pages are its own
    '--disable-background-networking',
    ...(distrust ? [] : ['--disable-component-update']),
    '--disable-sync',
    '--no-first-run',
    '--disable-quic', // the ISP box speaks TCP/TLS only, as in 2019
  ];
}

/** The default world's sites that send Strict-Transport-Security, which the browser knows. */
function hstsSitesOfLab(): string[] {
  return hstsHosts(resolveSites(DEFAULT_SITES, DEFAULT_ACCOUNTS));
}

function failureSummary(url: string, page: ErrorPage, issuer: string | null): string {
  if (page.kind === 'network-error') return `could not open ${url}: ${page.code} "${page.heading}"`;
  const way = page.canProceed ? 'the person did not click "Proceed"' : `no way through: ${whyNoWayThrough(page)}`;
  return `refused ${url}: warning "${page.heading}" (${page.code}, certificate issued by ${issuer ?? 'unknown'}); ${way}`;
}

async function onPath(program: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    if (
      await access(join(dir, program), constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}
