/**
 * The state CA as data. A preset is a YAML file in scenarios/state-cas/ (the two Kazakh CAs,
 * and the hijacker of the sloppy scenario); a scenario's `stateCa` names one (`profile:`) and
 * may override any of its fields, or, without a preset, gives them all. Everything the lab
 * mints and forges with comes from here: subject names, key sizes, validity, and the forging
 * habits of the device (research: docs/research.md).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { DistinguishedName } from '../pki/certificate.ts';
import type { StateCaProfile, Validity } from '../pki/profiles.ts';
import { projectPath } from '../project-root.ts';
import { closest, throwProblems, validateYaml, type ScenarioProblem, type ValidatedYaml } from './yaml-validation.ts';

/** Extensions a forging device may copy from the real certificate, by the names X.509 gives them. */
const COPYABLE_EXTENSIONS = {
  subjectAltName: '2.5.29.17',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  certificatePolicies: '2.5.29.32',
  cRLDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  subjectKeyIdentifier: '2.5.29.14',
  signedCertificateTimestamps: '1.3.6.1.4.1.11129.2.4.2',
} as const;
const OID_RE = /^[0-2](\.(0|[1-9]\d*))+$/;
const KEY_SIZES = [1024, 2048, 3072, 4096] as const;

const Rdn = z
  .strictObject({
    C: z.string().length(2).optional().describe('Country, two letters'),
    ST: z.string().min(1).optional().describe('State or province'),
    L: z.string().min(1).optional().describe('Locality (a city)'),
    O: z.string().min(1).optional().describe('Organisation'),
    OU: z.string().min(1).optional().describe('Organisational unit'),
    CN: z.string().min(1).optional().describe('Common name'),
  })
  .refine((o) => Object.keys(o).length === 1, { message: 'one attribute per entry, in order, e.g. "- CN: Security Certificate"' });

const Subject = z
  .array(Rdn)
  .min(1)
  .describe('The distinguished name, one attribute per entry in the order they appear, e.g. [{C: KZ}, {CN: Qaznet Trust Network}]')
  .transform((rdns): DistinguishedName =>
    rdns.map((r) => {
      const [shortName, value] = Object.entries(r)[0] as [DistinguishedName[number]['shortName'], string];
      return { shortName, value };
    }),
  );

const IsoTime = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), { message: 'a date or time, e.g. 2016-02-02 or 2016-02-02T00:00:00Z' });

const ValiditySchema = z
  .strictObject({
    notBefore: IsoTime.optional().describe('First day of validity (a fixed date)'),
    notAfter: IsoTime.optional().describe('Last day of validity (a fixed date)'),
    days: z.int().positive().optional().describe('Days of validity, starting 30 days before the lab starts (so it is valid today)'),
  })
  .superRefine((v, ctx) => {
    const dates = v.notBefore !== undefined || v.notAfter !== undefined;
    if (dates && v.days !== undefined) ctx.addIssue({ code: 'custom', message: 'give either days, or notBefore and notAfter, not both' });
    else if (!dates && v.days === undefined) ctx.addIssue({ code: 'custom', message: 'give days, or notBefore and notAfter' });
    else if (dates && (v.notBefore === undefined || v.notAfter === undefined)) ctx.addIssue({ code: 'custom', message: 'give both notBefore and notAfter' });
    else if (dates && Date.parse(v.notBefore!) >= Date.parse(v.notAfter!)) ctx.addIssue({ code: 'custom', message: 'notBefore must come before notAfter' });
  })
  .transform((v): Validity => (v.days !== undefined ? { days: v.days } : { notBefore: v.notBefore!, notAfter: v.notAfter! }))
  .describe('How long the certificate is valid: days (counted from 30 days before the lab starts), or fixed notBefore and notAfter');

const KeySchema = z
  .strictObject({
    type: z.literal('rsa').default('rsa').describe('The key type: rsa (the lab signs with RSA only)'),
    bits: z.literal(KEY_SIZES).describe(`The RSA key size: ${KEY_SIZES.join(', ')}`),
  })
  .describe('The key: {type: rsa, bits: 2048}');

