import { buildCertificate, type DistinguishedName, type RawExtension, type SignedCertificate } from './certificate.ts';
import { sctListExtension, type CtLog } from './ct.ts';
import { caExtensions, serverLeafExtensions, type NameConstraintSpec } from './extensions.ts';
import type { LabKey } from './keys.ts';
import type { CertEntropy } from './randomness.ts';

/** A CA that can sign: its certificate, its key, and its name. */
export interface Authority {
  name: DistinguishedName;
  cert: SignedCertificate;
  key: LabKey;
  /** Certificates above this one up to, not including, the root (sent in the chain). */
  chainAbove: SignedCertificate[];
}

const DAY = 86_400_000;

function randomSerial(entropy: CertEntropy): string {
  const bytes = entropy.randomBytes(16);
  bytes.writeUInt8(bytes.readUInt8(0) & 0x7f, 0); // positive, 16 bytes (CA/B Forum: at least 64 bits of randomness)
  return bytes.toString('hex');
}

export function createRoot(opts: {
  name: DistinguishedName;
  key: LabKey;
  notBefore: Date;
  notAfter: Date;
  entropy: CertEntropy;
  keyUsage?: Array<'digitalSignature' | 'nonRepudiation' | 'keyCertSign' | 'cRLSign'>;
  nameConstraints?: NameConstraintSpec;
}): Authority {
  const cert = buildCertificate(
    {
      serialHex: randomSerial(opts.entropy),
      subject: opts.name,
      issuer: opts.name,
      notBefore: opts.notBefore,
      notAfter: opts.notAfter,
      publicKey: opts.key.publicKey,
      extensions: caExtensions({
        subjectKey: opts.key.publicKey,
        keyUsage: opts.keyUsage ?? ['keyCertSign', 'cRLSign'],
        nameConstraints: opts.nameConstraints,
      }),
    },
    opts.key.privateKey,
  );
  return { name: opts.name, cert, key: opts.key, chainAbove: [] };
}

export function createIntermediate(
  parent: Authority,
  opts: { name: DistinguishedName; key: LabKey; notBefore: Date; notAfter: Date; entropy: CertEntropy; nameConstraints?: NameConstraintSpec },
): Authority {
  const cert = buildCertificate(
    {
      serialHex: randomSerial(opts.entropy),
      subject: opts.name,
      issuer: parent.name,
      notBefore: opts.notBefore,
      notAfter: opts.notAfter,
      publicKey: opts.key.publicKey,
      extensions: caExtensions({
        subjectKey: opts.key.publicKey,
        issuerKey: parent.key.publicKey,
        pathLen: 0,
        keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
        nameConstraints: opts.nameConstraints,
      }),
    },
    parent.key.privateKey,
  );
  return { name: opts.name, cert, key: opts.key, chainAbove: [] };
}

/** A server certificate as a public CA issues it today: 90 days, SAN, EKU serverAuth. */
export function issueServerCertificate(issuer: Authority, opts: { names: string[]; key: LabKey; entropy: CertEntropy; ctLog?: CtLog }): SignedCertificate {
  const [commonName] = opts.names;
  if (commonName === undefined) throw new Error('a server certificate needs at least one DNS name');
  const now = opts.entropy.now().getTime();
  const extensions: Array<Record<string, unknown> | RawExtension> = serverLeafExtensions({
    names: opts.names,
    subjectKey: opts.key.publicKey,
    issuerKey: issuer.key.publicKey,
  });
  if (opts.ctLog) extensions.push(sctListExtension(opts.ctLog, opts.names, new Date(now - DAY)));
  return buildCertificate(
    {
      serialHex: randomSerial(opts.entropy),
      subject: [{ shortName: 'CN', value: commonName }],
      issuer: issuer.name,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 89 * DAY),
      publicKey: opts.key.publicKey,
      extensions,
    },
    issuer.key.privateKey,
  );
}
