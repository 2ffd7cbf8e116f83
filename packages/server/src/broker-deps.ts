import type { LeaseBounds } from '@qa-broker/contract';
import type { CredentialStore } from '@qa-broker/store';
import type { Logger } from 'pino';
import type { BrokerMetrics } from './metrics.js';
import type { PayloadCodec } from './payload-codec.js';
import type { WaitRoom } from './queue/wait-room.js';

/** What the route handlers share. */
export interface BrokerDeps {
  store: CredentialStore;
  codec: PayloadCodec;
  leaseBounds: LeaseBounds;
  logger: Logger;
  metrics: BrokerMetrics;
  /** This broker's parked (queued) acquire requests. */
  waitRoom: WaitRoom;
  /** Live ticket waiters one kind may hold (QA_BROKER_QUEUE_MAX). */
  queueMax: number;
}
