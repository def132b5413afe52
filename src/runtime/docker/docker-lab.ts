/**
 * The docker compose runtime: one container per host on internal networks (topology.ts), the ISP
 * container a real router that REDIRECTs subscribers' TLS to the interceptor, the same site,
 * interceptor and client code as the local runtime running inside them. tlslab on the host makes
 * the lab's keys, writes the compose file, starts it, runs each step through a client's agent
 * and follows the ISP's records; `stop()` always takes the whole project down.
 */
import { hostDir } from './host-state.ts';
import { ProgramContainerLine } from './program-container.ts';
import { writeProgramPins } from '../program-pins.ts';
import { httpsHosts } from '../../scenario/sites.ts';
import { dockerCannotRun } from './unsupported.ts';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StepRun } from '../../clients/scripted-session.ts';
import type { InterceptorEvent } from '../../interceptor/events.ts';
import type { LabPki } from '../../pki/lab-pki.ts';
import type { Scenario, SessionStep } from '../../scenario/schema.ts';
import type { HandTry } from '../../scenario/hand-tries.ts';
import { describeLabPki } from '../describe-pki.ts';
import type { HandCommand } from '../hand-command.ts';
import type { Lab, LabDescription, LabHost, ProgramRun, ProgramSpec } from '../lab.ts';
import { holdComposeProject, releaseComposeProject } from '../leftovers.ts';
import { createLabStateDir, removeLabStateDir } from '../state-dir.ts';
import { AgentChannel } from './agent-channel.ts';
import { composeYaml, STATE_MOUNT } from './compose-file.ts';
import { ISP_RECORDS } from './container/isp.ts';
import { READY_DIR } from './container/ready.ts';
import { checkDocker, compose, DockerError, freeNets, removeHostRuleIfLast } from './engine.ts';
import { dockerExtraCommands, dockerHandCommand } from './hand-commands.ts';
import { IspRecords } from './isp-records.ts';
import { createDockerLabState, type DockerLabManifest } from './manifest.ts';

export interface DockerLabOptions {
  stateRoot?: string;
  keepState?: boolean;
  /** How long the containers may take to be serving. */
  readyTimeoutMs?: number;
}

/** Where a person or a test finds the running project. */
export interface DockerProject {
  name: string;
  composeFile: string;
  container(service: string): string;
}

