/**
 * The progress line of run, up, console and matrix: live on a terminal (log-update rewriting
 * one line), plain lines in a log. The terminal here is a stream that says it is one, as a
 * pty does; what is asserted is the text a person would read on it.
 */
import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { progress } from '../../src/cli/progress.ts';

function stream(tty: boolean) {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number; rows?: number };
  if (tty) Object.assign(s, { isTTY: true, columns: 120, rows: 40 });
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  return { s: s as unknown as NodeJS.WriteStream, text: () => text, last: () => lastFrame(text) };
}

/** What the live line shows now: the text after log-update's last erase. */
function lastFrame(raw: string): string {
  const frames = raw.split('\u001b[2K');
  return stripVTControlCharacters(frames[frames.length - 1] ?? '').trim();
}

const clients = ['no-cert', 'installed-cert', 'chromium-no-cert', 'chromium-installed', 'chromium-2019'];

describe('on a terminal', () => {
  it('shows the lab starting, then the step, how many are done and who is still running, with the time so far', () => {
    const t = stream(true);
    const p = progress(t.s, Date.now() - 12_000, { tickMs: 0 });
    p.phase('keys and certificates');
    expect(t.last()).toBe('starting the lab (keys and certificates done) · 12 s');
    p.ready();
    p.step(3, 7, 'Logging in to the bank', clients);
    p.done('no-cert');
    p.done('installed-cert');
    expect(t.last()).toBe('step 3/7 Logging in to the bank: 2/5 done, running chromium-no-cert, chromium-installed, chromium-2019 · 12 s');
    p.done('chromium-no-cert');
    p.finish();
    // Cleared when the command goes on to print its report.
    expect(t.last()).toBe('');
    expect(t.text()).not.toContain('lab up in');
  });

  it('names a matrix column, and keeps each finished column on screen above the line', () => {
    const t = stream(true);
    const p = progress(t.s, Date.now(), { tickMs: 0 });
    p.column(2, 5, 'kz-2020');
    p.phase('the 9 sites');
    expect(t.last()).toBe('column 2/5 kz-2020 · starting the lab (the 9 sites done) · 0 s');
    p.step(1, 3, 'bank', ['a', 'b', 'c', 'd', 'e']);
    expect(t.last()).toBe('column 2/5 kz-2020 · step 1/3 bank: 0/5 done, running a, b, c and 2 more · 0 s');
    p.columnDone('kz-2020', 31_200);
    p.finish();
    expect(stripVTControlCharacters(t.text())).toContain('  kz-2020 done in 31.2 s\n');
  });
});

describe('in a log', () => {
  it('writes one plain line per finished piece of work, and no escape codes', () => {
    const t = stream(false);
    const p = progress(t.s, Date.now() - 4_000);
    p.phase('keys and certificates');
    p.ready();
    p.step(1, 2, 'The install page', ['a', 'b']);
    p.done('a');
    p.done('b');
    p.finish();
    expect(t.text()).toBe('lab up in 4 s\nstep 1/2 The install page: done, 4 s\n');
  });
});