const AuthoritySchema = z.strictObject({
  subject: Subject,
  key: KeySchema,
  validity: ValiditySchema,
});

const LeafKeySchema = z
  .strictObject({
    type: z.literal('rsa').default('rsa').describe('The key type: rsa'),
    bits: z.literal(KEY_SIZES).describe(`The RSA key size of each forged certificate: ${KEY_SIZES.join(', ')}`),
    exponent: z
      .int()
      .min(3)
      .refine((e) => e % 2 === 1, { message: 'an RSA public exponent is odd (3, 65537)' })
      .default(65537)
      .describe('The public exponent (the 2019 device used 3)'),
  })
  .describe('The fresh key made for every forged certificate');

const ForgerySchema = z
  .strictObject({
    leafKey: LeafKeySchema,
    validityShiftHours: z.number().default(0).describe('Hours added to the validity copied from the real certificate (negative: earlier)'),
    serialRandomBits: z.int().min(0).max(159).default(64).describe('Low bits of the copied serial number replaced by random ones'),
    copyExtensions: z
      .array(
        z.string().refine((e) => e in COPYABLE_EXTENSIONS || OID_RE.test(e), {
          message: `an extension name (${Object.keys(COPYABLE_EXTENSIONS).join(', ')}) or a dotted OID`,
        }),
      )
      .default(['subjectAltName'])
      .describe('Extensions copied from the real certificate (every other one is dropped): names or dotted OIDs'),
  })
  .describe('How the box forges a certificate from the real one: the subject is always copied');

const STEM_RE = /^[a-z0-9][a-z0-9-]*$/;

/** A state CA, complete: what a preset file holds, and what a scenario's stateCa resolves to. */
export const StateCaProfileSchema = z
  .strictObject({
    id: z.string().regex(STEM_RE, 'an id is lowercase letters, digits and dashes').describe('A short name, e.g. qaznet-2019'),
    label: z.string().min(1).describe('Who ran it and when, as reports name it'),
    operator: z
      .string()
      .min(1)
      .default('the state')
      .describe('Who runs the CA and the box, as the report names them in a sentence ("the state read …"): the state, the company'),
    root: AuthoritySchema.describe('The root certificate subscribers were asked to install'),
    intermediate: AuthoritySchema.describe('The CA under the root that signs the forged certificates'),
    installFileStem: z
      .string()
      .regex(STEM_RE, 'a file stem is lowercase letters, digits and dashes')
      .describe('The file name the install page offers the root under, e.g. qazca for qazca.cer'),
    forgery: ForgerySchema,
    sources: z.array(z.string().min(1)).default([]).describe('Sentences the report cites for the choices, each with its source'),
  })
  .transform((p): StateCaProfile & { operator: string } => ({
    id: p.id,
    label: p.label,
    operator: p.operator,
    root: { subject: p.root.subject, bits: p.root.key.bits, validity: p.root.validity },
    intermediate: { subject: p.intermediate.subject, bits: p.intermediate.key.bits, validity: p.intermediate.validity },
    installFileStem: p.installFileStem,
    forgery: {
      keyBits: p.forgery.leafKey.bits,
      exponent: p.forgery.leafKey.exponent,
      validityShiftHours: p.forgery.validityShiftHours,
      serialRandomBits: p.forgery.serialRandomBits,
      keepExtensionOids: p.forgery.copyExtensions.map((e) => COPYABLE_EXTENSIONS[e as keyof typeof COPYABLE_EXTENSIONS] ?? e),
    },
    sources: p.sources,
  }));

/** What a scenario may write under stateCa: a preset, and any field of it to override. */
export const StateCaSchema = z
  .strictObject({
    profile: z
      .string()
      .optional()
      .describe('A preset in scenarios/state-cas/ (qaznet-2019, isca-2020) whose fields the others override; without it, give every field'),
    nameConstraints: z
      .boolean()
      .default(true)
      .describe('Constrain the state CA to the lab names (.example, .test), so a leaked lab key cannot impersonate real sites'),
    id: z.string().optional().describe("A short name for this state CA (default: the preset's)"),
    label: z.string().optional().describe('Who ran it and when, as reports name it'),
    operator: z.string().optional().describe('Who runs the CA and the box, as the report names them (default: the state)'),
    root: z.looseObject({}).optional().describe("The root: subject, key, validity (each overrides the preset's)"),
    intermediate: z.looseObject({}).optional().describe('The issuing CA: subject, key, validity'),
    installFileStem: z.string().optional().describe('The file name the install page offers the root under'),
    forgery: z.looseObject({}).optional().describe('How certificates are forged: leafKey, validityShiftHours, serialRandomBits, copyExtensions'),
    sources: z.array(z.string()).optional().describe('Sentences the report cites, each with its source'),
  })
  .describe('The simulated state certificate authority (root and intermediate)');