export class DockerLab implements Lab {
  readonly runtime = 'docker' as const;
  private readonly agents = new Map<string, AgentChannel>();
  private stopped = false;
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
    await checkDocker();
    const cannot = dockerCannotRun(scenario);
    if (cannot) throw new DockerError('TLSLAB_DOCKER_FAILED', cannot);
    const stateDir = await createLabStateDir(scenario.name, opts.stateRoot, { keep: opts.keepState });
    const name = `tlslab${randomBytes(4).toString('hex')}`;
    const composeFile = join(stateDir, 'compose.yaml');
    const project: DockerProject = { name, composeFile, container: (service) => `${name}_${service}_1` };
    let pki: LabPki | undefined;
    let upStarted = false;
    try {
      // Two labs starting at once may pick the same free subnets; the loser tries the next pair.
      const state = await createDockerLabState(scenario, stateDir);
      pki = state.pki;
      const tried = new Set<string>();
      let manifest: DockerLabManifest;
      for (let attempt = 0; ; attempt++) {
        const nets = await freeNets(tried);
        tried.add(nets.home);
        manifest = await state.writeManifest(nets);
        await writeFile(
          composeFile,
          composeYaml(manifest.topology, { mode: 'runtime', stateDir }, [`tlslab docker lab: ${scenario.name}, project ${name}`]),
        );
        upStarted = true;
        holdComposeProject(name, composeFile);
        try {
          await compose(name, composeFile, ['up', '-d', '--no-build']);
          break;
        } catch (err) {
          if (attempt >= 3 || !/overlap/i.test((err as Error).message)) throw err;
          await compose(name, composeFile, ['down', '-v', '-t', '1']).catch(() => {});
        }
      }
      const records = new IspRecords(join(hostDir(stateDir, 'isp'), ISP_RECORDS));
      records.start();
      const lab = new DockerLab(scenario, project, stateDir, pki, manifest, records, !!opts.keepState);
      await lab.waitReady(opts.readyTimeoutMs ?? 120_000);
      return lab;
    } catch (err) {
      if (upStarted) await compose(name, composeFile, ['down', '-v', '-t', '1']).catch(() => {});
      releaseComposeProject(name);
      pki?.close();
      if (!opts.keepState) await removeLabStateDir(stateDir);
      throw err;
    }
  }

  private services(): string[] {
    const t = this.manifest.topology;
    return ['isp', ...t.sites.map((s) => s.service), ...t.clients.map((c) => c.service)];
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = this.services().filter((s) => !existsSync(join(hostDir(this.stateDir, s), READY_DIR, s)));
      if (!missing.length) return;
      const exited = (await compose(this.project.name, this.project.composeFile, ['ps', '--services', '--filter', 'status=stopped']))
        .split('\n')
        .filter((s) => missing.includes(s));
      if (exited.length || Date.now() > deadline) {
        const logs = await compose(this.project.name, this.project.composeFile, ['logs', '--no-color', '--tail', '15', ...(exited.length ? exited : missing)]).catch(
          (e: Error) => e.message,
        );
        throw new DockerError(
          'TLSLAB_DOCKER_FAILED',
          `the docker lab did not come up: ${exited.length ? `${exited.join(', ')} exited` : `${missing.join(', ')} not ready after ${timeoutMs / 1000} s`}\n${logs}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
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
      docker: { project: this.project.name, composeFile: this.project.composeFile, containers: Object.fromEntries(this.services().map((s) => [s, this.project.container(s)])) },
    };
  }

  clientAddress(client: string): string {
    const c = this.manifest.topology.clients.find((x) => x.name === client);
    if (!c) throw new Error(`no client named ${client} in ${this.scenario.name}`);
    return c.address;
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
      return ProgramContainerLine.start({ project: this.project.name, network: `${this.project.name}_home`, address: t.program.address, isp: t.isp.home, dir: join(this.stateDir, 'programs') });
    })();
    const line = await this.programLine;
    const run = await line.runProgram(spec.image, spec.command, {
      trustPem: spec.trusts.map((x) => (x === 'web' ? this.manifest.roots.web : this.manifest.roots.state)).join(''),
      pinsFile: join(this.stateDir, 'programs', 'pins.json'),
      timeoutMs: spec.timeoutMs,
    });
    await this.records.settle();
    return run;
  }

  async runStep(client: string, step: SessionStep): Promise<StepRun> {
    if (this.stopped) throw new Error(`the ${this.scenario.name} lab has stopped`);
    const c = this.manifest.topology.clients.find((x) => x.name === client);
    if (!c) throw new Error(`no client named ${client} in ${this.scenario.name}`);
    let agent = this.agents.get(client);
    if (!agent) {
      agent = new AgentChannel(this.project.container(c.service), client);
      this.agents.set(client, agent);
    }
    const run = await agent.runStep(step);
    // The box writes its records as it goes; let the ones of this step arrive before anyone reads.
    await this.records.settle();
    // Paths the client wrote (screenshots) are in its own host's folder, seen from the machine.
    return JSON.parse(JSON.stringify(run).replaceAll(`"${STATE_MOUNT}/`, `"${hostDir(this.stateDir, c.service)}/`)) as StepRun;
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

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled([...this.agents.values()].map((a) => a.close()));
    this.agents.clear();
    // The program's line is on the lab's network: it goes first, or `down` cannot remove the network.
    await (await this.programLine?.catch(() => null))?.close();
    this.records.stop();
    await compose(this.project.name, this.project.composeFile, ['down', '-v', '-t', '1']).then(
      () => releaseComposeProject(this.project.name),
      (e: Error) => process.stderr.write(`warning: ${e.message}\n`),
    );
    await removeHostRuleIfLast().catch((e: Error) => process.stderr.write(`warning: the host's lab forwarding rule stays: ${e.message}\n`));
    this.pki.close();
    if (!this.keepState) await removeLabStateDir(this.stateDir);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
