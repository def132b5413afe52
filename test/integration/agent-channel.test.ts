/**
 * tlslab's end of a docker subscriber's agent, against a real unix socket: a connection the
 * container resets (killed as the lab stops) ends the channel with a sentence, and never the
 * process (readline passes the socket's ECONNRESET on; unheard, it was an uncaught 'error').
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentChannel } from '../../src/runtime/docker/agent-channel.ts';
import { AGENT_SOCKET } from '../../src/runtime/docker/paths.ts';

const folders: string[] = [];
afterEach(() => {
  for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
});

describe('AgentChannel', () => {
  it('a reset from the container rejects the step in flight with a sentence; the process lives on', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tlslab-agent-'));
    folders.push(folder);
    let peer: Socket | undefined;
    // The container's end never reads: closing it with the request unread makes the kernel reset
    // the connection (ECONNRESET on a unix socket, as when `docker rm -f` kills the agent).
    const server = createServer({ pauseOnConnect: true }, (s) => (peer = s));
    await new Promise<void>((r) => server.listen(join(folder, AGENT_SOCKET), r));
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const channel = new AgentChannel(folder, 'no-cert');
      const step = channel.runStep({ id: 'bank-login' } as never);
      while (!peer) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      peer.destroy();
      await expect(step).rejects.toThrow("the no-cert subscriber's container closed its agent connection (did it stop?)");
      await new Promise((r) => setTimeout(r, 50));
      expect(uncaught).toEqual([]);
      await channel.close();
    } finally {
      process.off('uncaughtException', onUncaught);
      server.close();
    }
  });
});
