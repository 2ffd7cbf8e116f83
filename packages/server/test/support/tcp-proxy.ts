import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback TCP proxy the test can cut, to make a real store unreachable, or stall, to
 * make it hang: connections stay open but nothing flows either way.
 */
export async function startTcpProxy(target: {
  host: string;
  port: number;
}): Promise<{ port: number; cut: () => Promise<void>; stall: () => void }> {
  const sockets = new Set<Socket>();
  let stalled = false;
  const server = createServer((client) => {
    if (stalled) {
      // Accepted but never answered: a store that hangs.
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => client.destroy());
      client.pause();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    stall: () => {
      stalled = true;
      for (const socket of sockets) socket.pause();
    },
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
