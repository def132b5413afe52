/** The ISP box's part of a scenario: which connections it re-signs and what it does with plain HTTP. */
import { z } from 'zod';
import { INTERCEPT_POLICIES, PLAIN_HTTP_POLICIES, TargetName, reportDuplicates } from './common.ts';

// ---------------------------------------------------------------------------------------------
// Parts of a scenario.

/** Routers on each side of the box at most: a runtime with real hops numbers them into free addresses of its /24s. */
const MAX_ROUTERS = 6;

export const InterceptorSchema = z
  .strictObject({
    policy: z.enum(INTERCEPT_POLICIES).describe('sni-targets: re-sign only the targeted names; intercept-all: re-sign everything; none: pass all through'),
    targets: z.array(TargetName).optional().describe('Names whose TLS is re-signed (the ClientHello SNI is matched against these); required for sni-targets'),
    blocks: z
      .array(TargetName)
      .optional()
      .describe(
        'Names the box blocks outright: a ClientHello naming one, or plain HTTP to one, gets a TCP reset (Kazakhstan 2021–24, beside the interception; OONI 2024)',
      ),
    plainHttp: z
      .enum(PLAIN_HTTP_POLICIES)
      .default('install-page-for-targets')
      .describe('What happens to plain HTTP: redirect visitors of targeted names (or of all names) to the install page, or pass it'),
    upstreamCheck: z
      .boolean()
      .default(true)
      .describe('Intercept only when the real server presents a browser-trusted certificate (the third trigger in Raman et al. 2020)'),
    validatesUpstream: z
      .boolean()
      .default(true)
      .describe("Verify the real server's certificate on the box's own upstream connections (Durumeric et al. 2017 found products that do not)"),
    location: z
      .strictObject({
        routersBefore: z.number().int().min(0).max(MAX_ROUTERS).default(0).describe('Routers between the subscribers and the box'),
        routersAfter: z.number().int().min(0).max(MAX_ROUTERS).default(0).describe('Routers between the box and the sites'),
      })
      .default({ routersBefore: 0, routersAfter: 0 })
      .describe(
        "Where the box sits on the path: where the runtime gives each host a machine of its own, real routers on each side (TTL decrements at each), and `tlslab detect` must find the box's hop there; a runtime in one process has no hops",
      ),
  })
  .superRefine((i, ctx) => {
    if (i.policy === 'sni-targets' && i.targets === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: 'missing field "targets": policy sni-targets needs a list of targeted names (it may be empty: [])',
      });
    }
    if (i.policy !== 'sni-targets' && i.targets !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: `targets are only used with policy sni-targets; remove them or change the policy (now ${i.policy})`,
      });
    }
    reportDuplicates(i.targets ?? [], (t) => t, ['targets'], 'target', ctx);
    reportDuplicates(i.blocks ?? [], (t) => t, ['blocks'], 'blocked name', ctx);
    (i.blocks ?? []).forEach((b, n) => {
      if ((i.targets ?? []).includes(b))
        ctx.addIssue({
          code: 'custom',
          path: ['blocks', n],
          message: `"${b}" is both targeted and blocked; a blocked name is never forged, so keep it in one list`,
        });
    });
  })
  .transform((i) => ({ ...i, targets: i.targets ?? [], blocks: i.blocks ?? [] }))
  .describe('The ISP box on the path: which connections it re-signs and what it does with plain HTTP');

// ---------------------------------------------------------------------------------------------
// Types.

export type InterceptorSpec = z.output<typeof InterceptorSchema>;
