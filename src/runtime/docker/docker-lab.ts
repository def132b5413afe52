/**
 * The docker compose runtime: one container per host on internal networks (topology.ts), the ISP
 * container a real router that REDIRECTs subscribers' TLS to the interceptor, the same site,
 * interceptor and client code as the local runtime running inside them. tlslab on the host makes
 * the lab's keys, writes the compose file, starts it, runs each step through a client's agent
 * and follows the ISP's records; `stop()` always takes the whole project down.
 */
import { hostDir, hostServices, hostsDir, makeHostDirs } from './host-state.ts';
import { dockerTopology } from './topology.ts';
import { ProgramContainerLine } from './program-container.ts';
import { runProbeContainer } from './probe-container.ts';
import { writeProgramPins } from '../program-pins.ts';
import { httpsHosts } from '../../scenario/sites.ts';
import { dockerCannotRun } from './unsupported.ts';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepRun } from '../../clients/step-run.ts';
import type { InterceptorEvent } from '../../interceptor/events.ts';
import { SETTLE_LIMIT_MS } from '../../interceptor/reads-in-flight.ts';
import { phase, type PhaseListener } from '../phases.ts';
import type { LabPki } from '../../pki/lab-pki.ts';
import type { Scenario, SessionStep } from '../../scenario/schema.ts';
import { describeLabPki } from '../describe-pki.ts';
import type { HandCommand, HandTry } from '../hand-command.ts';
import type { Lab, LabDescription, LabHost, Measurement, MeasureRequest, ProgramRun, ProgramSpec } from '../lab.ts';
import { holdComposeProject, releaseComposeProject } from '../leftovers.ts';
import { createLabStateDir, removeLabStateDir } from '../state-dir.ts';
import { AgentChannel } from './agent-channel.ts';
import { composeFile as composeFileOf, composeYaml, containerName, imagesOf, networkName, STATE_MOUNT } from './compose-file.ts';
import { startServices, type RuntimeComposeFile } from './start-services.ts';
import { ISP_RECORDS } from './container/isp.ts';
import { READY_DIR } from './container/ready.ts';
import { bridgeInterface, checkDocker, containerLogs, DockerError, exitedServices, freeNets, removeHostRuleIfLast, removeProject } from './engine.ts';
import { capturePackets, type PacketCapture } from '../packet-capture.ts';
import { dockerExtraCommands, dockerHandCommand } from './hand-commands.ts';
import { IspRecords } from './isp-records.ts';
import { createDockerLabState, type DockerLabManifest } from './manifest.ts';

interface DockerLabOptions {
  stateRoot?: string;
  keepState?: boolean;
  /** How long the containers may take to be serving. */
  readyTimeoutMs?: number;
  onPhase?: PhaseListener;
}

/** Where a person or a test finds the running project. */
interface DockerProject {
  name: string;
  composeFile: string;
  container(service: string): string;
}

export class DockerLab implements Lab {
  readonly runtime = 'docker' as const;
  private readonly agents = new Map<string, AgentChannel>();
  private stopped = false;
  private readonly captures: PacketCapture[] = [];
  /** The helper holding `tlslab test`'s line, started on first use. */
  private programLine: Promise<ProgramContainerLine> | undefined;

  private constructor(
    readonly scenario: Scenario,
    readonly project: DockerProject,
    private readonly stateDir: string,
    private readonly pki: LabPki,
    private readonly manifest: DockerLabManifest,
    private readonly records: IspRecords,
    private readonly keepState: boolean,
  ) {}

