/**
 * YAML files checked against a zod schema, every mistake a problem with file, line, column and
 * field, printed the way a compiler would (`scenarios/kz-2019.yaml:14:7 session[2].action.kind:
 * …`), so a student editing a scenario can jump straight to the line. Zod reports paths into
 * the parsed data; the YAML document (parsed with a LineCounter) maps each path back to the
 * text. Used for scenarios (loader.ts) and state CA presets (state-ca.ts).
 */
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, type Document, type YAMLError } from 'yaml';
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Errors.

type ScenarioErrorCode = 'TLSLAB_SCENARIO_INVALID' | 'TLSLAB_SCENARIO_NOT_FOUND' | 'TLSLAB_SCENARIO_YAML';

/** One thing wrong with a scenario. line and column are 1-based; 0 means "the whole file". */
export interface ScenarioProblem {
  /** The file as a person would type it: relative to the working directory when inside it. */
  file: string;
  line: number;
  column: number;
  /** The field, e.g. `session[2].action.kind`; empty for the whole document. */
  path: string;
  message: string;
}

export class ScenarioError extends Error {
  readonly code: ScenarioErrorCode;
  readonly problems: ScenarioProblem[];

  constructor(code: ScenarioErrorCode, headline: string, problems: ScenarioProblem[]) {
    super([headline, ...problems.map(formatProblem)].join('\n'));
    this.name = 'ScenarioError';
    this.code = code;
    this.problems = problems;
  }
}

