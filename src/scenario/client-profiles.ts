/**
 * Every client profile the matrix puts against every interceptor: one row each. A scenario
 * may also declare its own clients; these are the standard cast.
 */
import type { ClientSpec } from './schema/client.ts';

export const CLIENT_PROFILES: ClientSpec[] = [
  { name: 'no-cert', program: 'scripted', trusts: ['web'], description: 'Ignored the SMS: trusts the public web PKI only' },
  { name: 'installed-cert', program: 'scripted', trusts: ['web', 'state'], description: 'Installed the state root, no other defence' },
  {
    name: 'chrome-2019',
    program: 'scripted',
    trusts: ['web', 'state'],
    defences: { blockedRoots: 'chrome-2019' },
    description: "Installed the state root; Chromium's August 2019 SPKI block list (emulated) blocks it anyway",
  },
  {
    name: 'chrome-2020',
    program: 'scripted',
    trusts: ['web', 'state'],
    defences: { blockedRoots: 'chrome-2020' },
    description: 'Installed the state root; Chromium after December 2020 (emulated): Qaznet revoked, ISCA known interception',
  },
  {
    name: 'firefox-2019',
    program: 'scripted',
    trusts: ['web', 'state'],
    defences: { blockedRoots: 'firefox-2019' },
    description: "Installed the state root; Firefox's August 2019 OneCRL entry (emulated) revokes it",
  },
  {
    name: 'pinned-app',
    program: 'scripted',
    trusts: ['web', 'state'],
    defences: { pins: { 'bank.example': 'site-key' } },
    description: "The bank's app, pinning the bank's own key, on a phone with the state root installed",
  },
  {
    name: 'pinned-ca-app',
    program: 'scripted',
    trusts: ['web', 'state'],
    defences: { pins: { 'bank.example': 'issuing-ca' } },
    description: "The bank's app, pinning the bank's issuing CA, on a phone with the state root installed",
  },
  {
    name: 'click-through',
    program: 'scripted',
    trusts: ['web'],
    clickThrough: true,
    description: 'No state root, clicks through every certificate warning the browser lets them',
  },
  {
    name: 'ct-every-chain',
    program: 'scripted',
    trusts: ['web', 'state'],
    defences: { certificateTransparency: 'every-chain' },
    description: 'Installed the state root; demands CT proofs on every chain',
  },
  {
    name: 'ct-chromium',
    program: 'scripted',
    trusts: ['web', 'state'],
    defences: { certificateTransparency: 'public-roots-only' },
    description: "Installed the state root; Chromium's CT rule: proofs only for publicly trusted roots",
  },
  {
    name: 'detector-keys',
    program: 'scripted',
    trusts: ['web', 'state'],
    defences: { detectInterception: 'published-keys' },
    description: "Installed the state root; an extension compares each site's key with the one the site publishes (as 2019's detector extensions did)",
  },
  {
    name: 'detector-ct',
    program: 'scripted',
    trusts: ['web', 'state'],
    defences: { detectInterception: 'ct-log' },
    description: "Installed the state root; an extension looks each site's certificate up in the lab's CT log, whatever root it chains to",
  },
  {
    name: 'fronting',
    program: 'scripted',
    trusts: ['web', 'state'],
    defences: { frontDomain: 'cdn.example' },
    description: 'Installed the state root, but fronts: SNI names the CDN, the Host header inside names the site',
  },
  {
    name: 'tunnel',
    program: 'scripted',
    trusts: ['web', 'state'],
    defences: { tunnel: 'vpn.example' },
    description: 'Installed the state root, but sends everything through a TLS tunnel pinned to an exit beyond the ISP',
  },
  { name: 'chromium-installed', program: 'chromium', trusts: ['web', 'state'], description: "Debian's Chromium with the state root in its NSS database" },
  {
    name: 'chromium-2020',
    program: 'chromium',
    trusts: ['web', 'state'],
    defences: { blockedRoots: 'chrome-2020' },
    description: "Debian's Chromium, root installed, with a CRLSet as Google pushed it by December 2020 (Qaznet revoked, ISCA known interception)",
  },
  { name: 'curl-installed', program: 'curl', trusts: ['web', 'state'], description: 'The real curl, with the state root in its CA bundle' },
  {
    name: 'openssl-installed',
    program: 'openssl',
    trusts: ['web', 'state'],
    description: 'The real openssl s_client -verify_return_error, with the state root in its CA file',
  },
];
