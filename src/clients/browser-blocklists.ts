/**
 * What browsers did about the Kazakh roots, release by release (research file, "How browsers
 * defeated it"): which state CA profiles each emulated release blocks, and the error it shows.
 * Block lists name SPKIs; the lab's roots are made fresh, so a list names a profile and the
 * lab supplies that profile's keys, as Chromium's list names the real roots' keys.
 */
export interface BlocklistEmulation {
  label: string;
  /** State CA profile id → the error the browser shows when a chain contains that CA's key. */
  blocks: Record<string, { code: string; message: string }>;
}

const REVOKED = { code: 'net::ERR_CERT_REVOKED', message: "the server's certificate has been revoked (emulated: Chromium's SPKI block list)" };
const KNOWN_INTERCEPTION = {
  code: 'net::ERR_CERT_KNOWN_INTERCEPTION_BLOCKED',
  message: 'the certificate chain contains a known interception root (emulated: Chromium, net error -217)',
};
const ONECRL = { code: 'SEC_ERROR_REVOKED_CERTIFICATE', message: "Peer's certificate has been revoked (emulated: Firefox OneCRL)" };

export const BLOCKLISTS = {
  'chrome-2019': { label: 'Chromium, August 2019 block list (emulated)', blocks: { 'qaznet-2019': REVOKED } },
  'chrome-2020': {
    label: 'Chromium, December 2020 block list and known-interception list (emulated)',
    blocks: { 'qaznet-2019': REVOKED, 'isca-2020': KNOWN_INTERCEPTION },
  },
  'firefox-2019': { label: 'Firefox, August 2019 OneCRL (emulated)', blocks: { 'qaznet-2019': ONECRL } },
} satisfies Record<string, BlocklistEmulation>;

/** A block list's name: the keys above, which the scenario schema's blockedRoots accepts (schema/client.ts). */
export type BlocklistName = keyof typeof BLOCKLISTS;
