import { writeFile } from 'node:fs/promises';

/** `--json FILE` writes the file; `--json -` prints to stdout (and the command prints nothing else there). */
export async function writeJson(target: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value, null, 2) + '\n';
  if (target === '-') {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    return;
  }
  await writeFile(target, text);
}
