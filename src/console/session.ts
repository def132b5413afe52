/**
 * The console's state, kept by the server so every tab shows the same thing: the
 * terminals' lines, where the walkthrough is, the forged certificates, the matrix. It reads
 * the lab only through the `Lab` interface: the ISP box from its events, the clients from
 * `runStep`, the sites from the box's connection records.
 */
import type { StepRun } from '../clients/step-run.ts';
import type { InterceptorEvent } from '../interceptor/events.ts';
import { diffCertificates } from '../pki/diff.ts';
import { shellTargets } from './shell.ts';
import type { Lab } from '../runtime/lab.ts';
import { combineOutcomes, FlowIndex, outcomeOf, type AttemptOutcome } from '../scenario/outcomes.ts';
import { explainStep, siteOf } from '../scenario/schema.ts';
import {
  clipLine,
  MAX_TERMINAL_LINES,
  ProtocolError,
  type ClientMessage,
  type ForgedView,
  type MatrixView,
  type ServerMessage,
  type Snapshot,
  type StepResultView,
  type TerminalInfo,
  type WalkthroughState,
} from './protocol.ts';
import { StateRead } from './state-read.ts';
import { subscriberView } from './subscriber-view.ts';
import { clientLines, ispLine, siteLine, stepHeading } from './terminal-lines.ts';

const ISP_TERMINAL = 'isp';
const SITES_TERMINAL = 'sites';
const ATTACKER_TERMINAL = 'attacker';
const clientTerminal = (client: string) => `client:${client}`;
/** Where the page fetches screenshot n (server.ts serves it from screenshotFile). */
const screenshotUrl = (n: number) => `/screenshots/${n}.png`;
/** The n of a screenshot URL, or null when the path is not one. */
export function screenshotNumber(path: string): number | null {
  const m = /^\/screenshots\/(\d{1,9})\.png$/.exec(path);
  return m ? Number(m[1]) : null;
}

export class ConsoleSession {
  private readonly lines = new Map<string, string[]>();
  private readonly terminals: TerminalInfo[];
  private readonly forged = new Map<string, ForgedView>();
  private readonly listeners = new Set<(m: ServerMessage) => void>();
  private readonly siteNames: Set<string>;
  private readonly ispName: string;
  private readonly unsubscribe: () => void;
  private walkthrough: WalkthroughState = { position: -1, running: false, results: {}, acting: [] };
  /** Resolves when the step running now has finished (tests and shutdown wait on it). */
  private running: Promise<void> = Promise.resolve();
  private attackerSeen = 0;
  private readonly read = new StateRead();
  /** The step running now, for pinning what the box reads to it. */
  private stepRunning: number | null = null;
  /** Screenshot files the page may fetch, by number: only these are served (no path from the page). */
  private readonly screenshots: string[] = [];

  constructor(
    private readonly lab: Lab,
    private readonly matrix: MatrixView | null = null,
  ) {
    const hosts = lab.describe().hosts;
    const shells = shellTargets(lab);
    this.siteNames = new Set(hosts.filter((h) => h.role === 'site').map((h) => h.name));
    this.ispName = hosts.find((h) => h.role === 'isp')?.name ?? 'isp';
    this.terminals = [
      ...lab.scenario.clients.map((c): TerminalInfo => ({
        id: clientTerminal(c.name),
        title: `${c.name}: what the subscriber sees`,
        host: c.name,
        role: 'client',
        ...(shells[c.name] ? { shell: true } : {}),
      })),
      { id: ISP_TERMINAL, title: 'ISP box: what the state reads', host: this.ispName, role: 'isp' },
      { id: SITES_TERMINAL, title: 'Sites: what reaches them', host: 'sites', role: 'sites' },
    ];
    // A second attacker beyond the ISP (the sloppy scenario). Lab has no listener for its
    // events, so its terminal is filled after each client's run.
    if (lab.scenario.attacker)
      this.terminals.push({
        id: ATTACKER_TERMINAL,
        title: `Attacker beyond the ISP, posing as ${lab.scenario.attacker.impersonates.join(', ')}`,
        host: 'attacker',
        role: 'attacker',
      });
    for (const t of this.terminals) this.lines.set(t.id, []);
    for (const c of lab.scenario.clients) this.write(clientTerminal(c.name), c.description ?? `client ${c.name}`);
    this.write(ISP_TERMINAL, `${lab.scenario.interceptor.policy}: waiting for traffic`);
    this.write(SITES_TERMINAL, 'waiting for traffic through the ISP box');
    if (lab.scenario.attacker) this.write(ATTACKER_TERMINAL, 'waiting: it sees what the ISP box sends on to the sites it poses as');
    for (const e of lab.interceptorEvents()) this.onEvent(e);
    this.unsubscribe = lab.onInterceptorEvent((e) => this.onEvent(e));
  }

