import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import { createInterface } from 'node:readline';
import { LoopDelayMonitor } from '../measure/loop-delay.ts';

/**
 * Child side of the bench protocol: listen on 127.0.0.1 with an ephemeral port, print
 * `{"port":N}` as the first stdout line, answer `memory` and `loop-delay` lines on stdin,
 * and shut down on SIGTERM or when the parent's stdin pipe closes (so a crashed parent
 * never leaves a broker behind).
 */
export async function serveOnLoopback(
  handler: RequestListener,
  closeResources: () => Promise<void>,
): Promise<void> {
  const server = createServer(handler);
  // Longer than any pause between bench phases, so keep-alive sockets stay warm.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('No TCP address to report.');

  const loopDelay = new LoopDelayMonitor();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    loopDelay.stop();
    server.close();
    server.closeAllConnections();
    closeResources().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `close failed: ${error instanceof Error ? error.message : 'unknown'}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.stdin.on('end', stop);
  // The parent asks for the heap breakdown (what RSS alone cannot tell) with a "memory"
  // line, and for this loop's delay since the last ask (stalls behind tail latency) with
  // a "loop-delay" line.
  createInterface({ input: process.stdin }).on('line', (line) => {
    const ask = line.trim();
    if (ask === 'memory')
      process.stdout.write(`${JSON.stringify({ memory: process.memoryUsage() })}\n`);
    if (ask === 'loop-delay')
      process.stdout.write(`${JSON.stringify({ loopDelay: loopDelay.take() })}\n`);
  });
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
}
