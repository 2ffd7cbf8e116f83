import { POLICY } from '@qa-broker/contract';
import type { BrokerHttp, HeldLease } from '../http/broker-http.ts';
import { LatencyRecorder } from '../measure/latency.ts';
import type { LatencySummary } from '../measure/latency.ts';
import { runOpenLoop } from '../load/open-loop.ts';
import type { OpenLoopResult } from '../load/open-loop.ts';

const HOLDER = 'bench-holder';
const HOLD_TTL_MS = POLICY.leaseTtlMs.max;
/** Heartbeats ask for the default TTL, like a real client. */
const HEARTBEAT_TTL_MS = POLICY.leaseTtlMs.default;
const MAX_IN_FLIGHT = 2_000;

/** Acquires `count` long leases to heartbeat, 32 at a time. Bounded by count. */
export async function holdLeases(broker: BrokerHttp, count: number): Promise<HeldLease[]> {
  const held: HeldLease[] = [];
  while (held.length < count) {
    const batch = Math.min(32, count - held.length);
    const answers = await Promise.all(
      Array.from({ length: batch }, () => broker.acquire(HOLDER, HOLD_TTL_MS)),
    );
    for (const answer of answers) {
      if (!answer.ok) throw new Error(`pool exhausted after holding ${held.length} leases`);
      held.push({ credentialId: answer.credentialId, leaseToken: answer.leaseToken });
    }
  }
  return held;
}

export async function releaseLeases(broker: BrokerHttp, held: HeldLease[]): Promise<void> {
  for (let start = 0; start < held.length; start += 32) {
    await Promise.all(held.slice(start, start + 32).map((lease) => broker.release(HOLDER, lease)));
  }
}

export interface HeartbeatRun {
  acquire: LatencySummary;
  heartbeat: LatencySummary;
  exhausted: number;
  cycles: OpenLoopResult;
  heartbeats: OpenLoopResult;
}

/**
 * Two open loops at once against the broker: acquire→release cycles at `cycleRatePerS`
 * and heartbeats over the held leases, round robin, at `heartbeatRatePerS`. Both
 * latencies are measured from the scheduled send time.
 */
export async function runHeartbeatLoad(options: {
  cycleBroker: BrokerHttp;
  heartbeatBroker: BrokerHttp;
  held: HeldLease[];
  cycleRatePerS: number;
  heartbeatRatePerS: number;
  durationMs: number;
}): Promise<HeartbeatRun> {
  const acquireLatency = new LatencyRecorder();
  const heartbeatLatency = new LatencyRecorder();
  let exhausted = 0;
  let cycleNumber = 0;
  let beatNumber = 0;
  const drainMs = 10_000;

  const [cycles, heartbeats] = await Promise.all([
    runOpenLoop({
      ratePerS: options.cycleRatePerS,
      durationMs: options.durationMs,
      maxInFlight: MAX_IN_FLIGHT,
      drainMs,
      fire: async (scheduledAtMs) => {
        const ownerId = `bench-open-${cycleNumber % 64}`;
        cycleNumber += 1;
        const answer = await options.cycleBroker.acquire(ownerId);
        acquireLatency.recordSince(scheduledAtMs, performance.now());
        if (!answer.ok) {
          exhausted += 1;
          return;
        }
        await options.cycleBroker.release(ownerId, answer);
      },
    }),
    runOpenLoop({
      ratePerS: options.heartbeatRatePerS,
      durationMs: options.durationMs,
      maxInFlight: MAX_IN_FLIGHT,
      drainMs,
      fire: async (scheduledAtMs) => {
        const lease = options.held[beatNumber % options.held.length];
        beatNumber += 1;
        if (lease === undefined) throw new Error('no held lease to heartbeat');
        await options.heartbeatBroker.heartbeat(HOLDER, lease, HEARTBEAT_TTL_MS);
        heartbeatLatency.recordSince(scheduledAtMs, performance.now());
      },
    }),
  ]);
  return {
    acquire: acquireLatency.summary(),
    heartbeat: heartbeatLatency.summary(),
    exhausted,
    cycles,
    heartbeats,
  };
}
