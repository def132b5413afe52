/**
 * docs/scenario-format.md, made from the schemas themselves: every field, its type, its default
 * and the text of its .describe(), so the reference is declared once, with the rules that check
 * it. `npm run docs:scenario-format` writes it; a test fails when the file is stale.
 */
import { z } from 'zod';
import { ScenarioSchema } from './schema.ts';
import { StateCaProfileSchema } from './state-ca.ts';

interface Row {
  path: string;
  type: string;
  required: boolean;
  fallback: string;
  text: string;
}

interface Node {
  schema: z.ZodType;
  optional: boolean;
  fallback: unknown;
  description: string | undefined;
}

/** Strip optional, default and transforms, keeping what they say about the field. */
function peel(s: z.ZodType): Node {
  let optional = false;
  let fallback: unknown;
  let description = s.description;
  for (;;) {
    if (s instanceof z.ZodOptional) optional = true;
    else if (s instanceof z.ZodDefault) {
      optional = true;
      fallback = (s._zod.def as { defaultValue: unknown }).defaultValue;
    } else if (!(s instanceof z.ZodPipe)) break;
    s = (s instanceof z.ZodPipe ? s.in : s.unwrap()) as z.ZodType;
    description ??= s.description;
  }
  return { schema: s, optional, fallback, description };
}

const code = (v: unknown) => '`' + (typeof v === 'string' ? v : JSON.stringify(v)) + '`';

function typeOf(s: z.ZodType): string {
  if (s instanceof z.ZodString) return 'text';
  if (s instanceof z.ZodNumber) return s.format === 'safeint' ? 'integer' : 'number';
  if (s instanceof z.ZodBoolean) return 'true or false';
  if (s instanceof z.ZodEnum) return s.options.map(code).join(' \\| ');
  if (s instanceof z.ZodLiteral) return [...s.values].map(code).join(' \\| ');
  if (s instanceof z.ZodArray) return `list of ${typeOf(peel(s.element as z.ZodType).schema)}`;
  if (s instanceof z.ZodRecord) return `mapping of ${typeOf(peel(s.keyType as z.ZodType).schema)} to ${typeOf(peel(s.valueType as z.ZodType).schema)}`;
  if (s instanceof z.ZodDiscriminatedUnion) return 'one of the forms below';
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).map((o) => typeOf(peel(o).schema)).join(' or ');
  if (s instanceof z.ZodObject) return Object.keys(s.shape).length > 0 ? 'mapping (below)' : 'mapping';
  return 'value';
}

function objectOf(s: z.ZodType): z.ZodObject | null {
  if (s instanceof z.ZodObject) return s;
  if (s instanceof z.ZodArray) return objectOf(peel(s.element as z.ZodType).schema);
  // A value or a mapping (a client's program): the mapping's fields are listed.
  if (s instanceof z.ZodUnion && !(s instanceof z.ZodDiscriminatedUnion)) {
    const option = (s.options as z.ZodType[]).map((o) => peel(o).schema).find((o) => o instanceof z.ZodObject);
    return option ?? null;
  }
  return null;
}

/** The rows of one mapping, its own mappings expanded in place, lists of mappings as `field[]`. */
function rows(obj: z.ZodObject, prefix: string, out: Row[], sections: Array<{ title: string; schema: z.ZodType }>): void {
  for (const [key, field] of Object.entries<z.ZodType>(obj.shape)) {
    const node = peel(field);
    const path = prefix ? `${prefix}.${key}` : key;
    out.push({
      path,
      type: typeOf(node.schema),
      required: !node.optional,
      fallback: node.fallback === undefined ? '' : code(node.fallback),
      text: node.description ?? '',
    });
    if (node.schema instanceof z.ZodDiscriminatedUnion) {
      sections.push({ title: path, schema: node.schema });
      continue;
    }
    const inner = objectOf(node.schema);
    if (inner && Object.keys(inner.shape).length > 0) rows(inner, node.schema instanceof z.ZodArray ? `${path}[]` : path, out, sections);
  }
}

function table(r: Row[]): string[] {
  return [
    '| field | type | required | default | what it is |',
    '|---|---|---|---|---|',
    ...r.map((x) => `| \`${x.path}\` | ${x.type} | ${x.required ? 'yes' : 'no'} | ${x.fallback} | ${x.text.replace(/\|/g, '\\|')} |`),
  ];
}

function section(title: string, intro: string, schema: z.ZodType): string[] {
  const out: string[] = [`## ${title}`, '', intro, ''];
  const node = peel(schema);
  const later: Array<{ title: string; schema: z.ZodType }> = [];
  if (node.schema instanceof z.ZodObject) {
    const r: Row[] = [];
    rows(node.schema, '', r, later);
    out.push(...table(r), '');
  }
  for (const u of later) {
    const union = u.schema as z.ZodDiscriminatedUnion;
    const tag = (union._zod.def as { discriminator: string }).discriminator;
    out.push(`### The forms of \`${u.title}\` (by \`${tag}\`)`, '');
    for (const option of union.options as z.ZodObject[]) {
      const value = (option.shape[tag] as z.ZodLiteral).value;
      const r: Row[] = [];
      rows(option, '', r, []);
      out.push(`#### \`${tag}: ${String(value)}\`${option.description ? `: ${option.description}` : ''}`, '', ...table(r.filter((x) => x.path !== tag)), '');
    }
  }
  return out;
}

export function scenarioFormatDoc(): string {
  return [
    '# The scenario format',
    '',
    '<!-- GENERATED by `npm run docs:scenario-format` from src/scenario/schema.ts and state-ca.ts; do not edit. -->',
    '',
    'A scenario is one YAML file. `tlslab validate FILE` checks it without starting anything;',
    'every problem names its file, line, column and field. The tables below are made from the',
    'same schema that checks the files, so they cannot drift from it. `scenarios/kz-2019.yaml` is',
    'the fullest example; `test/fixtures/scenarios/elsewhere-2022.yaml` gives a state CA whole.',
    '',
    ...section(
      'A scenario',
      'The top-level fields of a scenario file. `stateCa.root`, `.intermediate` and `.forgery` take the fields of [a state CA](#a-state-ca).',
      ScenarioSchema,
    ),
    ...section(
      'A state CA',
      "What a preset in `scenarios/state-cas/` holds, field for field; a scenario's `stateCa` may override any of these (mappings field by field, lists and `validity` whole), or give them all without `profile`.",
      StateCaProfileSchema,
    ),
  ].join('\n');
}
