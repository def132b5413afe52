/** `npm run docs:scenario-format`: writes docs/scenario-format.md from the schemas (format-doc.ts). */
import { writeFile } from 'node:fs/promises';
import { projectPath } from '../src/project-root.ts';
import { scenarioFormatDoc } from '../src/scenario/format-doc.ts';

await writeFile(projectPath('docs', 'scenario-format.md'), scenarioFormatDoc() + '\n');
console.log('wrote docs/scenario-format.md');
