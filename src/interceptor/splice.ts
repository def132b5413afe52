import { connect, type Socket } from 'node:net';
import type { Endpoint } from './events.ts';

/**
 * Pass a connection through untouched: the interceptor sees only metadata (addresses, SNI,
 * byte counts), exactly as on any ISP link. Resolves when both sides are closed.
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
    const finish = () => {
      client.destroy();
      server.destroy();
    };
    server.on('error', finish);
    client.on('error', finish);
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) resolve({ fromClient: client.bytesRead - fromClientStart, fromServer });
    };
    server.once('close', () => {
      client.end();
      onClose();
    });
    client.once('close', () => {
      server.end();
      onClose();
    });
  });
}
