/**
 * The local runtime's hand commands: curl and openssl on this machine, reaching each site
 * through the ISP box's loopback route for it (`--connect-to`), trusting the lab's web root
 * alone or with the state root, as the subscriber they stand for.
 */
import { relative } from 'node:path';
import { shellQuote, WRITE_OUT, type HandCommand, type HandTry } from '../hand-command.ts';
import type { LabDescription } from '../lab.ts';

export function localHandCommand(d: LabDescription, t: HandTry): HandCommand | null {
  const host = d.hosts.find((h) => h.name === t.request.site);
  const ca = shellPath(t.as.trusts === 'web' ? d.trust.webRoot : d.trust.webAndStateRoots);
  const r = t.request;
  if (r.tool === 'openssl') {
    const at = host?.routes?.https;
    if (!at) return null;
    return {
      title: t.title,
      command: `openssl s_client -connect ${at.address}:${at.port} -servername ${r.site} -CAfile ${ca} </dev/null 2>/dev/null | openssl x509 -noout -issuer`,
      expect: t.expect,
    };
  }
  const at = r.scheme === 'https' ? host?.routes?.https : host?.routes?.http;
  if (!at) return null;
  const port = r.scheme === 'https' ? 443 : 80;
  const parts = ['curl -sS'];
  if (r.scheme === 'https') parts.push(`--cacert ${ca}`);
  parts.push(`--connect-to ${r.site}:${port}:${at.address}:${at.port}`);
  if (r.form) parts.push(`-d ${shellQuote(r.form)}`);
  parts.push(`${r.scheme}://${r.site}${r.path}`, '-o /dev/null', `-w '${WRITE_OUT[r.show]}\\n'`);
  return { title: t.title, command: parts.join(' '), expect: t.expect };
}

function shellPath(p: string): string {
  const r = relative(process.cwd(), p);
  return shellQuote(r && !r.startsWith('..') ? r : p);
}
