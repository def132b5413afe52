import { describeCertificate } from '../pki/inspect.ts';
import type { LabPki } from '../pki/lab-pki.ts';
import type { LabDescription } from './lab.ts';

/** The trust part of `Lab.describe()`, the same in every runtime: files to trust and the CAs. */
export function describeLabPki(pki: LabPki): Pick<LabDescription, 'trust' | 'stateRoot' | 'stateIntermediate' | 'webRoot' | 'nameConstrained'> {
  return {
    trust: {
      webRoot: pki.files.webRootPem,
      stateRoot: pki.files.stateRootPem,
      stateRootDer: pki.files.stateRootDer,
      webAndStateRoots: pki.files.installedBundlePem,
    },
    stateRoot: describeCertificate(pki.stateRoot.cert.der),
    stateIntermediate: describeCertificate(pki.stateIntermediate.cert.der),
    webRoot: describeCertificate(pki.webRoot.cert.der),
    nameConstrained: pki.nameConstraints !== null,
  };
}
