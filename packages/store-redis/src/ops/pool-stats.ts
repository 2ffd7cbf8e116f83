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
    [keys.free, keys.leases, keys.updatedDisabled],
    [nowArgument(nowMs)],
  );
  const [free, leased, disabled] = replyArray(reply, 'pool-stats').map((count) =>
    replyInteger(count, 'pool-stats'),
  );
  return {
    kind,
    free: free ?? 0,
    leased: leased ?? 0,
    disabled: disabled ?? 0,
  };
}
