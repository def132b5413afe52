// `npm run docker:compose`: rewrite docker/compose.yaml from the code that generates every docker lab.
import { writeFile } from 'node:fs/promises';
import { STANDALONE_COMPOSE_FILE, standaloneComposeYaml } from '../src/runtime/docker/standalone-compose.ts';

await writeFile(STANDALONE_COMPOSE_FILE, await standaloneComposeYaml());
console.log(`wrote ${STANDALONE_COMPOSE_FILE}`);
