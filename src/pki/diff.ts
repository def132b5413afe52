/** A forged certificate next to the original, field by field (what a student should compare). */
import type { CertificateSummary } from './inspect.ts';

export interface DiffRow {
  field: string;
  original: string;
  forged: string;
  same: boolean;
}

export function diffCertificates(original: CertificateSummary, forged: CertificateSummary): DiffRow[] {
  const rows: Array<[string, string, string]> = [
    ['subject', original.subject, forged.subject],
    ['names (SAN)', original.names.join(', '), forged.names.join(', ')],
    ['issuer', original.issuer, forged.issuer],
    ['serial', original.serialHex, forged.serialHex],
    ['not before', original.notBefore, forged.notBefore],
    ['not after', original.notAfter, forged.notAfter],
    ['key', keyOf(original), keyOf(forged)],
    ['SPKI sha256', original.spkiSha256, forged.spkiSha256],
    ['extensions', original.extensions.map((e) => e.name).join(', '), forged.extensions.map((e) => e.name).join(', ') || '(none)'],
    ['SHA-256 fingerprint', original.fingerprintSha256, forged.fingerprintSha256],
  ];
  return rows.map(([field, a, b]) => ({ field, original: a, forged: b, same: a === b }));
}

function keyOf(c: CertificateSummary): string {
  return `${c.keyType.toUpperCase()}-${c.keyBits ?? '?'}, e=${c.publicExponent ?? '?'}`;
}

/** The rows as an aligned text table (the CLI and the narrated report use it). */
export function diffTable(rows: DiffRow[], mark: (changed: string) => string = (s) => s): string {
  const w0 = Math.max(...rows.map((r) => r.field.length)) + 2;
  const w1 = Math.min(48, Math.max(...rows.map((r) => r.original.length))) + 2;
  const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
  const lines = [`${'field'.padEnd(w0)}${'original'.padEnd(w1)}shown through the ISP box`];
  for (const r of rows) {
    const forged = r.same ? '(same)' : mark(clip(r.forged, 64));
    lines.push(`${r.field.padEnd(w0)}${clip(r.original, w1 - 2).padEnd(w1)}${forged}`);
  }
  return lines.join('\n');
}
