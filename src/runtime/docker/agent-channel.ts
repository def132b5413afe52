/**
 * tlslab's end of a client agent (container/agent.ts): one connection to the unix socket the
 * subscriber's container serves in its host folder, kept for the lab's life, one JSON line per
 * step each way.
 */
import { closeSync, openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { StepRun } from '../../clients/step-run.ts';
import type { SessionStep } from '../../scenario/schema.ts';
import { AGENT_SOCKET } from './paths.ts';

export class AgentChannel {
  private readonly conn: Promise<Socket>;
  private readonly waiting = new Map<number, { resolve: (r: StepRun) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private ended: Error | null = null;

  /** `hostFolder`: the subscriber's folder on this machine, where its container listens. */
  constructor(
    readonly hostFolder: string,
    readonly client: string,
  ) {
    this.conn = connectInFolder(hostFolder, AGENT_SOCKET).then((conn) => {
      createInterface({ input: conn })
        // readline passes on the socket's error (ECONNRESET when a container is killed as the lab
        // stops): unheard, it would end the process. The socket's 'close' below says what it means.
        .on('error', () => {})
        .on('line', (line) => {
          const reply = JSON.parse(line) as { id: number; run?: StepRun; error?: string };
          const w = this.waiting.get(reply.id);
          this.waiting.delete(reply.id);
          if (reply.run) w?.resolve(reply.run);
          else w?.reject(new Error(`${client}: ${reply.error}`));
        });
      conn.on('error', () => {}); // 'close' follows and says what it means
      conn.on('close', () => this.end(new Error(`the ${client} subscriber's container closed its agent connection (did it stop?)`)));
      return conn;
    });
    this.conn.catch((err: Error) => this.end(new Error(`cannot reach the ${client} subscriber's agent in ${hostFolder}: ${err.message}`)));
  }

  async runStep(step: SessionStep): Promise<StepRun> {
    const conn = await this.conn.catch(() => null);
    if (this.ended) throw this.ended;
    // Not reached: a failed connection has already ended the channel (the constructor's catch runs first).
    if (!conn) throw new Error(`cannot reach the ${this.client} subscriber's agent in ${this.hostFolder}`);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      conn.write(JSON.stringify({ id, step }) + '\n');
    });
  }

  /** Ends the agent (its client closes: Chromium quits); drops the connection if it lasts 5 s. */
  async close(): Promise<void> {
    const conn = await this.conn.catch(() => null);
    if (!conn || conn.closed) return;
    const gone = new Promise<void>((r) => conn.once('close', () => r()));
    conn.end();
    const timer = setTimeout(() => conn.destroy(), 5_000);
    await gone;
    clearTimeout(timer);
  }

  private end(err: Error): void {
    this.ended ??= err;
    for (const w of this.waiting.values()) w.reject(this.ended);
    this.waiting.clear();
  }
}

/**
 * Connects to a unix socket by way of its folder's file descriptor: a socket's path may be at
 * most 107 bytes (unix(7)), and a lab's folder under a deep working directory is longer;
 * `/proc/self/fd/N/<name>` is short whatever the folder (the way podman reaches its sockets).
 */
function connectInFolder(folder: string, name: string): Promise<Socket> {
  const fd = openSync(folder, 'r');
  return new Promise<Socket>((resolve, reject) => {
    const conn = connect(`/proc/self/fd/${fd}/${name}`);
    conn.once('connect', () => resolve(conn)).once('error', reject);
  }).finally(() => closeSync(fd));
}
