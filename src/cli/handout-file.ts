/**
 * `--report FILE`: the handout of a run, as HTML (one self-contained file) or Markdown (with
 * the screenshots in a folder beside it), chosen by the file's extension. Written while the lab
 * is still up: the screenshots live in its state folder until it stops.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { screenshotFiles } from '../scenario/handout/facts.ts';
import { handoutHtml } from '../scenario/handout/handout-html.ts';
import { handoutMarkdown } from '../scenario/handout/handout-markdown.ts';
import type { Report } from '../scenario/report.ts';
import { UsageError } from './exit-codes.ts';

const FORMATS = ['.html', '.md'];

/** Refuses a file whose extension names no format, before the lab starts. */
export function checkHandoutFile(file: string | undefined): void {
  if (file && !FORMATS.includes(extname(file).toLowerCase())) {
    throw new UsageError(`--report writes ${FORMATS.join(' or ')}, by the file's extension; got "${file}"`);
  }
}

/** Writes the handout; returns what to say was written. */
export async function writeHandout(file: string, report: Report): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  const shots = screenshotFiles(report);
  if (extname(file).toLowerCase() === '.html') {
    const images = new Map(await Promise.all(shots.map(async (f) => [f, await readFile(f)] as const)));
    await writeFile(file, handoutHtml(report, images));
    return `handout ${file}`;
  }
  const folder = `${basename(file, extname(file))}-files`;
  const copies = new Map<string, string>();
  if (shots.length) await mkdir(join(dirname(file), folder), { recursive: true });
  for (const [i, shot] of shots.entries()) {
    const rel = `${folder}/${i + 1}-${basename(shot)}`;
    await copyFile(shot, join(dirname(file), rel));
    copies.set(shot, rel);
  }
  await writeFile(file, handoutMarkdown(report, copies));
  return shots.length ? `handout ${file} (screenshots in ${join(dirname(file), folder)})` : `handout ${file}`;
}
