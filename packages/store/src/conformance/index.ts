import { describe } from 'vitest';
import type { CredentialStore } from '../store.js';
import { describeAcquire } from './acquire.js';
import { describeAdmin } from './admin.js';
import { describeClock } from './clock.js';
import { describeConcurrency } from './concurrency.js';
import { describeEvents } from './events.js';
import { describeHealth } from './health.js';
import { describeHeartbeat } from './heartbeat.js';
import { describeLeaseActivity } from './lease-activity.js';
import { describeListPaging } from './list-paging.js';
import { describeListing } from './listing.js';
import { describeModelBased } from './model-based.js';
import { describePolicy } from './policy.js';
import { describePoolStats } from './pool-stats.js';
import { describeReadPayloadChunk } from './read-payload-chunk.js';
import { describeRelease } from './release.js';
import { describeWaitQueue } from './wait-queue.js';

export { CredentialModel, compareCodePoints, compareListOrder } from './model.js';

export interface ConformanceOptions {
  /** Runs of the model-based property test (default 30). */
  modelRuns?: number;
}

/**
 * Registers the conformance suite every `CredentialStore` adapter must pass. `openStore`
 * must return a fresh, isolated, empty store each call; the suite closes what it opens.
 * Time is moved with explicit `nowMs`, never by sleeping.
 */
export function describeCredentialStore(
  name: string,
  openStore: () => Promise<CredentialStore>,
  options: ConformanceOptions = {},
): void {
  describe(`CredentialStore conformance: ${name}`, () => {
    describeAcquire(openStore);
    describeHeartbeat(openStore);
    describeRelease(openStore);
    describeReadPayloadChunk(openStore);
    describeAdmin(openStore);
    describeListing(openStore);
    describeEvents(openStore);
    describePoolStats(openStore);
    describeLeaseActivity(openStore);
    describeListPaging(openStore);
    describeClock(openStore);
    describeConcurrency(openStore);
    describeWaitQueue(openStore);
    describeHealth(openStore);
    describePolicy(openStore);
    describeModelBased(openStore, { numRuns: options.modelRuns ?? 30 });
  });
}
