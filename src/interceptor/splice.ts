import { connect, type Socket } from 'node:net';
import type { Endpoint } from './events.ts';

/** How long a half-closed pass-through may wait for its peer's last bytes before it is dropped. */
const SPLICE_LINGER_MS = 10_000;

/**
 * Pass a connection through untouched: the interceptor sees only metadata (addresses, SNI,
 * byte counts), exactly as on any ISP link. Resolves when both sides are closed.
 *
 * When one side is gone, the other is ended (its last bytes still delivered) and read to its
 * end, then destroyed; a peer that never finishes is dropped after SPLICE_LINGER_MS. (An
 * earlier version ended the client but left it paused, so its FIN was never read and every
 * pass-through connection kept a file descriptor for good.)
 */
export function splice(client: Socket, destination: Endpoint, head: Buffer): Promise<{ fromClient: number; fromServer: number }> {
  return new Promise((resolve) => {
    const server = connect({ host: destination.address, port: destination.port });
    let fromServer = 0;
    const fromClientStart = client.bytesRead - head.length;
    server.on('data', (c: Buffer) => (fromServer += c.length));
    server.once('connect', () => {
      if (head.length) server.write(head);
      client.pipe(server);
      server.pipe(client);
      client.resume();
    });
    server.on('error', () => server.destroy());
    client.on('error', () => client.destroy());
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) resolve({ fromClient: client.bytesRead - fromClientStart, fromServer });
    };
    server.once('close', () => {
      finish(client);
      onClose();
    });
    client.once('close', () => {
      finish(server);
      onClose();
    });
  });
}

/** The peer is gone: end this side after its pending writes, discard what it still sends, and let it go. */
function finish(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end(() => socket.destroy());
  socket.resume();
  socket.setTimeout(SPLICE_LINGER_MS, () => socket.destroy());
}
