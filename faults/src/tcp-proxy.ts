import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';

/**
 * How the proxy treats traffic between the brokers and the store:
 * - `pass`: forward, each chunk `delayMs` late (0 = at once; order is kept);
 * - `blackhole`: accept connections and swallow every byte both ways, like a network
 *   partition where packets vanish; leaving it resets the stalled connections, since
 *   their byte streams are now torn;
 * - `refuse`: reset every connection and every new one at once.
 */
export type ProxyMode =
  { type: 'pass'; delayMs: number } | { type: 'blackhole' } | { type: 'refuse' };

interface Pair {
  client: Socket;
  upstream: Socket;
}

export class TcpProxy {
  readonly port: number;
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  private mode: ProxyMode = { type: 'pass', delayMs: 0 };

  private constructor(server: Server, port: number) {
    this.server = server;
    this.port = port;
  }

  /** Listens on a free 127.0.0.1 port and forwards to 127.0.0.1:targetPort. */
  static start(targetPort: number): Promise<TcpProxy> {
    return new Promise((resolve, reject) => {
      let proxy: TcpProxy | undefined;
      const server = createServer((client) => proxy?.accept(client, targetPort));
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        proxy = new TcpProxy(server, typeof address === 'object' && address ? address.port : 0);
        resolve(proxy);
      });
    });
  }

  setMode(mode: ProxyMode): void {
    const leavingBlackhole = this.mode.type === 'blackhole' && mode.type !== 'blackhole';
    this.mode = mode;
    if (mode.type === 'refuse' || leavingBlackhole) {
      for (const pair of this.pairs) this.drop(pair);
    }
  }

  private accept(client: Socket, targetPort: number): void {
    if (this.mode.type === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    const toUpstream = this.pipe(client, upstream);
    const toClient = this.pipe(upstream, client);
    // Like a real network, bytes already on the wire still arrive after their sender
    // hangs up: a closing side's queued chunks are delivered, then the other side ends.
    client.on('close', () => toUpstream.endAfterQueue());
    upstream.on('close', () => toClient.endAfterQueue());
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (client.destroyed && upstream.destroyed) this.pairs.delete(pair);
      });
    }
  }

  /**
   * Forwards `from` → `to` under the mode in force when each chunk arrives, keeping order:
   * one FIFO per direction drained by a single timer. (A timer per chunk reorders bytes when
   * the delay drops, since Node fires timers of different lengths in no promised order.)
   */
  private pipe(from: Socket, to: Socket): { endAfterQueue(): void } {
    const queue: { due: number; action: () => void }[] = [];
    let timer: NodeJS.Timeout | undefined;
    let lastDue = 0;
    const drain = () => {
      timer = undefined;
      for (let head = queue[0]; head; head = queue[0]) {
        const wait = head.due - performance.now();
        if (wait > 0) {
          timer = setTimeout(drain, wait);
          return;
        }
        queue.shift();
        head.action();
      }
    };
    const enqueue = (delayMs: number, action: () => void) => {
      lastDue = Math.max(performance.now() + delayMs, lastDue);
      queue.push({ due: lastDue, action });
      if (!timer) drain();
    };
    from.on('data', (chunk: Buffer) => {
      const mode = this.mode;
      if (mode.type !== 'pass') return;
      enqueue(mode.delayMs, () => !to.destroyed && to.write(chunk));
    });
    return { endAfterQueue: () => enqueue(0, () => !to.destroyed && to.end()) };
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    for (const socket of [pair.client, pair.upstream]) {
      if (socket.destroyed) continue;
      // A socket still connecting cannot send a reset; destroying it is all there is.
      if (socket.connecting) socket.destroy();
      else socket.resetAndDestroy();
    }
  }

  get connections(): number {
    return this.pairs.size;
  }

  async stop(): Promise<void> {
    this.setMode({ type: 'refuse' });
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
