/**
 * The embedded runtime: every lab host is a server on its own loopback address, in this
 * process; no root, no Docker. The path through the ISP is emulated by giving clients the
 * ISP box's address for every site (see address-plan.ts); the box learns the original
 * destination from the address the connection arrived on, as a TPROXY box does.
 */
import { capturePackets, type PacketCapture } from '../packet-capture.ts';
import { join } from 'node:path';
import { LOCAL_BLOCKS, clientAddress } from './address-plan.ts';
import { phase, type PhaseListener } from '../phases.ts';
import { runProbeJob } from '../../measure/probe-job.ts';
import type { LabClient } from '../../clients/lab-client.ts';
import { trustFactsOf, type TrustFacts } from '../../clients/trust-facts.ts';
import type { Endpoint } from '../../interceptor/events.ts';
import { Interceptor } from '../../interceptor/interceptor.ts';
import { createLabPki, type LabPki } from '../../pki/lab-pki.ts';
import type { Scenario, SessionStep } from '../../scenario/schema.ts';
import { hostNumbers, httpsHosts, installPageHost } from '../../scenario/sites.ts';
import { describeLabPki } from '../describe-pki.ts';
import type { HandCommand, HandTry } from '../hand-command.ts';
import type { Lab, LabDescription, LabHost, Measurement, MeasureRequest, ProgramRun, ProgramSpec } from '../lab.ts';
import type { TrustAnchor } from '../../scenario/schema.ts';
import { ProgramNamespace } from './program-namespace.ts';
import { writeProgramPins } from '../program-pins.ts';
import { createLabStateDir, removeLabStateDir } from '../state-dir.ts';
import { policyOf } from '../../scenario/scenario-policy.ts';
import { startClient } from '../start-client.ts';
import { localHandCommand } from './hand-commands.ts';
import { startInternet, type Internet, type RunningHost } from './internet.ts';
import { startUpstreamAttacker, type UpstreamAttacker } from './upstream-attacker.ts';

interface LocalLabOptions {
  /** Parent of the lab's state folder (default ./.tlslab or TLSLAB_STATE_DIR). */
  stateRoot?: string;
  /** Keep the state folder (keys, certificates) after stop. */
  keepState?: boolean;
  onPhase?: PhaseListener;
}

/** The line `tlslab up` gives a person at the keyboard. */
const BY_HAND = 'by-hand';

interface Route {
  name: string;
  https?: Endpoint;
  http?: Endpoint;
}

export class LocalLab implements Lab {
  readonly runtime = 'local' as const;
  /** Clients as they start: kept as promises so that stop() also ends one still launching. */
  private readonly clients = new Map<string, Promise<LabClient>>();
  private stopped = false;
  private readonly facts: TrustFacts;
  /** Programs' namespaces (`tlslab test`), one per line and trust store, made on first use. */
  private readonly programLines = new Map<string, Promise<ProgramNamespace>>();
  private readonly captures: PacketCapture[] = [];

  private constructor(
    readonly scenario: Scenario,
    private readonly stateDir: string,
    private readonly pki: LabPki,
    private readonly internet: Internet,
    private readonly interceptor: Interceptor,
    /** line (client name, or BY_HAND) → site → where that line reaches it through the box. */
    private readonly lines: Map<string, Map<string, Route>>,
    private readonly keepState: boolean,
    private readonly attacker: UpstreamAttacker | null,
  ) {
    this.facts = trustFactsOf(pki, httpsHosts(scenario.sites), internet.hstsSites);
  }

  static async start(scenario: Scenario, opts: LocalLabOptions = {}): Promise<LocalLab> {
    const stateDir = await createLabStateDir(scenario.name, opts.stateRoot, { keep: opts.keepState });
    const cleanup: Array<() => Promise<void> | void> = [];
    try {
      const profile = scenario.stateCa;
      const pki0 = await phase(opts.onPhase, 'keys and certificates', () =>
        createLabPki({
          dir: stateDir,
          profile,
          nameConstrained: scenario.stateCa.nameConstraints,
          siteNames: httpsHosts(scenario.sites),
        }),
      );
      cleanup.push(() => pki0.close());
      const internet = await phase(opts.onPhase, `the ${scenario.sites.length} sites`, () => startInternet(scenario.sites, pki0, profile));
      const numbers = hostNumbers(scenario.sites);
      cleanup.push(() => internet.close());
      const sites = internet.hosts;
      const interceptor = new Interceptor({ pki: pki0, policy: policyOf(scenario), recordsDir: join(stateDir, 'isp') });
      cleanup.push(() => interceptor.close());
      const attacker = scenario.attacker
        ? await phase(opts.onPhase, 'the attacker beyond the ISP', () => startUpstreamAttacker(scenario, sites, stateDir, pki0.webRoot.cert.pem))
        : null;
      if (attacker) cleanup.push(() => attacker.close());
      // Every subscriber has its own line into the box (its own set of ports on the route to
      // each site), so the box knows whose connection it is, whatever the client program.
      const lines = new Map<string, Map<string, Route>>();
      await phase(opts.onPhase, `the ISP box, a line for each of ${scenario.clients.length} subscribers`, async () => {
        for (const line of [...scenario.clients.map((c) => c.name), BY_HAND]) {
          lines.set(line, await openLine(interceptor, sites, attacker, line, (site) => `${LOCAL_BLOCKS.isp}.${numbers.get(site)}`));
        }
      });
      return new LocalLab(scenario, stateDir, pki0, internet, interceptor, lines, !!opts.keepState, attacker);
    } catch (err) {
      // A half-failed start tears down what it started.
      for (const undo of cleanup.reverse()) await undo();
      if (!opts.keepState) await removeLabStateDir(stateDir);
      throw err;
    }
  }