type StateCaSpec = z.output<typeof StateCaSchema>;

/** The state CA a scenario runs with: complete, plus how it is constrained and what it was built on. */
export type StateCa = StateCaProfile & { operator: string; nameConstraints: boolean; preset: string | null };

function stateCaPresetsDir(): string {
  return projectPath('scenarios', 'state-cas');
}

export function stateCaPresetIds(): string[] {
  return readdirSync(stateCaPresetsDir())
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

const presets = new Map<string, { raw: Record<string, unknown>; profile: StateCaProfile }>();

/** A preset by id, read and checked once (a broken preset names its own file, line and field). */
export function loadStateCaPreset(id: string): StateCaProfile {
  return readPreset(id).profile;
}

function readPreset(id: string): { raw: Record<string, unknown>; profile: StateCaProfile } {
  let preset = presets.get(id);
  if (!preset) {
    const file = path.join(stateCaPresetsDir(), `${id}.yaml`);
    const v = validateYaml(StateCaProfileSchema, readFileSync(file, 'utf8'), file, 'a valid state CA preset', 'a preset starts with "id:" and "label:"');
    const problems = [...v.problems];
    if (v.data && v.data.id !== id)
      problems.push({ file: v.shown, ...v.at(['id']), path: 'id', message: `the id "${v.data.id}" must equal the file name without .yaml ("${id}")` });
    if (problems.length > 0 || !v.data) throwProblems(v.shown, 'a valid state CA preset', problems);
    preset = { raw: v.raw as Record<string, unknown>, profile: v.data };
    presets.set(id, preset);
  }
  return preset;
}

/**
 * A scenario's stateCa made complete: its preset's fields, with the scenario's own on top
 * (mappings merged field by field, lists replaced), checked as a whole. Problems point at the
 * scenario's text.
 */
export function resolveStateCa(
  spec: StateCaSpec,
  rawSpec: unknown,
  scenario: Pick<ValidatedYaml<unknown>, 'recheck' | 'at' | 'shown'>,
): { resolved: StateCa } | { problems: ScenarioProblem[] } {
  // The scenario's own fields, as written (profile and nameConstraints are not the CA's).
  const { profile: _preset, nameConstraints: _constrained, ...overrides } = (rawSpec ?? {}) as Record<string, unknown>;
  let base: Record<string, unknown> = {};
  if (spec.profile !== undefined) {
    const ids = stateCaPresetIds();
    if (!ids.includes(spec.profile)) {
      const guess = closest(spec.profile, ids);
      return {
        problems: [
          {
            file: scenario.shown,
            ...scenario.at(['stateCa', 'profile']),
            path: 'stateCa.profile',
            message: `there is no state CA preset "${spec.profile}"` + (guess ? ` (did you mean "${guess}"?)` : '') + `; the presets are ${ids.join(', ')}`,
          },
        ],
      };
    }
    base = readPreset(spec.profile).raw;
  }
  const merged = deepMerge(base, overrides);
  const checked = scenario.recheck(z.strictObject({ stateCa: StateCaProfileSchema }), { stateCa: merged });
  if (!checked.data) return { problems: checked.problems };
  return { resolved: { ...checked.data.stateCa, nameConstraints: spec.nameConstraints, preset: spec.profile ?? null } };
}

/** A validity is one choice (days, or two dates): an override replaces it whole. */
const REPLACED_WHOLE = new Set(['validity']);

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMapping(b) && isMapping(v) && !REPLACED_WHOLE.has(k) ? deepMerge(b, v) : v;
  }
  return out;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
