/**
 * A self-signed certificate made by the real openssl, for a test server outside the lab's PKI
 * (an upstream the box must judge, a site a client must refuse). RSA-2048, two days.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSigned {
  certPem: string;
  keyPem: string;
  certFile: string;
  keyFile: string;
}

/** `extensions` are openssl `-addext` values; by default a subjectAltName naming `name`. */
export async function selfSigned(dir: string, name: string, extensions = [`subjectAltName=DNS:${name}`]): Promise<SelfSigned> {
  const stem = join(dir, name.replace(/[^A-Za-z0-9.]/g, '_'));
  const [certFile, keyFile] = [`${stem}.crt`, `${stem}.key`];
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    ...extensions.flatMap((ext) => ['-addext', ext]),
    '-keyout', keyFile, '-out', certFile,
  ]); // prettier-ignore
  return { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8'), certFile, keyFile };
}
