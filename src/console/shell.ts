/**
 * Interactive shells into the docker lab's client containers, for curl and openssl by hand from
 * the console. Each is `docker exec -it <container> bash` under util-linux `script`, which gives
 * it a real terminal (job control, line editing) without a native pty module.
 *
 * Protocol on `/shell?client=<name>` (ws, same origin only, messages bounded like the main one):
 * page → server `{v:1,type:'input',data}`; server → page `{v:1,type:'output',data}` and, when the
 * shell ends, `{v:1,type:'exit',code}`.
 */
import { spawn } from 'node:child_process';
import type { WebSocket } from 'ws';
import type { Lab } from '../runtime/lab.ts';
import { PROTOCOL_VERSION } from './protocol.ts';

export const SHELL_PATH = '/shell';
/** Shells open at once, across pages. */
export const MAX_SHELLS = 8;
const open = new Set<WebSocket>();

/** The client containers a shell may be opened in (docker runtime only; none locally). */
export function shellTargets(lab: Lab): Record<string, string> {
  const d = lab.describe();
  if (!d.docker) return {};
  const clients = new Set(d.hosts.filter((h) => h.role === 'client').map((h) => h.name));
  return Object.fromEntries(Object.entries(d.docker.containers).filter(([service]) => clients.has(service)));
}

export function serveShell(ws: WebSocket, container: string, size: { cols: number; rows: number }): void {
  const send = (m: object) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ v: PROTOCOL_VERSION, ...m }));
  if (open.size >= MAX_SHELLS) {
    send({ type: 'exit', code: -1, message: `at most ${MAX_SHELLS} shells at once; close one first` });
    ws.close(1013);
    return;
  }
  open.add(ws);
  const cols = Math.min(Math.max(size.cols | 0, 20), 300);
  const rows = Math.min(Math.max(size.rows | 0, 5), 120);
  const child = spawn('script', ['-qfec', `stty rows ${rows} cols ${cols}; exec docker exec -it -e TERM=xterm-256color ${container} bash -l`, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const forward = (chunk: Buffer) => send({ type: 'output', data: chunk.toString('utf8') });
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);
  child.on('error', (err) => send({ type: 'output', data: `\r\ncannot start a shell: ${err.message}\r\n` }));
  child.on('exit', (code) => {
    open.delete(ws);
    send({ type: 'exit', code });
    ws.close(1000);
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    try {
      const m = JSON.parse(data.toString()) as { v?: number; type?: string; data?: unknown };
      if (m.v === PROTOCOL_VERSION && m.type === 'input' && typeof m.data === 'string') child.stdin.write(m.data);
    } catch {
      /* not JSON: ignored, the shell keeps running */
    }
  });
  ws.on('close', () => {
    open.delete(ws);
    child.kill('SIGHUP');
  });
  ws.on('error', () => ws.terminate());
}