  subscribe(listener: (m: ServerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): Snapshot {
    const s = this.lab.scenario;
    return {
      scenario: { name: s.name, title: s.title, summary: s.summary ?? null, period: s.period ?? null, runtime: this.lab.runtime },
      hosts: this.lab.describe().hosts.map((h) => ({ name: h.name, role: h.role, address: h.address, description: h.description })),
      steps: s.session.map((st) => ({ id: st.id, title: st.title, narrative: st.narrative ?? null, explain: explainStep(st.action), site: siteOf(st.action) })),
      subscribers: s.clients.map(subscriberView),
      terminals: this.terminals,
      lines: Object.fromEntries(this.lines),
      walkthrough: this.walkthrough,
      forged: [...this.forged.values()],
      read: this.read.view(),
      matrix: this.matrix,
    };
  }

  /** What a page asked for. Throws ProtocolError (CONSOLE_ERR_BUSY) while a step runs. */
  handle(m: ClientMessage): void {
    if (m.type === 'hello') return;
    if (this.walkthrough.running) throw new ProtocolError('CONSOLE_ERR_BUSY', 'a step is still running; wait for it to finish');
    const summary = this.lab.scenario.session.length;
    if (m.type === 'back') {
      this.walkthrough = { ...this.walkthrough, position: Math.max(-1, this.walkthrough.position - 1), acting: [] };
      this.publish({ v: 1, type: 'walkthrough', walkthrough: this.walkthrough });
      return;
    }
    if (m.type === 'next') {
      if (this.walkthrough.position >= summary) return;
      this.walkthrough = { ...this.walkthrough, position: this.walkthrough.position + 1 };
      // After the last step comes the closing summary: nothing to run.
      if (this.walkthrough.position === summary) return this.publish({ v: 1, type: 'walkthrough', walkthrough: this.walkthrough });
    }
    if (this.walkthrough.position < 0 || this.walkthrough.position >= summary) return;
    this.running = this.runStep(this.walkthrough.position);
  }

  /** The file behind screenshot URL number n, or null for a number this session never gave out. */
  screenshotFile(n: number): string | null {
    return this.screenshots[n] ?? null;
  }

  /** Wait for the step that is running (if any). */
  settled(): Promise<void> {
    return this.running;
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  /** Run one step live for every client, in the scenario's order, streaming as it goes. */
  private async runStep(index: number): Promise<void> {
    const step = this.lab.scenario.session[index]!;
    const site = siteOf(step.action);
    const results: StepResultView[] = [];
    this.setWalkthrough({ running: true, acting: [], results: { ...this.walkthrough.results, [step.id]: results } });
    const heading = stepHeading(index, step.title);
    this.write(ISP_TERMINAL, heading);
    this.write(SITES_TERMINAL, heading);
    this.stepRunning = index;
    try {
      for (const client of this.lab.scenario.clients) {
        const term = clientTerminal(client.name);
        this.write(term, heading);
        this.write(term, `$ ${explainStep(step.action)}`);
        this.setWalkthrough({ acting: [client.name, this.ispName, site] });
        const from = Date.now();
        let run: StepRun;
        try {
          run = await this.lab.runStep(client.name, step);
        } catch (err) {
          const message = `the step failed inside the lab: ${(err as Error).message}`;
          this.write(term, `\x1b[1;31m${message}\x1b[0m`);
          this.publish({ v: 1, type: 'error', code: 'CONSOLE_ERR_STEP_FAILED', message });
          continue;
        }
        // What the box read of this step is recorded before its outcome is read (runner.ts does the same).
        await this.lab.settled();
        this.readAttacker();
        const flows = new FlowIndex(this.lab.interceptorEvents());
        const window = { client: client.name, from: from - 1, to: Date.now() };
        const outcomes: AttemptOutcome[] = run.attempts.map((a) => outcomeOf(a, flows, window));
        const worst = outcomes.length ? combineOutcomes(outcomes) : null;
        for (const line of clientLines(run, outcomes, worst)) this.write(term, line);
        const outcome = run.skipped ? 'skipped' : (worst?.outcome ?? 'untouched');
        results.push({
          client: client.name,
          outcome,
          summary: run.summary,
          cause: outcome === 'refused' ? (worst?.cause ?? null) : null,
          why: outcome === 'skipped' ? null : (worst?.why ?? null),
          screenshots: this.keepScreenshots(run),
        });
        this.setWalkthrough({ results: { ...this.walkthrough.results, [step.id]: [...results] } });
      }
    } finally {
      this.stepRunning = null;
      this.setWalkthrough({ running: false, acting: [] });
    }
  }

  private keepScreenshots(run: StepRun): string[] {
    const files = (run as { screenshots?: string[] }).screenshots ?? [];
    return files.map((file) => screenshotUrl(this.screenshots.push(file) - 1));
  }

  private onEvent(e: InterceptorEvent): void {
    const isp = ispLine(e);
    if (isp) this.write(ISP_TERMINAL, isp);
    const site = siteLine(e, (n) => this.siteNames.has(n));
    if (site) this.write(SITES_TERMINAL, site);
    if (e.type === 'capture' && this.read.add(e, this.stepRunning)) this.publish({ v: 1, type: 'read', read: this.read.view() });
    if (e.type === 'forged') {
      const view: ForgedView = { sni: e.sni, names: e.names, issuer: e.issuer, realIssuer: e.realIssuer, diff: diffCertificates(e.real, e.forged) };
      this.forged.set(e.sni, view);
      this.publish({ v: 1, type: 'forged', forged: view });
    }
  }

  private readAttacker(): void {
    if (!this.lab.scenario.attacker) return;
    const events = this.lab.attackerEvents();
    for (const e of events.slice(this.attackerSeen)) {
      const line = ispLine(e);
      if (line) this.write(ATTACKER_TERMINAL, line);
    }
    this.attackerSeen = events.length;
  }

  private setWalkthrough(patch: Partial<WalkthroughState>): void {
    this.walkthrough = { ...this.walkthrough, ...patch };
    this.publish({ v: 1, type: 'walkthrough', walkthrough: this.walkthrough });
  }

  private write(terminal: string, text: string): void {
    const line = clipLine(text);
    const buffer = this.lines.get(terminal)!;
    buffer.push(line);
    if (buffer.length > MAX_TERMINAL_LINES) buffer.splice(0, buffer.length - MAX_TERMINAL_LINES);
    this.publish({ v: 1, type: 'line', terminal, text: line });
  }

  private publish(m: ServerMessage): void {
    for (const l of this.listeners) l(m);
  }
}
