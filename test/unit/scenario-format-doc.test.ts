// docs/scenario-format.md is made from the schemas; a change to a field without regenerating
// it (npm run docs:scenario-format) fails here.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioFormatDoc } from '../../src/scenario/format-doc.ts';

describe('docs/scenario-format.md', () => {
  const doc = scenarioFormatDoc();

  it('is current with the schema (npm run docs:scenario-format)', async () => {
    const committed = await readFile(join(import.meta.dirname, '..', '..', 'docs', 'scenario-format.md'), 'utf8');
    expect(committed).toBe(doc + '\n');
  });

  it('has a row for every field a scenario and a state CA take, with their descriptions', () => {
    for (const row of [
      '| `stateCa.profile` | text | no |',
      '| `interceptor.policy` | `sni-targets` \\| `intercept-all` \\| `none` | yes |',
      '| `clients[].defences.pins` |',
      '| `root.key.bits` | `1024` \\| `2048` \\| `3072` \\| `4096` | yes |',
      '| `forgery.leafKey.exponent` | integer | no | `65537` | The public exponent (the 2019 device used 3) |',
    ])
      expect(doc).toContain(row);
    expect(doc).toContain('#### `kind: chat`: Send chat messages over a WebSocket');
  });
});
