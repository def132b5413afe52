// `npm run docker:compose`: rewrite docker/compose.yaml and docker/compose/<scenario>.yaml, one per
// shipped scenario, from the code that generates every docker lab.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { projectPath } from '../src/project-root.ts';
import { STANDALONE_COMPOSE_DIR, standaloneComposeFiles } from '../src/runtime/docker/standalone-compose.ts';

const files = await standaloneComposeFiles();
await mkdir(STANDALONE_COMPOSE_DIR, { recursive: true });
for (const old of await readdir(STANDALONE_COMPOSE_DIR)) {
  if (!files.has(`docker/compose/${old}`)) await rm(projectPath('docker', 'compose', old));
}
for (const [file, text] of files) {
  await writeFile(projectPath(file), text);
  console.log(`wrote ${file}`);
}