  static async start(scenario: Scenario, opts: DockerLabOptions = {}): Promise<DockerLab> {
    const cannot = dockerCannotRun(scenario);
    if (cannot) throw new DockerError('TLSLAB_DOCKER_FAILED', cannot);
    await phase(opts.onPhase, 'the Docker engine and the lab images', () => checkDocker(imagesOf(scenario.clients)));
    const stateDir = await createLabStateDir(scenario.name, opts.stateRoot, { keep: opts.keepState });
    const name = `tlslab${randomBytes(4).toString('hex')}`;
    const composeFile = join(stateDir, 'compose.yaml');
    const project: DockerProject = { name, composeFile, container: (service) => containerName(name, service) };
    let pki: LabPki | undefined;
    let upStarted = false;
    // The keys are made while compose creates the containers: each container waits for its
    // manifest, which is written last (host-state.ts). Made once, whichever subnets the lab gets.
    const keys = phase(opts.onPhase, 'keys and certificates', () => createDockerLabState(scenario, stateDir));
    keys.catch(() => {});
    try {
      const tried = new Set<string>();
      let manifest: DockerLabManifest;
      for (let attempt = 0; ; attempt++) {
        // Two labs starting at once may pick the same free subnets; the loser tries the next pair.
        const nets = await freeNets(tried);
        tried.add(nets.home);
        const topology = dockerTopology(scenario.sites, scenario.clients, nets, scenario.interceptor.location);
        await makeHostDirs(hostsDir(stateDir), topology);
        const file = composeFileOf(topology, { mode: 'runtime', stateDir, project: name });
        await writeFile(composeFile, composeYaml(file, [`tlslab docker lab: ${scenario.name}, project ${name}`]));
        upStarted = true;
        holdComposeProject(name, composeFile);
        const upSince = performance.now();
        // The ISP box first: it has the most to do before it serves.
        const up = startServices(name, file as unknown as RuntimeComposeFile, 'isp');
        up.catch(() => {});
        // The keys are made while compose creates the networks and containers.
        const state = await keys;
        pki = state.pki;
        manifest = await state.writeManifest(nets);
        try {
          await up;
          // Timed from its own start: it runs beside the keys, so a phase() around the await would show only what was left.
          opts.onPhase?.('networks and containers created and started (beside the keys)', performance.now() - upSince);
          break;
        } catch (err) {
          if (!/overlap/i.test((err as Error).message)) throw err;
          if (attempt >= 3) {
            throw new DockerError(
              'TLSLAB_DOCKER_FAILED',
              `${(err as Error).message}\nFour pairs of subnets in 10.89.0.0/16 were taken while this lab started: another lab or network keeps claiming them. See \`docker network ls\`; take the other labs down and try again.`,
            );
          }
          await removeProject(name).catch(() => {});
        }
      }
      const records = new IspRecords(join(hostDir(stateDir, 'isp'), ISP_RECORDS));
      records.start();
      const lab = new DockerLab(scenario, project, stateDir, pki, manifest, records, !!opts.keepState);
      await phase(opts.onPhase, 'every container serving', () => lab.waitReady(opts.readyTimeoutMs ?? 120_000));
      // Each subscriber's agent, and so its program (Chromium takes seconds in a container),
      // starts now, while the caller gets going, rather than at the first step. Not sooner: on
      // two cores it would slow the last containers' start as much as it saves.
      for (const c of scenario.clients) lab.agent(c.name);
      return lab;
    } catch (err) {
      if (upStarted) await removeProject(name).catch(() => {});
      releaseComposeProject(name);
      pki ??= await keys.then((k) => k.pki).catch(() => undefined);
      pki?.close();
      if (!opts.keepState) await removeLabStateDir(stateDir);
      throw err;
    }
  }

  private services(): string[] {
    return hostServices(this.manifest.topology);
  }

