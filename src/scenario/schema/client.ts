/** A subscriber's part of a scenario: the program it runs, what it trusts and its defences. */
import { z } from 'zod';
import { BLOCKLISTS, type BlocklistName } from '../../clients/browser-blocklists.ts';
import { KebabName, LabHostname, TRUST_ANCHORS, reportDuplicates } from './common.ts';

// ---------------------------------------------------------------------------------------------
// Parts of a scenario.

const CLIENT_PROGRAMS = ['scripted', 'curl', 'openssl', 'chromium'] as const;
/** The browser block lists a client can emulate: the names of BLOCKLISTS (src/clients/browser-blocklists.ts), declared there once. */
const BLOCKLIST_EMULATIONS = Object.keys(BLOCKLISTS) as [BlocklistName, ...BlocklistName[]];
const PIN_KINDS = ['site-key', 'issuing-ca'] as const;
const CT_RULES = ['every-chain', 'public-roots-only'] as const;
/**
 * How a detector beside the browser notices a re-signed connection: the key the site
 * publishes (a notary, Certificate Patrol), or the lab's CT log, whatever root the chain ends at.
 */
export const DETECTION_METHODS = ['published-keys', 'ct-log'] as const;

const DefencesSchema = z
  .strictObject({
    blockedRoots: z
      .enum(BLOCKLIST_EMULATIONS)
      .optional()
      .describe("Emulate a browser's block list of interception roots as of that release (Chromium SPKI block list / Firefox OneCRL)"),
    pins: z.record(z.string(), z.enum(PIN_KINDS)).optional().describe("Pinned sites: site-key (the site's own public key) or issuing-ca (its CA's key)"),
    certificateTransparency: z.enum(CT_RULES).optional().describe('Demand SCTs: on every-chain, or only on chains to publicly trusted roots (Chromium)'),
    detectInterception: z
      .enum(DETECTION_METHODS)
      .optional()
      .describe(
        "A detector beside the browser, as 2019's extensions and notaries were, on chains the browser accepted: published-keys compares the leaf's key with the one the site publishes (every site, unlike pins); ct-log wants an SCT from the lab's CT log whatever the root. The person heeds it: refused, \"intercepted, by <issuer CN>\"",
      ),
    frontDomain: LabHostname.optional().describe('Domain fronting: SNI and TCP go to this front; the Host header names the real site'),
    tunnel: LabHostname.optional().describe('Send everything through a pinned TLS tunnel to this exit beyond the ISP'),
  })
  .describe('Defences against interception');

export const ClientSpecSchema = z
  .strictObject({
    name: KebabName('a client name').describe('Unique kebab-case name, used in expectations and the report'),
    description: z.string().min(1).optional().describe('Who this client is, for the walkthrough'),
    trusts: z
      .array(z.enum(TRUST_ANCHORS))
      .min(1)
      .superRefine((t, ctx) => reportDuplicates(t, (x) => x, [], 'trust store', ctx))
      .describe('Trust stores this client holds: web (the public web PKI), state (the installed state root)'),
    program: z
      .union([
        z.enum(CLIENT_PROGRAMS),
        z
          .strictObject({
            command: z
              .array(z.string().min(1))
              .min(1)
              .describe(
                "A program of your own and its arguments, run once per step as this subscriber (no proxy settings); {url}, {site}, {username}, {password}, {query} become the step's",
              ),
          })
          .describe('Your own program'),
      ])
      .default('scripted')
      .describe(
        'What runs the session: scripted (Node TLS), the real curl or openssl s_client, real Chromium, or { command: [...] }, a program of your own (local runtime, as root)',
      ),
    clickThrough: z.boolean().optional().describe('The user clicks through certificate warnings where the browser allows it'),
    defences: DefencesSchema.optional(),
  })
  .describe('A simulated subscriber');

// ---------------------------------------------------------------------------------------------
// Types.

export type ClientSpec = z.output<typeof ClientSpecSchema>;
