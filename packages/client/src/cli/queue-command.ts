import { WAIT_POLICY } from '@qa-broker/contract';
import { cliClient } from './cli-client.js';
import { EXIT, writeJson, writeLine, type CliIo } from './cli-io.js';
import { help } from './credentials-commands.js';
import { formatTable } from './format-table.js';
import { integerFlag, parseFlags } from './parse-flags.js';
import { USAGE } from './usage.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `qa-broker queue [--kind K] [--limit N]`: each kind's wait queue (maintainer). */
export async function showQueue(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    kind: { type: 'string' },
    limit: { type: 'string' },
  });
  if (flags.help) return help(io, USAGE.queue);
  const limit = integerFlag(flags.limit, '--limit', WAIT_POLICY.queueListLimit);
  const client = cliClient(io, flags, 'maintainer');
  const queues = await client.listQueue({
    ...(flags.kind === undefined ? {} : { kind: flags.kind }),
    ...(limit === undefined ? {} : { limit }),
  });
  if (flags.json) {
    writeJson(io, { status: 'ok', queues });
    return EXIT.ok;
  }
  const rows = queues.flatMap((queue) =>
    queue.waiters.map((waiter) => [
      queue.kind,
      String(waiter.position),
      waiter.ticketFingerprint,
      waiter.ownerId,
      waiter.actorRole,
      String(waiter.priority),
      seconds(waiter.waitedMs),
      waiter.mode,
    ]),
  );
  if (rows.length === 0) {
    writeLine(
      io.stdout,
      flags.kind === undefined
        ? 'No one is waiting.'
        : `No one is waiting for a "${flags.kind}" credential.`,
    );
    return EXIT.ok;
  }
  writeLine(
    io.stdout,
    formatTable(
      ['kind', 'position', 'fingerprint', 'owner', 'role', 'priority', 'waited', 'mode'],
      rows,
    ),
  );
  return EXIT.ok;
}