  async runProgram(spec: ProgramSpec): Promise<ProgramRun> {
    if (this.stopped) throw new Error(`the ${this.scenario.name} lab has stopped`);
    const key = `${spec.line}|${[...spec.trusts].sort().join('+')}`;
    let ns = this.programLines.get(key);
    if (!ns) {
      ns = this.openProgramLine(spec.line, spec.trusts, join(this.stateDir, 'programs', key.replace(/[|+]/g, '-')));
      this.programLines.set(key, ns);
    }
    const namespace = await ns;
    return namespace.runProgram(spec.command, { timeoutMs: spec.timeoutMs, env: { TLSLAB_PINS_FILE: join(this.stateDir, 'programs', 'pins.json') } });
  }

  /** A program's line: its own namespace, reaching the box's listeners on the host end of its link. */
  private async openProgramLine(line: string, trusts: TrustAnchor[], dir: string): Promise<ProgramNamespace> {
    const numbers = hostNumbers(this.scenario.sites);
    await writeProgramPins(join(this.stateDir, 'programs', 'pins.json'), this.pki, httpsHosts(this.scenario.sites), this.facts);
    return ProgramNamespace.create({
      dir,
      sites: this.internet.hosts.map((h) => ({ name: h.name, number: numbers.get(h.name)! })),
      trustPem: trusts.map((t) => (t === 'web' ? this.pki.webRoot.cert.pem : this.pki.stateRoot.cert.pem)).join(''),
      listen: (address) => openLine(this.interceptor, this.internet.hosts, this.attacker, line, () => address),
    });
  }

  async measure(req: MeasureRequest): Promise<Measurement> {
    if (this.stopped) throw new Error(`the ${this.scenario.name} lab has stopped`);
    const servers = this.describe()
      .hosts.filter((h) => h.role === 'site' && h.routes?.https)
      .map((h) => ({ name: h.name, route: h.routes!.https! }));
    const result = await runProbeJob({ servers, candidates: req.candidates, webRoot: this.pki.webRoot.cert.pem, ttl: null });
    return {
      ...result,
      vantage: "this machine, on the box's subscriber lines (loopback)",
      ttlUnavailable:
        "the local runtime's lines are loopback, with no router between a subscriber and the box: no hop to count. With --runtime docker the path has real routers (the scenario's interceptor.location) and the probe counts them",
    };
  }

  handCommands(tries: HandTry[]): HandCommand[] {
    const d = this.describe();
    return tries.flatMap((t) => localHandCommand(d, t) ?? []);
  }

  describe(): LabDescription {
    const hosts: LabHost[] = [
      {
        name: 'isp',
        role: 'isp',
        address: `${LOCAL_BLOCKS.isp}.0/24`,
        description: 'The ISP box: transparent front end + http-mitm-proxy, on the route to every site',
      },
      ...this.internet.hosts.map((s) => ({
        name: s.name,
        role: 'site' as const,
        address: s.address,
        routes: this.lines.get(BY_HAND)!.get(s.name),
        ports: { https: s.httpsPort, http: s.httpPort },
        description: s.name === installPageHost(this.scenario.sites) ? 'The state\'s "install the certificate" page (plain HTTP)' : 'Simulated site',
      })),
      ...this.scenario.clients.map((c, i) => ({
        name: c.name,
        role: 'client' as const,
        address: clientAddress(i),
        description: `${c.description ?? 'Scripted client'} (trusts: ${c.trusts.join(', ')})`,
        lines: Object.fromEntries(this.lines.get(c.name)!),
      })),
    ];
    return {
      scenario: this.scenario.name,
      runtime: 'local',
      stateDir: this.stateDir,
      hosts,
      ...describeLabPki(this.pki),
      records: {
        events: join(this.stateDir, 'isp', 'events.jsonl'),
        exchanges: join(this.stateDir, 'isp', 'exchanges.jsonl'),
        keylog: join(this.stateDir, 'isp', 'keylog.txt'),
      },
    };
  }

