/**
 * The simulated state CAs, as measured in the wild. Source for every number:
 * Raman et al., "Investigating Large Scale HTTPS Interception in Kazakhstan", IMC 2020 (doi 10.1145/3419394.3423665), and Censored Planet's report of 23 July 2019.
 */
import { SUBJECT_ALT_NAME_OID, type StateCaProfile } from '../src/pki/profiles.ts';

export const QAZNET_2019: StateCaProfile = {
  id: 'qaznet-2019',
  label: 'Kazakhstan, July 2019: "Qaznet Trust Network"',
  root: {
    subject: [
      { shortName: 'C', value: 'KZ' },
      { shortName: 'CN', value: 'Qaznet Trust Network' },
    ],
    bits: 4096,
    // The real root's validity span.
    notBefore: '2016-02-02T00:00:00Z',
    notAfter: '2046-02-02T00:00:00Z',
  },
  intermediate: {
    subject: [
      { shortName: 'C', value: 'KZ' },
      { shortName: 'CN', value: 'Security Certificate' },
    ],
    bits: 2048,
    // Three years as the real one; it starts a month before the lab so that it is valid today.
    validityDays: 3 * 365,
  },
  installFileStem: 'qazca',
  forgery: {
    keyBits: 2048,
    exponent: 3,
    validityShiftHours: -6,
    serialRandomBits: 33,
    keepExtensionOids: [SUBJECT_ALT_NAME_OID],
  },
  sources: [
    'Names (Subject, SAN) copied from the real server certificate, every other extension removed (Raman et al. 2020).',
    'Fresh RSA key per host with public exponent 3, 2048-bit after 19 July 2019 (Raman et al. 2020).',
    'Validity copied and shifted 6 hours earlier; serial = real serial with its last 33 bits randomised (Raman et al. 2020).',
  ],
};

export const ISCA_2020: StateCaProfile = {
  id: 'isca-2020',
  label: 'Kazakhstan, December 2020: "Information Security Certification Authority"',
  root: {
    subject: [
      { shortName: 'C', value: 'KZ' },
      { shortName: 'O', value: 'ISCA' },
      { shortName: 'CN', value: 'Information Security Certification Authority CA' },
    ],
    bits: 4096,
    notBefore: '2020-01-01T00:00:00Z',
    notAfter: '2040-01-01T00:00:00Z',
  },
  intermediate: {
    subject: [
      { shortName: 'C', value: 'KZ' },
      { shortName: 'O', value: 'ISCA' },
      { shortName: 'CN', value: 'Information Security Certification Authority' },
    ],
    bits: 2048,
    // OONI 2024: short-lived (75-day) ISCA intermediates.
    validityDays: 75,
  },
  installFileStem: 'isca',
  // The 2020 leaf details were not published as precisely as 2019's: the lab keeps the 2019
  // device's habits except the exponent, and says so in the report.
  forgery: {
    keyBits: 2048,
    exponent: 65537,
    validityShiftHours: -6,
    serialRandomBits: 33,
    keepExtensionOids: [SUBJECT_ALT_NAME_OID],
  },
  sources: ['Root CN=Information Security Certification Authority CA, O=ISCA, C=KZ, RSA-4096, 2020-2040.'],
};

export const STATE_CA_PROFILES: Record<string, StateCaProfile> = {
  [QAZNET_2019.id]: QAZNET_2019,
  [ISCA_2020.id]: ISCA_2020,
};

/** The lab's names: a name-constrained state CA can vouch for nothing else (design.md, safety). */
export const LAB_DNS_SUFFIXES = ['example', 'test'];

/**
 * Not a state: a second attacker beyond the ISP (a BGP or DNS hijack upstream) with a CA of
 * its own that no browser trusts. Only an interceptor that does not validate upstream
 * certificates lets it through, re-signed with the state's trusted name (the sloppy scenario).
 */
export const UPSTREAM_ATTACKER: StateCaProfile = {
  id: 'upstream-attacker',
  label: 'A hijacker beyond the ISP, with a self-made CA',
  root: {
    subject: [
      { shortName: 'O', value: 'Hijack' },
      { shortName: 'CN', value: 'Hijack Root' },
    ],
    bits: 2048,
    notBefore: '2020-01-01T00:00:00Z',
    notAfter: '2040-01-01T00:00:00Z',
  },
  intermediate: { subject: [{ shortName: 'CN', value: 'Hijack Issuing CA' }], bits: 2048, validityDays: 365 },
  installFileStem: 'hijack',
  forgery: { keyBits: 2048, exponent: 65537, validityShiftHours: 0, serialRandomBits: 64, keepExtensionOids: [SUBJECT_ALT_NAME_OID] },
  sources: ['Durumeric et al., NDSS 2017: interception products that do not validate upstream certificates expose users to any attacker on the upstream path.'],
};
