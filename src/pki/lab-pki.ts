/**
 * Every key and certificate of one lab: the simulated public web PKI, the state CA, the
 * sites' certificates, and the forger. Keys are made fresh for each lab and written 0600
 * into the lab's own state folder (README, "Safety").
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createIntermediate, createRoot, issueServerCertificate, type Authority } from './authority.ts';
import type { ForgedLeaf } from './forge-leaf.ts';
import { createForger } from './forger.ts';
import type { NameConstraintSpec } from './extensions.ts';
import { createCtLog, type CtLog } from './ct.ts';
import { generateRsaKey } from './keys.ts';
import { LAB_DNS_SUFFIXES } from '../lab-names.ts';
import type { StateCaProfile, Validity } from './profiles.ts';
import { systemEntropy, type CertEntropy } from './randomness.ts';

const WEB_ROOT_NAME = [
  { shortName: 'C' as const, value: 'US' },
  { shortName: 'O' as const, value: 'Lab Trust Services' },
  { shortName: 'CN' as const, value: 'Lab Global Root R1' },
];
export const WEB_INTERMEDIATE_NAME = [
  { shortName: 'C' as const, value: 'US' },
  { shortName: 'O' as const, value: 'Lab Trust Services' },
  { shortName: 'CN' as const, value: 'Lab TLS Issuing CA 1' },
];

export interface SiteCredentials {
  certChainPem: string;
  keyPem: string;
}

/** Paths of the trust material a person or a client needs (all inside the lab's state folder). */
export interface TrustFiles {
  dir: string;
  webRootPem: string;
  stateRootPem: string;
  stateRootDer: string;
  stateIntermediatePem: string;
  /** Web root + state root: the trust store of a subscriber who installed the certificate. */
  installedBundlePem: string;
  /** http-mitm-proxy's CA folder, seeded with the state intermediate so it never makes its own. */
  mitmCaDir: string;
}

export interface LabPki {
  profile: StateCaProfile;
  nameConstraints: NameConstraintSpec | null;
  webRoot: Authority;
  webIntermediate: Authority;
  stateRoot: Authority;
  stateIntermediate: Authority;
  /** The lab's CT log, whose SCTs every web-PKI site certificate carries. */
  ctLog: CtLog;
  files: TrustFiles;
  site(name: string): SiteCredentials;
  /** Forge (or reuse) the leaf for a real certificate the interceptor fetched upstream. */
  forge(realCertDer: Buffer): Promise<ForgedLeaf>;
  /** Resolves when the forging key pool is full (for benchmarks and a quiet start). */
  warm(): Promise<void>;
  close(): void;
}

interface LabPkiOptions {
  dir: string;
  profile: StateCaProfile;
  /** Constrain the state CA to the lab's names (default true). */
  nameConstrained?: boolean;
  siteNames: string[];
  entropy?: CertEntropy;
  /** Forging keys kept ready. */
  keyPoolSize?: number;
}

export async function createLabPki(opts: LabPkiOptions): Promise<LabPki> {
  const entropy = opts.entropy ?? systemEntropy;
  const profile = opts.profile;
  const nameConstraints: NameConstraintSpec | null = opts.nameConstrained === false ? null : { permittedDns: [...LAB_DNS_SUFFIXES], excludeAllIp: true };

  // All keys at once: node generates them on the thread pool in parallel.
  const [webRootKey, webIntKey, stateRootKey, stateIntKey, ...siteKeys] = await Promise.all([
    generateRsaKey(2048),
    generateRsaKey(2048),
    generateRsaKey(profile.root.bits),
    generateRsaKey(profile.intermediate.bits),
    ...opts.siteNames.map(() => generateRsaKey(2048)),
  ]);
  const now = entropy.now().getTime();
  const webRoot = createRoot({
    name: WEB_ROOT_NAME,
    key: webRootKey,
    notBefore: new Date(now - 365 * 86_400_000),
    notAfter: new Date(now + 20 * 365 * 86_400_000),
    entropy,
  });
  const webIntermediate = createIntermediate(webRoot, { name: WEB_INTERMEDIATE_NAME, key: webIntKey, ...validityWindow({ days: 5 * 365 }, now), entropy });
  const stateRoot = createRoot({
    name: profile.root.subject,
    key: stateRootKey,
    ...validityWindow(profile.root.validity, now),
    entropy,
    // The real Qaznet root: keyUsage critical nonRepudiation, keyCertSign, cRLSign.
    keyUsage: ['nonRepudiation', 'keyCertSign', 'cRLSign'],
    nameConstraints: nameConstraints ?? undefined,
  });
  const stateIntermediate = createIntermediate(stateRoot, {
    name: profile.intermediate.subject,
    key: stateIntKey,
    ...validityWindow(profile.intermediate.validity, now),
    entropy,
    nameConstraints: nameConstraints ?? undefined,
  });

  const ctLog = createCtLog();
  const sites = new Map<string, SiteCredentials>();
  opts.siteNames.forEach((name, i) => {
    const key = siteKeys[i];
    if (!key) throw new Error(`no key was generated for ${name}`);
    const leaf = issueServerCertificate(webIntermediate, { names: [name], key, entropy, ctLog });
    sites.set(name, { certChainPem: leaf.pem + webIntermediate.cert.pem, keyPem: key.privateKeyPem });
  });

  const files = await writeTrustFiles(opts.dir, { webRoot, webIntermediate, stateRoot, stateIntermediate }, sites);

  const forger = createForger({ issuer: stateIntermediate, profile, entropy, keyPoolSize: opts.keyPoolSize });
  return {
    profile,
    nameConstraints,
    webRoot,
    webIntermediate,
    stateRoot,
    stateIntermediate,
    ctLog,
    files,
    site(name) {
      const creds = sites.get(name);
      if (!creds) throw new Error(`no certificate was issued for ${name}`);
      return creds;
    },
    forge: forger.forge,
    warm: forger.warm,
    close: forger.close,
  };
}

