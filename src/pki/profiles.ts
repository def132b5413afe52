import type { DistinguishedName } from './certificate.ts';

/** How a state CA's interception device forges leaf certificates. */
export interface ForgeryRules {
  /** RSA size of the fresh per-host key. */
  keyBits: number;
  /** Public exponent of that key (the 2019 device used 3). */
  exponent: number;
  /** Hours added to the copied validity (negative: earlier). */
  validityShiftHours: number;
  /** Low bits of the copied serial replaced by random bits. */
  serialRandomBits: number;
  /** Extensions copied from the real certificate, by OID; every other one is dropped. */
  keepExtensionOids: string[];
}

/** Fixed dates (ISO 8601), or a number of days starting 30 days before the lab (valid today). */
export type Validity = { notBefore: string; notAfter: string } | { days: number };

export interface StateCaProfile {
  id: string;
  /** Who ran it and when, for reports. */
  label: string;
  root: { subject: DistinguishedName; bits: number; validity: Validity };
  intermediate: { subject: DistinguishedName; bits: number; validity: Validity };
  /** Where the install page offers the root, e.g. 'qazca' for qazca.cer/.pem/.der. */
  installFileStem: string;
  forgery: ForgeryRules;
  /** Sentences the report cites for each choice, with its source. */
  sources: string[];
}
