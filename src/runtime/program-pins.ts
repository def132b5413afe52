import { X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TrustFacts } from '../clients/trust-facts.ts';
import type { LabPki } from '../pki/lab-pki.ts';

/**
 * The pins of this lab's sites, for a program that pins (`TLSLAB_PINS_FILE`): a real app compiles
 * its servers' pins in, but the lab's keys are fresh every run. Per site: the SHA-256 of its
 * public key (SPKI, base64, as OkHttp and HPKP pin) and of its certificate (hex).
 */
export async function writeProgramPins(file: string, pki: LabPki, hosts: string[], facts: TrustFacts): Promise<void> {
  const pins: Record<string, { spkiSha256: string; certSha256: string }> = {};
  for (const host of hosts) {
    const leaf = new X509Certificate(pki.site(host).certChainPem);
    pins[host] = { spkiSha256: facts.pins[host]!.siteKey, certSha256: leaf.fingerprint256.replace(/:/g, '').toLowerCase() };
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(pins, null, 2) + '\n', { mode: 0o644 });
}
