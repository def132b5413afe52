/** What the hosts that route (the ISP box, the routers) do to their own network namespace. */
import { execFileSync } from 'node:child_process';

export function sh(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}

/** The interface that holds an address of the given /24 prefix. */
export function interfaceOn(prefix: string): string {
  for (const line of sh('ip', '-o', '-4', 'addr', 'show').split('\n')) {
    const [, dev, , cidr] = line.trim().split(/\s+/);
    if (dev && cidr?.startsWith(`${prefix}.`)) return dev;
  }
  throw new Error(`no interface on ${prefix}.0/24`);
}

/** Docker writes "default via <net>.1" although the host has no address there: in an internal network it leads nowhere. */
export function dropDockerDefaultRoute(): void {
  try {
    sh('ip', 'route', 'del', 'default');
  } catch {
    /* none */
  }
}
