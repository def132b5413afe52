/**
 * Interactive shells as the lab's clients, for curl and openssl by hand from the console, where
 * the runtime gives one (Lab.shellCommand). Each runs under util-linux `script`, which gives it a
 * real terminal (job control, line editing) without a native pty module.
 *
 * Protocol on `/shell?client=<name>` (ws, same origin only, messages bounded like the main one):
 * page → server `{v:1,type:'input',data}`; server → page `{v:1,type:'output',data}` and, when the
 * shell ends, `{v:1,type:'exit',code}`.
 */
import { spawn } from 'node:child_process';
import type { WebSocket } from 'ws';
import { shellQuote } from '../runtime/hand-command.ts';
import type { Lab } from '../runtime/lab.ts';
import { PROTOCOL_VERSION } from './protocol.ts';
import { wsText } from '../ws-text.ts';

export const SHELL_PATH = '/shell';
/** Shells open at once, across pages. */
const MAX_SHELLS = 8;
const open = new Set<WebSocket>();

/** The clients a shell may be opened as, each with the command that opens it (none where the runtime gives none). */
export function shellTargets(lab: Lab): Record<string, string[]> {
  return Object.fromEntries(
    lab.scenario.clients.flatMap((c) => {
      const command = lab.shellCommand(c.name);
      return command ? [[c.name, command]] : [];
    }),
  );
}

export function serveShell(ws: WebSocket, command: string[], size: { cols: number; rows: number }): void {
  const send = (m: object) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ v: PROTOCOL_VERSION, ...m }));
  if (open.size >= MAX_SHELLS) {
    send({ type: 'exit', code: -1, message: `at most ${MAX_SHELLS} shells at once; close one first` });
    ws.close(1013);
    return;
  }
  open.add(ws);
  const cols = Math.min(Math.max(size.cols | 0, 20), 300);
  const rows = Math.min(Math.max(size.rows | 0, 5), 120);
  const child = spawn('script', ['-qfec', `stty rows ${rows} cols ${cols}; exec ${command.map(shellQuote).join(' ')}`, '/dev/null'], {
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
      const m = JSON.parse(wsText(data)) as { v?: number; type?: string; data?: unknown };
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
