/**
 * Everything one Chromium subscriber keeps on disk, all inside its own folder: a HOME with its
 * own NSS database (the Linux certificate store Chromium reads user-installed roots from), a
 * user-data-dir with its HSTS memory, and the DNS answers its line into the ISP box gives.
 * Nothing here touches the machine's own trust store or /etc.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ClientNetwork } from '../network.ts';

const run = promisify(execFile);

interface ProfileFolder {
  /** HOME for the browser process: Chromium on Linux opens `$HOME/.pki/nssdb`. */
  home: string;
  nssDb: string;
  /** --user-data-dir: the browser profile (cookies, HSTS, CRLSet). */
  userDataDir: string;
  /** PEM files given to certutil. */
  rootsDir: string;
}

export async function makeProfileFolder(dir: string): Promise<ProfileFolder> {
  const folder = {
    home: join(dir, 'home'),
    nssDb: join(dir, 'home', '.pki', 'nssdb'),
    userDataDir: join(dir, 'user-data'),
    rootsDir: join(dir, 'roots'),
  };
  for (const d of [folder.nssDb, folder.userDataDir, folder.rootsDir]) await mkdir(d, { recursive: true, mode: 0o700 });
  return folder;
}

export interface NssRoot {
  nickname: string;
  pem: string;
  /** certutil trust flags: "C,," = a CA trusted to identify websites (what "install the certificate" does). */
  trust: string;
}

/**
 * A fresh NSS database with exactly these roots, made with NSS's own certutil (libnss3-tools),
 * the way a Linux user installs a certificate for Chromium.
 */
export async function createNssDb(folder: ProfileFolder, roots: NssRoot[]): Promise<void> {
  await run('certutil', ['-d', `sql:${folder.nssDb}`, '-N', '--empty-password']);
  for (const root of roots) await addNssRoot(folder, root);
}

export async function addNssRoot(folder: ProfileFolder, root: NssRoot): Promise<void> {
  const file = join(folder.rootsDir, `${root.nickname.replace(/[^A-Za-z0-9._-]+/g, '-')}.pem`);
  await writeFile(file, root.pem);
  await run('certutil', ['-d', `sql:${folder.nssDb}`, '-A', '-t', root.trust, '-n', root.nickname, '-i', file]);
}

/**
 * Chromium's resolver rules for one line into the ISP box: each lab name on 443 and 80 goes to
 * the endpoint the lab's DNS gives this client, and everything else fails to resolve (Chromium
 * calls home otherwise; README, "Safety"). Rules keep the port in both pattern and
 * replacement, so the browser still asks for https://bank.example/ (Host header, SNI, HSTS and
 * cookies all say bank.example) while its socket goes to the box.
 */
export function hostResolverRules(network: ClientNetwork, names: readonly string[], before: readonly string[] = []): string {
  const rules = [...before];
  for (const name of names) {
    if (!/^[a-z0-9.-]+$/.test(name)) throw new RangeError(`not a hostname Chromium's resolver rules can carry: "${name}"`);
    for (const [scheme, port] of [
      ['https', 443],
      ['http', 80],
    ] as const) {
      const to = network.resolve(name, scheme);
      if (to) rules.push(`MAP ${name}:${port} ${to.address}:${to.port}`);
    }
  }
  rules.push('MAP * ~NOTFOUND');
  return rules.join(', ');
}

/**
 * The HSTS hosts a browser remembers, as Chromium persists them in
 * `<user-data-dir>/Default/TransportSecurity` (net/http/transport_security_persister.cc,
 * version 2): each host is the base64 SHA-256 of its DNS wire form. The real 2019 targets
 * (Google, Facebook, …) were on the HSTS preload list compiled into the browser; a profile
 * file is the per-client equivalent for lab names.
 */
export function transportSecurityJson(hosts: readonly string[], now: Date): string {
  const seconds = now.getTime() / 1000;
  const year = 365 * 86_400;
  return JSON.stringify({
    version: 2,
    sts: hosts.map((host) => ({
      host: createHash('sha256').update(dnsWireName(host)).digest('base64'),
      mode: 'force-https',
      sts_include_subdomains: true,
      sts_observed: seconds - 30 * 86_400,
      expiry: seconds + year,
    })),
  });
}

export async function writeHstsMemory(folder: ProfileFolder, hosts: readonly string[], now: Date): Promise<void> {
  if (hosts.length === 0) return;
  const profile = join(folder.userDataDir, 'Default');
  await mkdir(profile, { recursive: true });
  await writeFile(join(profile, 'TransportSecurity'), transportSecurityJson(hosts, now));
}

/** RFC 1035 3.1: length-prefixed labels, ending with the empty root label. */
function dnsWireName(host: string): Buffer {
  const labels = host.toLowerCase().split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])]);
}
