/**
 * The docker lab's hand commands: a person works from a subscriber's own machine, a command in
 * its container (`docker exec`), where the trust store is that subscriber's and the lab's DNS
 * and the ISP's router take the request to the box, as on a real line. A try whose trust store
 * no client of the scenario holds has no machine to run on.
 */
import { shellQuote, WRITE_OUT, type HandCommand, type HandTry } from '../hand-command.ts';
import type { LabDescription } from '../lab.ts';

export function dockerHandCommand(d: LabDescription, t: HandTry): HandCommand | null {
  const container = t.as.client ? d.docker?.containers[t.as.client] : undefined;
  if (!container) return null;
  const r = t.request;
  const inside =
    r.tool === 'openssl'
      ? `openssl s_client -connect ${r.site}:443 -servername ${r.site} </dev/null 2>/dev/null | openssl x509 -noout -issuer`
      : ['curl -sS', r.form ? `-d ${shellQuote(r.form)}` : '', `${r.scheme}://${r.site}${r.path}`, '-o /dev/null', `-w '${WRITE_OUT[r.show]}\\n'`]
          .filter(Boolean)
          .join(' ');
  return { title: `${t.title} (on ${t.as.client}'s machine)`, command: `docker exec ${container} sh -c ${shellQuote(inside)}`, expect: t.expect };
}

/** What only the docker lab has: a shell on a subscriber's machine, and the ISP box's own log. */
export function dockerExtraCommands(d: LabDescription, shellOn: string | null): HandCommand[] {
  const containers = d.docker?.containers ?? {};
  const extra: HandCommand[] = [];
  if (shellOn && containers[shellOn])
    extra.push({ title: `An interactive shell on ${shellOn}'s machine`, command: `docker exec -it ${containers[shellOn]} bash` });
  if (containers.isp)
    extra.push({ title: "The ISP box's own log: its router set-up, then the same readout as here", command: `docker logs -f ${containers.isp}` });
  return extra;
}
