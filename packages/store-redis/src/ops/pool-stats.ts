import type { PoolStats } from '@qa-broker/store';
import type { RedisClient } from '../redis-client.js';
import { nowArgument } from '../clock.js';
import type { KindKeys } from '../keys.js';
import { replyArray, replyInteger } from '../reply.js';
import { runScript } from '../scripts.js';

export async function poolStatsScript(
  client: RedisClient,
  keys: KindKeys,
  kind: string,
  nowMs?: number,
): Promise<PoolStats> {
  const reply = await runScript(
    client,
    'pool-stats',
    [keys.free, keys.leases, keys.updatedDisabled, keys.waiterDeadlines, keys.quarantined],
    [nowArgument(nowMs)],
  );
  const [free, leased, disabled, waiting, quarantined] = replyArray(reply, 'pool-stats').map(
    (count) => replyInteger(count, 'pool-stats'),
  );
  return {
    kind,
    free: free ?? 0,
    leased: leased ?? 0,
    disabled: disabled ?? 0,
    waiting: waiting ?? 0,
    quarantined: quarantined ?? 0,
  };
}
