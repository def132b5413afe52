/** Paths inside the docker lab's containers, declared once. */

/** Where every container sees its own host's state folder. */
export const STATE_MOUNT = '/lab/state';
/** Where the standalone `pki` service sees every host's folder, to fill them. */
export const HOSTS_MOUNT = '/lab/hosts';
/** Where, in its own folder, a container says it is serving; tlslab and the healthchecks wait for it. */
export const READY_DIR = 'ready';
