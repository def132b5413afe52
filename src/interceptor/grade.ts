/**
 * Grade an interceptor's upstream ClientHello as Cloudflare's MITMEngine does, after
 * Durumeric et al., "The Security Impact of HTTPS Interception" (NDSS 2017):
 * A optimal, B suboptimal, C known attack, F trivially broken; the worst part wins.
 * Version: TLS 1.2/1.3 A, 1.0/1.1 B, SSL 3 C. Suites: AEAD with forward secrecy A; CBC,
 * 3DES or static RSA key exchange B; RC4 C; NULL, export, DES or anonymous F.
 */
import { CIPHER_SUITES, TLS_VERSIONS } from 'read-tls-client-hello';

type Grade = 'A' | 'B' | 'C' | 'F';

export interface HelloToGrade {
  /** Highest version offered (legacy_version, or supported_versions when present). */
  version: number;
  cipherSuites: number[];
}

export interface GradeResult {
  grade: Grade;
  version: string;
  reasons: string[];
}

const ORDER: Grade[] = ['A', 'B', 'C', 'F'];
const worst = (a: Grade, b: Grade): Grade => (ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b);

export function gradeSuite(name: string): Grade {
  if (/NULL|EXPORT|_anon_|_DES_CBC_|DES40/.test(name)) return 'F';
  if (/RC4/.test(name)) return 'C';
  // TLS 1.3 suites (TLS_AES_*, TLS_CHACHA20_*) are AEAD with forward secrecy by design.
  if (/^TLS_(AES|CHACHA20)_/.test(name)) return 'A';
  if (/_CBC_|3DES/.test(name) || /^TLS_RSA_/.test(name)) return 'B';
  if (/^TLS_(ECDHE|DHE)_.*_(GCM|CHACHA20_POLY1305|CCM)/.test(name)) return 'A';
  return 'B';
}

export function gradeHello(hello: HelloToGrade): GradeResult {
  const version = TLS_VERSIONS[hello.version] ?? `0x${hello.version.toString(16)}`;
  const reasons: string[] = [];
  let grade: Grade = hello.version >= 0x0303 ? 'A' : hello.version >= 0x0301 ? 'B' : 'C';
  if (grade !== 'A') reasons.push(`offers ${version}`);
  const byGrade = new Map<Grade, string[]>();
  for (const id of hello.cipherSuites) {
    const name = CIPHER_SUITES[id];
    if (!name || name.includes('SCSV') || (id & 0x0f0f) === 0x0a0a) continue; // signalling values and GREASE
    const g = gradeSuite(name);
    byGrade.set(g, [...(byGrade.get(g) ?? []), name]);
    grade = worst(grade, g);
  }
  for (const g of ['F', 'C', 'B'] as Grade[]) {
    const names = byGrade.get(g);
    if (names) reasons.push(`${g}: offers ${names.join(', ')}`);
  }
  return { grade, version, reasons };
}
