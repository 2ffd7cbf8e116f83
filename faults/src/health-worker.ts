import type { HeldLease } from './lease-worker.ts';
import { acquire, release } from './lease-worker.ts';
import type { RunContext } from './run-context.ts';
import { sleep } from './sleep.ts';

/** Share of releases sent with `outcome: "broken"`. */
const BROKEN_SHARE = 0.3;

async function holdAndRelease(ctx: RunContext, clientId: string, lease: HeldLease): Promise<void> {
  try {
    // Short holds, no heartbeats (the v1 workers cover those): many grants, many reports.
    await sleep(ctx.random.int(100, 1_000), ctx.signal);
  } finally {
    // One outcome per lease, kept across retries: a retry repeats the same report.
    const broken = ctx.random.next() < BROKEN_SHARE;
    for (let tries = 0; tries < 3; tries++) {
      const released = await release(ctx, clientId, lease, broken);
      if (released.outcome !== 'unknown') break;
    }
  }
}

/**
 * A client of the health kinds (spec/broker-additions.md §2, §3): like the lease worker,
 * holding each lease only 0.1–1 s; half the time it takes a second lease under the same
 * ownerId while holding the first (so a per-owner quota has something to refuse), and
 * 30% of its releases report the credential broken (which quarantines it until the maintainer restores it).
 */
export async function healthWorker(ctx: RunContext, clientId: string): Promise<void> {
  const kinds = ctx.healthKinds ?? [];
  let attempt = 0;
  while (!ctx.signal.aborted && kinds.length > 0) {
    const kind = ctx.random.pick(kinds);
    const ownerId = `${ctx.runId}-${clientId}-${attempt++}`;
    const ttl = () => ctx.random.int(ctx.leaseTtlMs.min, ctx.leaseTtlMs.max);
    const first = await acquire(ctx, clientId, ownerId, kind, ttl());
    if (first === 'exhausted' || first === 'failed') {
      await sleep(ctx.random.int(50, 400), ctx.signal);
      continue;
    }
    const holding = [holdAndRelease(ctx, clientId, first)];
    if (ctx.random.next() < 0.5 && !ctx.signal.aborted) {
      await sleep(ctx.random.int(0, 300), ctx.signal);
      const second = await acquire(ctx, clientId, ownerId, kind, ttl());
      if (typeof second !== 'string') holding.push(holdAndRelease(ctx, clientId, second));
    }
    await Promise.all(holding);
  }
}