  clientAddress(client: string): string {
    const i = this.scenario.clients.findIndex((c) => c.name === client);
    if (i < 0) throw new Error(`no client named ${client} in ${this.scenario.name}`);
    return clientAddress(i);
  }

  /** None here: a local client is a process of tlslab's own, with no shell of its own to give. */
  shellCommand(): string[] | null {
    return null;
  }

  async runStep(client: string, step: SessionStep): Promise<import('../../clients/step-run.ts').StepRun> {
    return (await this.client(client)).runStep(step);
  }

  private client(name: string): Promise<LabClient> {
    if (this.stopped) return Promise.reject(new Error(`the ${this.scenario.name} lab has stopped`));
    let c = this.clients.get(name);
    if (!c) {
      const spec = this.scenario.clients.find((x) => x.name === name);
      if (!spec) return Promise.reject(new Error(`no client named ${name} in ${this.scenario.name}`));
      c = startClient(
        spec,
        {
          name,
          network: {
            localAddress: this.clientAddress(name),
            resolve: (host, scheme) => this.lines.get(name)?.get(host)?.[scheme] ?? null,
            names: this.scenario.sites.map((s) => s.host),
          },
          roots: { web: this.pki.webRoot.cert.pem, state: this.pki.stateRoot.cert.pem },
          workDir: join(this.stateDir, 'clients', name),
          runProgram: (command) => this.runProgram({ line: name, trusts: spec.trusts, command, timeoutMs: 30_000 }),
        },
        this.facts,
      );
      this.clients.set(name, c);
    }
    return c;
  }

  async settled(): Promise<void> {
    await Promise.all([this.interceptor.settled(), this.attacker?.interceptor.settled()]);
  }

  interceptorEvents() {
    return this.interceptor.events;
  }

  onInterceptorEvent(listener: Parameters<Lab['onInterceptorEvent']>[0]) {
    return this.interceptor.records.onEvent(listener);
  }

  exchanges() {
    return this.interceptor.exchanges;
  }

  keylog() {
    return this.interceptor.keylog;
  }

  attackerEvents() {
    return this.attacker?.interceptor.events ?? [];
  }

  /**
   * Everything of this lab crosses loopback: the lines' ports into the box and the sites' own
   * ports behind it. The filter names those ports, so another lab on this machine (same
   * addresses, other ports) stays out of the file.
   */
  async capturePackets(): Promise<PacketCapture> {
    const ports = new Set<number>();
    for (const routes of this.lines.values()) for (const r of routes.values()) for (const e of [r.https, r.http]) if (e) ports.add(e.port);
    for (const h of this.internet.hosts) for (const p of [h.httpsPort, h.httpPort]) if (p) ports.add(p);
    const filter = `tcp and (${[...ports].map((p) => `port ${p}`).join(' or ')})`;
    const capture = await capturePackets([{ iface: 'lo', filter }], this.stateDir);
    this.captures.push(capture);
    return capture;
  }

  private stopping: Promise<void> | null = null;

  /** Stops everything once; later calls wait for the same stop. */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.captures.map((c) => c.stop()));
    await Promise.allSettled([...this.programLines.values()].map(async (ns) => (await ns).close()));
    this.programLines.clear();
    await Promise.allSettled([...this.clients.values()].map(async (c) => (await c).close()));
    this.clients.clear();
    await this.attacker?.close();
    await this.interceptor.close();
    await this.internet.close();
    this.pki.close();
    if (!this.keepState) await removeLabStateDir(this.stateDir);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * One line into the box: for each site, the box's listeners (the ports that stand for its 443
 * and 80) at the address `where` gives, each telling the box whose connection it is and where
 * it was going.
 */
async function openLine(
  interceptor: Interceptor,
  sites: RunningHost[],
  attacker: UpstreamAttacker | null,
  line: string,
  where: (site: string) => string,
): Promise<Map<string, Route>> {
  const routes = new Map<string, Route>();
  for (const site of sites) {
    const address = where(site.name);
    const route: Route = { name: site.name };
    const original = (port: number) => () => ({ destination: { address: site.address, port }, name: site.name, line });
    // Beyond the ISP, a hijacked site's traffic goes to the attacker instead.
    const hijacked = attacker?.endpoints.get(site.name);
    if (site.httpsPort) {
      const originalTls = hijacked ? () => ({ destination: hijacked, name: site.name, line }) : original(site.httpsPort);
      route.https = await interceptor.listen({ address, port: 0, protocol: 'tls', originalDestination: originalTls });
    }
    if (site.httpPort) {
      route.http = await interceptor.listen({ address, port: 0, protocol: 'http', originalDestination: original(site.httpPort) });
    }
    routes.set(site.name, route);
  }
  return routes;
}
