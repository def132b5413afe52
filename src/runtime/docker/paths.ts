/** Paths inside the docker lab's containers, declared once. */

/** Where every container sees its own host's state folder. */
export const STATE_MOUNT = '/lab/state';
/** Where the standalone `pki` service sees every host's folder, to fill them. */
export const HOSTS_MOUNT = '/lab/hosts';
/** Where, in its own folder, a container says it is serving; tlslab and the healthchecks wait for it. */
export const READY_DIR = 'ready';

/** The scenario of docker/compose.yaml; every other shipped one has docker/compose/<name>.yaml. */
export const DEFAULT_STANDALONE_SCENARIO = 'kz-2019';

/** A scenario's standalone compose file, from the project root. */
export function standaloneComposePath(scenario: string): string {
  return scenario === DEFAULT_STANDALONE_SCENARIO ? 'docker/compose.yaml' : `docker/compose/${scenario}.yaml`;
}

/**
 * The unix socket, in a subscriber's own folder, on which its container's process runs session
 * steps for tlslab (container/agent.ts): the folder is bind-mounted, so the machine reaches it
 * with no `docker exec` and no second process in the container.
 */
export const AGENT_SOCKET = 'agent.sock';