async function writeTrustFiles(
  dir: string,
  cas: Record<'webRoot' | 'webIntermediate' | 'stateRoot' | 'stateIntermediate', Authority>,
  sites: Map<string, SiteCredentials>,
): Promise<TrustFiles> {
  const keys = join(dir, 'keys');
  const mitmCaDir = join(dir, 'mitm-ca');
  for (const d of [dir, keys, join(dir, 'certs'), join(mitmCaDir, 'certs'), join(mitmCaDir, 'keys')]) {
    await mkdir(d, { recursive: true, mode: 0o700 });
  }
  const secret = (path: string, data: string) => writeFile(path, data, { mode: 0o600 });
  const cert = (path: string, data: string | Buffer) => writeFile(path, data, { mode: 0o644 });
  const files: TrustFiles = {
    dir,
    webRootPem: join(dir, 'certs', 'web-root.pem'),
    stateRootPem: join(dir, 'certs', 'state-root.pem'),
    stateRootDer: join(dir, 'certs', 'state-root.der'),
    stateIntermediatePem: join(dir, 'certs', 'state-intermediate.pem'),
    installedBundlePem: join(dir, 'certs', 'web-and-state-roots.pem'),
    mitmCaDir,
  };
  await Promise.all([
    cert(files.webRootPem, cas.webRoot.cert.pem),
    cert(files.stateRootPem, cas.stateRoot.cert.pem),
    cert(files.stateRootDer, cas.stateRoot.cert.der),
    cert(files.stateIntermediatePem, cas.stateIntermediate.cert.pem),
    cert(files.installedBundlePem, cas.webRoot.cert.pem + cas.stateRoot.cert.pem),
    cert(join(dir, 'certs', 'web-intermediate.pem'), cas.webIntermediate.cert.pem),
    ...Object.entries(cas).map(([name, ca]) => secret(join(keys, `${name}.key`), ca.key.privateKeyPem)),
    ...[...sites].map(([name, c]) => secret(join(keys, `${name}.key`), c.keyPem)),
    ...[...sites].map(([name, c]) => cert(join(dir, 'certs', `${name}.chain.pem`), c.certChainPem)),
    cert(join(mitmCaDir, 'certs', 'ca.pem'), cas.stateIntermediate.cert.pem),
    secret(join(mitmCaDir, 'keys', 'ca.private.key'), cas.stateIntermediate.key.privateKeyPem),
    cert(join(mitmCaDir, 'keys', 'ca.public.key'), cas.stateIntermediate.key.publicKeyPem),
  ]);
  return files;
}

/** A profile's validity as dates: fixed ones, or `days` from 30 days before now (valid today). */
function validityWindow(v: Validity, now: number): { notBefore: Date; notAfter: Date } {
  if ('days' in v) return { notBefore: new Date(now - 30 * 86_400_000), notAfter: new Date(now + (v.days - 30) * 86_400_000) };
  return { notBefore: new Date(v.notBefore), notAfter: new Date(v.notAfter) };
}