export function formatProblem(p: ScenarioProblem): string {
  if (p.line === 0) return `${p.file}: ${p.message}`;
  const where = `${p.file}:${p.line}:${p.column}`;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where} ${p.message}`;
}

// ---------------------------------------------------------------------------------------------
// Parsing and validating.

/** A YAML file read and checked against a schema: the data, or every problem with its place. */
export interface ValidatedYaml<T> {
  /** The file as problems name it. */
  shown: string;
  doc: Document;
  /** The parsed YAML, before the schema (for checks of its own). */
  raw: unknown;
  /** The schema's output; undefined when there are problems. */
  data: T | undefined;
  problems: ScenarioProblem[];
  /** Line and column (1-based) of the node at a path, or of its nearest parent. */
  at(path: Key[]): { line: number; column: number };
  /** Check data derived from this file against another schema, problems placed in this file's text. */
  recheck<S extends z.ZodType>(schema: S, data: unknown): { data: z.output<S> | undefined; problems: ScenarioProblem[] };
}

/**
 * Parse `text` as YAML and check it against `schema`. A YAML syntax error throws at once; the
 * schema's problems are returned, so that the caller can add its own and report them together.
 * `what` names the kind of file in sentences ("a scenario", "a state CA preset").
 */
export function validateYaml<S extends z.ZodType>(schema: S, text: string, file: string, what: string, emptyHint: string): ValidatedYaml<z.output<S>> {
  const shown = displayPath(file);
  const lineCounter = new LineCounter();
  // prettyErrors off: we print our own "file:line:col" instead of yaml's code excerpt.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const pos = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({ file: shown, ...pos(e.pos[0]), path: '', message: yamlMessage(e) }));
    throw new ScenarioError('TLSLAB_SCENARIO_YAML', `${shown} is not valid YAML:`, problems);
  }

  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // toJS throws for alias bombs (yaml's maxAliasCount) and similar.
    const problem = { file: shown, line: 1, column: 1, path: '', message: `cannot read the YAML: ${(err as Error).message}` };
    throw new ScenarioError('TLSLAB_SCENARIO_YAML', `${shown} is not valid YAML:`, [problem]);
  }
  if (raw === null || raw === undefined) {
    const problem = { file: shown, line: 1, column: 1, path: '', message: `the file is empty; ${emptyHint}` };
    throw new ScenarioError('TLSLAB_SCENARIO_INVALID', `${shown} is not ${what}:`, [problem]);
  }

  const recheck = <T extends z.ZodType>(against: T, data: unknown) => {
    const result = against.safeParse(data);
    const problems: ScenarioProblem[] = [];
    if (!result.success) {
      for (const issue of result.error.issues) {
        for (const p of explainIssue(against, issue, doc, data)) problems.push({ file: shown, ...pos(p.offset), path: p.path, message: p.message });
      }
    }
    return { data: result.success ? result.data : undefined, problems };
  };
  const { data, problems } = recheck(schema, raw);
  return { shown, doc, raw, data, problems, at: (p) => pos(locate(doc, p).offset), recheck };
}

/** Throw the problems as one error, in the order of the text. */
export function throwProblems(shown: string, what: string, problems: ScenarioProblem[]): never {
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  const n = problems.length;
  throw new ScenarioError('TLSLAB_SCENARIO_INVALID', `${shown} is not ${what} (${n} problem${n === 1 ? '' : 's'}):`, problems);
}

// ---------------------------------------------------------------------------------------------
// From a zod issue to sentences with a place in the text.

export type Key = string | number;
interface Located {
  offset: number;
  path: string;
  message: string;
}

function explainIssue(root: z.ZodType, issue: z.core.$ZodIssue, doc: Document, data: unknown): Located[] {
  const issuePath = issue.path.filter((k): k is Key => typeof k !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const valid = fieldsAt(root, issuePath, data);
    return issue.keys.map((key) => {
      const guess = closest(key, valid);
      return {
        offset: keyOffset(doc, [...issuePath, key]) ?? locate(doc, issuePath).offset,
        path: showPath([...issuePath, key]),
        message: `unknown field "${key}"` + (guess ? ` (did you mean "${guess}"?)` : '') + (valid.length ? `; the fields here are ${valid.join(', ')}` : ''),
      };
    });
  }
  const where = locate(doc, issuePath);
  // "polcy: …" makes zod report both an unknown "polcy" and a missing "policy"; the
  // unknown-field message already says "did you mean policy?", so one line is enough.
  if (where.missing && issue.code !== 'custom' && isMisspelt(root, issuePath, data)) return [];
  return [{ offset: where.offset, path: showPath(issuePath), message: sentence(root, issue, where.missing, issuePath, data) }];
}

function isMisspelt(root: z.ZodType, missingAt: Key[], data: unknown): boolean {
  const field = missingAt.at(-1);
  const parent = valueAt(data, missingAt.slice(0, -1));
  if (typeof field !== 'string' || parent === null || typeof parent !== 'object') return false;
  const valid = fieldsAt(root, missingAt.slice(0, -1), data);
  const unknown = Object.keys(parent).filter((k) => !valid.includes(k));
  return unknown.some((k) => closest(k, valid) === field);
}

function sentence(root: z.ZodType, issue: z.core.$ZodIssue, missing: boolean, at: Key[], data: unknown): string {
  const field = at.at(-1);
  const value = valueAt(data, at);
  const choices =
    issue.code === 'invalid_value'
      ? issue.values.map(String)
      : issue.code === 'invalid_union' && 'options' in issue
        ? (issue.options as unknown[]).map(String)
        : undefined;
  // Our own refinements already speak in sentences (schema.ts).
  if (issue.code === 'custom') return issue.message;
  if (missing) {
    if (choices) return `missing field "${String(field)}": give one of ${choices.join(' | ')}`;
    const what = describeField(root, at, data);
    const expected = issue.code === 'invalid_type' ? typeName(issue.expected) : undefined;
    return `missing field "${String(field)}"` + (what ? `: ${what}` : expected ? ` (${expected})` : '');
  }
  switch (issue.code) {
    case 'invalid_value':
    case 'invalid_union':
      if (choices) {
        return choices.length === 1 ? `expected "${choices[0]}", got ${showValue(value)}` : `expected one of ${choices.join(' | ')}, got ${showValue(value)}`;
      }
      return issue.message;
    case 'invalid_type':
      return `expected ${typeName(issue.expected)}, got ${showValue(value)}`;
    case 'too_small':
      if (issue.origin === 'array') return `needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return Number(issue.minimum) === 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters long`;
      return issue.message;
    case 'invalid_format':
      return issue.message;
    default:
      return issue.message;
  }
}

function typeName(expected: string): string {
  const names: Record<string, string> = {
    string: 'text',
    number: 'a number',
    boolean: 'true or false',
    array: 'a list',
    object: 'a mapping of fields ("key: value")',
  };
  return names[expected] ?? expected;
}

function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  // Not reached: parsed YAML holds no symbol or function.
  return typeof v;
}

/** `session[2].action.kind` */
function showPath(p: Key[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

function valueAt(data: unknown, p: Key[]): unknown {
  let v: unknown = data;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<Key, unknown>)[k];
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// From a path to a place in the YAML text.

/**
 * The offset of the node at p. When it does not exist (a missing field) this points at the
 * nearest parent that does: its key when it is a mapping value (`stateCa:`), else its start
 * (the `- ` item of a list).
 */
function locate(doc: Document, p: Key[]): { offset: number; missing: boolean } {
  const node = doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
  if (node?.range) return { offset: node.range[0], missing: false };
  const hasNode = node !== undefined || (p.length === 0 && doc.contents !== null);
  for (let k = p.length - 1; k >= 0; k--) {
    const parent = p.slice(0, k);
    const found = k === 0 ? doc.contents : (doc.getIn(parent, true) as { range?: [number, number, number] } | undefined);
    if (!found?.range) continue;
    const last = parent.at(-1);
    const offset = typeof last === 'string' ? (keyOffset(doc, parent) ?? found.range[0]) : found.range[0];
    return { offset, missing: !hasNode };
  }
  return { offset: 0, missing: !hasNode };
}

/** The offset of the key of the pair at p (the map is at p minus its last element). */
function keyOffset(doc: Document, p: Key[]): number | undefined {
  const map = p.length === 1 ? doc.contents : doc.getIn(p.slice(0, -1), true);
  if (!isMap(map)) return undefined;
  const pair = map.items.find((it) => (isScalar(it.key) ? it.key.value : it.key) === p.at(-1));
  return isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading the schema itself, for "the fields here are …" and "missing field X: <what it is>".

function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

/** The schema for the value at p, choosing the right variant of a discriminated union from data. */
function schemaAt(root: z.ZodType, p: Key[], data: unknown): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  for (let i = 0; i < p.length && s; i++) {
    const inner = variantFor(unwrap(s), valueAt(data, p.slice(0, i)));
    if (inner instanceof z.ZodObject) s = (inner.shape as Record<string, z.ZodType>)[String(p[i])];
    else if (inner instanceof z.ZodArray) s = inner.element as z.ZodType;
    else s = undefined;
  }
  return s;
}

function variantFor(s: z.ZodType, value: unknown): z.ZodType {
  if (!(s instanceof z.ZodDiscriminatedUnion)) return s;
  const discriminator = (s._zod.def as { discriminator: string }).discriminator;
  const tag = (value as Record<string, unknown> | undefined)?.[discriminator];
  const options = s.options as z.ZodType[];
  return options.find((o) => o instanceof z.ZodObject && (o.shape[discriminator] as z.ZodLiteral).value === tag) ?? s;
}

function fieldsAt(root: z.ZodType, p: Key[], data: unknown): string[] {
  const s = schemaAt(root, p, data);
  const inner = s && variantFor(unwrap(s), valueAt(data, p));
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

/** The field's .describe() text, lower-cased to continue a sentence. */
function describeField(root: z.ZodType, p: Key[], data: unknown): string | undefined {
  let s = schemaAt(root, p, data);
  while (s) {
    if (s.description) return s.description.charAt(0).toLowerCase() + s.description.slice(1);
    const next: z.ZodType = unwrap(s);
    s = next === s ? undefined : next;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

function yamlMessage(e: YAMLError): string {
  // yaml's own text is precise but terse; add the usual cause for the common cases.
  const hints: Partial<Record<YAMLError['code'], string>> = {
    DUPLICATE_KEY: 'the same field appears twice in one mapping',
    TAB_AS_INDENT: 'YAML indents with spaces, not tabs',
    BAD_INDENT: 'check that this line is indented like its siblings',
    MISSING_CHAR: 'a quote or bracket is not closed',
    MULTILINE_IMPLICIT_KEY: 'a quote or bracket is probably not closed, or a "key: value" is missing its colon',
    BLOCK_AS_IMPLICIT_KEY: 'a "key: value" line is probably missing its colon or is mis-indented',
    UNEXPECTED_TOKEN: 'check the quoting and indentation of this line',
  };
  const text = e.message.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  const hint = hints[e.code];
  return `YAML syntax error: ${text}` + (hint ? ` (${hint})` : '');
}

function displayPath(file: string): string {
  const abs = path.resolve(file);
  const rel = path.relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

export function wholeFile(file: string, message: string): ScenarioProblem {
  return { file: displayPath(file), line: 0, column: 0, path: '', message };
}

/** A likely intended word: same letters in another case, or at most two edits away. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, c);
    if (d <= 2 && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
