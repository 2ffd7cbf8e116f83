import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the store and Redis that a test can break on purpose:
 * - `cut()` destroys every connection and refuses new ones (Redis "gone");
 * - `blackhole()` keeps connections open but silently drops every byte both ways
 *   (a partition: requests never arrive, replies never come back);
 * - `restore()` forwards again, for new connections;
 * - `silence(marker)` silently drops every byte both ways on the open connections whose
 *   first bytes from the client contain `marker` (its `CLIENT SETNAME`), and only those:
 *   one connection partitioned while the others work;
 * - `delayRequests(ms)` delivers every chunk the client sends `ms` late (in order), even
 *   after the client hung up, as bytes already on the wire do: a command that reaches
 *   Redis after its caller gave up;
 * - `swapNextTwoReplies()` holds the next chunk Redis sends and delivers it after the one
 *   that follows: the client then reads two replies in the wrong order, which is what a
 *   connection whose replies are out of step with its commands looks like.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  /** Per client socket: its first bytes (up to 1 KiB), and whether `silence` muted it. */
  private readonly openings = new WeakMap<Socket, { head: string; silent: boolean }>();
  private mode: 'forward' | 'refuse' | 'blackhole' = 'forward';
  private swap: { held?: Buffer; onHeld: () => void } | undefined;
  private requestDelayMs = 0;
  /** Delayed chunks written to Redis so far: proof that a late command did arrive. */
  delayedChunksDelivered = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(target: URL): Promise<TcpProxy> {
    const proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  cut(): void {
    this.mode = 'refuse';
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  blackhole(): void {
    this.mode = 'blackhole';
  }

  restore(): void {
    this.mode = 'forward';
  }

  /** Returns how many open connections it silenced. */
  silence(marker: string): number {
    let silenced = 0;
    for (const [client] of this.pairs) {
      const opening = this.openings.get(client);
      if (opening?.head.includes(marker)) {
        opening.silent = true;
        silenced += 1;
      }
    }
    return silenced;
  }

  delayRequests(ms: number): void {
    this.requestDelayMs = ms;
  }

  /** Resolves once the first of the two replies is held back. */
  swapNextTwoReplies(): Promise<void> {
    return new Promise((resolve) => {
      this.swap = { onHeld: resolve };
    });
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    const opening = { head: '', silent: false };
    this.openings.set(client, opening);
    let delayedChunks = 0;
    let clientGone = false;
    // Once the client is gone, Redis still gets what was on the wire, then end of stream.
    const endUpstreamWhenDelivered = () => {
      if (delayedChunks === 0) upstream.end();
    };
    client.on('data', (chunk: Buffer) => {
      if (opening.head.length < 1024) opening.head += chunk.toString('latin1');
      if (this.mode !== 'forward' || opening.silent) return;
      if (this.requestDelayMs === 0) {
        upstream.write(chunk);
        return;
      }
      delayedChunks += 1;
      setTimeout(() => {
        delayedChunks -= 1;
        if (!upstream.destroyed) {
          upstream.write(chunk);
          this.delayedChunksDelivered += 1;
        }
        if (clientGone) endUpstreamWhenDelivered();
      }, this.requestDelayMs);
    });
    const clientGoes = () => {
      if (clientGone) return;
      clientGone = true;
      client.destroy();
      if (delayedChunks === 0) drop();
    };
    upstream.on('data', (chunk: Buffer) => {
      if (this.mode !== 'forward' || opening.silent) return;
      const swap = this.swap;
      if (!swap) {
        client.write(chunk);
      } else if (!swap.held) {
        swap.held = chunk;
        swap.onHeld();
      } else {
        this.swap = undefined;
        client.write(chunk);
        client.write(swap.held);
      }
    });
    client.on('error', clientGoes);
    client.on('close', clientGoes);
    upstream.on('error', drop);
    upstream.on('close', drop);
  }
}
