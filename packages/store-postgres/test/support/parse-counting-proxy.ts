import { connect, createServer, type Server, type Socket } from 'node:net';

/** What the client sent: the statement name of every Parse message, '' for unnamed. */
export interface ParseLog {
  parses: { name: string; text: string }[];
}

/**
 * A loopback TCP proxy in front of PostgreSQL that reads the client's side of the wire
 * protocol (startup packet, then type byte + int32 length + body) and records every
 * Parse ('P') message, so a test can see whether a statement was prepared by name once
 * or parsed again on every call.
 */
export async function startParseCountingProxy(
  upstreamPort: number,
): Promise<{ port: number; log: ParseLog; close: () => Promise<void> }> {
  const log: ParseLog = { parses: [] };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let buffered = Buffer.alloc(0);
    let startupDone = false;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        if (!startupDone) {
          if (buffered.length < 4) return;
          const length = buffered.readInt32BE(0);
          if (buffered.length < length) return;
          buffered = buffered.subarray(length);
          startupDone = true;
          continue;
        }
        if (buffered.length < 5) return;
        const length = buffered.readInt32BE(1);
        if (buffered.length < 1 + length) return;
        if (buffered[0] === 0x50 /* 'P' */) {
          const body = buffered.subarray(5, 1 + length);
          const nameEnd = body.indexOf(0);
          const textEnd = body.indexOf(0, nameEnd + 1);
          log.parses.push({
            name: body.subarray(0, nameEnd).toString(),
            text: body.subarray(nameEnd + 1, textEnd).toString(),
          });
        }
        buffered = buffered.subarray(1 + length);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
  return {
    port: address.port,
    log,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
