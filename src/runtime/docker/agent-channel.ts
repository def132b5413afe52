/**
 * tlslab's end of a client agent (container/agent.ts): one `docker exec -i` per client, kept for
 * the lab's life, one JSON line per step each way.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { StepRun } from '../../clients/scripted-session.ts';
import type { SessionStep } from '../../scenario/schema.ts';
import { AGENT_PREFIX } from './container/agent.ts';

export class AgentChannel {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<number, { resolve: (r: StepRun) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private readonly stderrTail: string[] = [];
  private exited: Error | null = null;

  constructor(
    readonly container: string,
    readonly client: string,
  ) {
    this.child = spawn('docker', ['exec', '-i', '-w', '/opt/tlslab', container, 'node', 'src/runtime/docker/container/main.mjs', 'agent', client]);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (!line.startsWith(AGENT_PREFIX)) return;
      const reply = JSON.parse(line.slice(AGENT_PREFIX.length)) as { id: number; run?: StepRun; error?: string };
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.run) w?.resolve(reply.run);
      else w?.reject(new Error(`${client}: ${reply.error}`));
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    });
    this.child.on('exit', (code) => {
      this.exited = new Error(`the ${client} agent in ${container} exited (${code}): ${this.stderrTail.join('\n') || 'no output'}`);
      for (const w of this.waiting.values()) w.reject(this.exited);
      this.waiting.clear();
    });
  }

  runStep(step: SessionStep): Promise<StepRun> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.stdin.write(JSON.stringify({ id, step }) + '\n');
    });
  }

  /** Ends the agent (its client closes: Chromium quits); kills it if it has not gone in 5 s. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  }
}