  /**
   * Ready when every host has written its ready file (container/ready.ts) and the host's
   * forwarding rule is in (hostnet-fix exited 0). The files are looked at every 50 ms; which
   * containers have exited, once a second, with one `docker ps` (not compose: a Python start each).
   */
  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let nextPs = 0;
    let ruleIn = false;
    for (;;) {
      const missing = this.services().filter((s) => !existsSync(join(hostDir(this.stateDir, s), READY_DIR, s)));
      if (!missing.length && ruleIn) return;
      let failed: string[] = [];
      if (Date.now() >= nextPs || Date.now() > deadline) {
        nextPs = Date.now() + 1000;
        const exited = await exitedServices(this.project.name);
        ruleIn = exited.get('hostnet-fix') === 0;
        failed = [...exited].filter(([s, code]) => (s === 'hostnet-fix' ? code !== 0 : missing.includes(s))).map(([s]) => s);
      }
      if (failed.length || Date.now() > deadline) {
        const waiting = ruleIn ? missing : [...missing, 'hostnet-fix'];
        const logs = await containerLogs(
          (failed.length ? failed : waiting).map((s) => this.project.container(s)),
          15,
        );
        throw new DockerError(
          'TLSLAB_DOCKER_FAILED',
          `the docker lab did not come up: ${failed.length ? `${failed.join(', ')} exited` : `${waiting.join(', ')} not ready after ${timeoutMs / 1000} s`}\n${logs}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  handCommands(tries: HandTry[]): HandCommand[] {
    const d = this.describe();
    const shellOn = tries.find((t) => t.as.trusts === 'web+state')?.as.client ?? tries[0]?.as.client ?? null;
    return [...tries.flatMap((t) => dockerHandCommand(d, t) ?? []), ...dockerExtraCommands(d, shellOn)];
  }

  describe(): LabDescription {
    const t = this.manifest.topology;
    const hosts: LabHost[] = [
      {
        name: 'isp',
        role: 'isp',
        address: `${t.isp.home} (home), ${t.isp.internet} (internet)`,
        description: `The ISP box (container ${this.project.container('isp')}): router, lab DNS, iptables REDIRECT to the interceptor`,
      },
      ...t.sites.map((s) => ({
        name: s.name,
        role: 'site' as const,
        address: s.address,
        routes: {
          ...(s.https ? { https: { address: s.address, port: 443 } } : {}),
          ...(s.http ? { http: { address: s.address, port: 80 } } : {}),
        },
        ports: { https: s.https ? 443 : undefined, http: s.http ? 80 : undefined },
        description: `Simulated site (container ${this.project.container(s.service)})`,
      })),
      ...t.clients.map((c) => {
        const spec = this.scenario.clients.find((x) => x.name === c.name)!;
        return {
          name: c.name,
          role: 'client' as const,
          address: c.address,
          description: `${spec.description ?? 'Scripted client'} (trusts: ${c.trusts.join(', ')}; shell: docker exec -it ${this.project.container(c.service)} bash)`,
        };
      }),
    ];
    return {
      scenario: this.scenario.name,
      runtime: 'docker',
      stateDir: this.stateDir,
      hosts,
      ...describeLabPki(this.pki),
      // One file, written by the ISP container alone: events, exchanges and key log lines, each tagged.
      records: { all: join(hostDir(this.stateDir, 'isp'), ISP_RECORDS) },
      docker: {
        project: this.project.name,
        composeFile: this.project.composeFile,
        containers: Object.fromEntries(this.services().map((s) => [s, this.project.container(s)])),
      },
    };
  }

  clientAddress(client: string): string {
    const c = this.manifest.topology.clients.find((x) => x.name === client);
    if (!c) throw new Error(`no client named ${client} in ${this.scenario.name}`);
    return c.address;
  }

  /** A login shell in the client's own container: its line, its resolver, its trust store. */
  shellCommand(client: string): string[] | null {
    const c = this.manifest.topology.clients.find((x) => x.name === client);
    return c ? ['docker', 'exec', '-it', '-e', 'TERM=xterm-256color', this.project.container(c.service), 'bash', '-l'] : null;
  }

  async measure(req: MeasureRequest): Promise<Measurement> {
    if (this.stopped) throw new Error(`the ${this.scenario.name} lab has stopped`);
    const t = this.manifest.topology;
    const address = t.probe.address;
    const result = await runProbeContainer({
      project: this.project.name,
      network: networkName(this.project.name, 'home'),
      address,
      dns: t.isp.home,
      gateway: t.gateway,
      job: {
        servers: t.sites.filter((s) => s.https).map((s) => ({ name: s.name, route: { address: s.address, port: 443 } })),
        candidates: req.candidates,
        webRoot: this.manifest.roots.web,
        ttl: { maxHops: req.maxHops ?? 12 },
      },
    });
    this.records.catchUp();
    return { ...result, vantage: `a probe container on a subscriber line (${address}, default route via ${t.gateway})`, ttlUnavailable: null };
  }

  async runProgram(spec: ProgramSpec): Promise<ProgramRun> {
    if (this.stopped) throw new Error(`the ${this.scenario.name} lab has stopped`);
    if (!spec.image) {
      throw Object.assign(new Error('the docker runtime runs your program from a docker image: give --image IMAGE (the program and its arguments follow --)'), {
        code: 'TLSLAB_USAGE',
      });
    }
    const t = this.manifest.topology;
    if (spec.line !== t.program.line) throw new Error(`the docker lab has one line for your program, ${t.program.line}; not ${spec.line}`);
    this.programLine ??= (async () => {
      await writeProgramPins(join(this.stateDir, 'programs', 'pins.json'), this.pki, httpsHosts(this.scenario.sites), this.manifest.facts);
      return ProgramContainerLine.start({
        project: this.project.name,
        network: networkName(this.project.name, 'home'),
        address: t.program.address,
        isp: t.isp.home,
        gateway: t.gateway,
        dir: join(this.stateDir, 'programs'),
      });
    })();
    const line = await this.programLine;
    const run = await line.runProgram(spec.image, spec.command, {
      trustPem: spec.trusts.map((x) => (x === 'web' ? this.manifest.roots.web : this.manifest.roots.state)).join(''),
      pinsFile: join(this.stateDir, 'programs', 'pins.json'),
      timeoutMs: spec.timeoutMs,
    });
    this.records.catchUp();
    return run;
  }

  async runStep(client: string, step: SessionStep): Promise<StepRun> {
    if (this.stopped) throw new Error(`the ${this.scenario.name} lab has stopped`);
    const c = this.manifest.topology.clients.find((x) => x.name === client);
    if (!c) throw new Error(`no client named ${client} in ${this.scenario.name}`);
    const run = await this.agent(client).runStep(step);
    // The box has written this step's records as they happened (IspRecords.catchUp).
    this.records.catchUp();
    // Paths the client wrote (screenshots) are in its own host's folder, seen from the machine.
    return JSON.parse(JSON.stringify(run).replaceAll(`"${STATE_MOUNT}/`, `"${hostDir(this.stateDir, c.service)}/`)) as StepRun;
  }

  private agent(client: string): AgentChannel {
    let agent = this.agents.get(client);
    if (!agent) {
      const c = this.manifest.topology.clients.find((x) => x.name === client)!;
      agent = new AgentChannel(hostDir(this.stateDir, c.service), client);
      this.agents.set(client, agent);
    }
    return agent;
  }

  settled(): Promise<void> {
    return this.records.settled(SETTLE_LIMIT_MS);
  }

  interceptorEvents(): InterceptorEvent[] {
    return this.records.allEvents();
  }

  attackerEvents(): InterceptorEvent[] {
    return [];
  }

  onInterceptorEvent(listener: (e: InterceptorEvent) => void): () => void {
    return this.records.onEvent(listener);
  }

  exchanges() {
    return this.records.allExchanges();
  }

  keylog() {
    return this.records.allKeylog();
  }

  /**
   * The box sits on both of the lab's networks: the home bridge carries every subscriber's side,
   * the internet bridge the box's side towards the sites. This machine captures on both bridges
   * (nothing runs inside a container for it); the networks are the lab's own, so everything on them is.
   */
  async capturePackets(): Promise<PacketCapture> {
    const bridges = await Promise.all((['home', 'internet'] as const).map((n) => bridgeInterface(networkName(this.project.name, n))));
    const capture = await capturePackets(
      bridges.map((iface) => ({ iface, filter: 'tcp' })),
      this.stateDir,
    );
    this.captures.push(capture);
    return capture;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled(this.captures.map((c) => c.stop()));
    this.records.stop();
    // The agents' connections end as their containers go; the lab's state is on this machine
    // already, so nothing inside needs a graceful stop.
    const agents = Promise.allSettled([...this.agents.values()].map((a) => a.close()));
    await Promise.all([
      removeProject(this.project.name).then(
        () => releaseComposeProject(this.project.name),
        (e: Error) => process.stderr.write(`warning: the docker lab ${this.project.name} may be left running: ${e.message}\n`),
      ),
      removeHostRuleIfLast(this.project.name).catch((e: Error) => process.stderr.write(`warning: the host's lab forwarding rule stays: ${e.message}\n`)),
    ]);
    await agents;
    this.agents.clear();
    await (await this.programLine?.catch(() => null))?.close();
    this.pki.close();
    if (!this.keepState) await removeLabStateDir(this.stateDir);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
