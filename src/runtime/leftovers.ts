/**
 * What a lab leaves on the machine until it stops: its state folder (the keys), a program's
 * network namespace (`tlslab test`) and, in the docker runtime, its compose project. Each is held from the moment it is made and let go when it is
 * removed, so that a process exiting now (a second Ctrl-C, a library's own signal handler that
 * calls process.exit, an uncaught error) can still remove all of them, synchronously, from its
 * 'exit' handler (README, "Safety": keys never outlive their lab).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const folders = new Set<string>();
const projects = new Map<string, string>();
const namespaces = new Set<string>();
const containers = new Set<string>();

export function holdFolder(dir: string): void {
  folders.add(dir);
}

export function releaseFolder(dir: string): void {
  folders.delete(dir);
}

export function holdComposeProject(name: string, file: string): void {
  projects.set(name, file);
}

export function releaseComposeProject(name: string): void {
  projects.delete(name);
}

/** A program's network namespace (`tlslab test`): `ip netns del` removes it and its link. */
export function holdNamespace(name: string): void {
  namespaces.add(name);
}

export function releaseNamespace(name: string): void {
  namespaces.delete(name);
}

/** A container started outside the compose project (a program's line in the docker lab). */
export function holdContainer(name: string): void {
  containers.add(name);
}

export function releaseContainer(name: string): void {
  containers.delete(name);
}

/** Remove everything still held, now, without the event loop: for a process on its way out. */
export function removeLeftoversSync(): void {
  // Before the projects: a container on a lab network keeps `down` from removing it.
  if (containers.size) spawnSync('docker', ['rm', '-f', ...containers], { stdio: 'ignore', timeout: 30_000 });
  containers.clear();
  for (const name of namespaces) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 10_000 });
  namespaces.clear();
  // By label, as DockerLab.stop does: no compose start (a Python one for v1) on the way out.
  for (const name of projects.keys()) {
    const label = `label=com.docker.compose.project=${name}`;
    const list = (args: string[]) => spawnSync('docker', args, { encoding: 'utf8', timeout: 30_000 }).stdout?.split('\n').filter(Boolean) ?? [];
    const ids = list(['ps', '-aq', '--filter', label]);
    if (ids.length) spawnSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore', timeout: 60_000 });
    const nets = list(['network', 'ls', '-q', '--filter', label]);
    if (nets.length) spawnSync('docker', ['network', 'rm', ...nets], { stdio: 'ignore', timeout: 60_000 });
  }
  projects.clear();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}
