import { nextCallTag } from './call-tag.js';
import {
  clusterNotReady,
  deadlinePassed,
  malformedReply,
  outOfStepReply,
  toStoreError,
} from './errors.js';
import { LUA_SCRIPTS } from './lua/scripts.generated.js';
import { commandTimeoutOf, isCluster, serverFor, type RedisClient } from './redis-client.js';
import { clockOf, deadlineMarginMs, redisClockOffsetMs } from './redis-clock.js';
import { awaitReplicas, waitReplicasOf } from './replica-wait.js';
import { replyInteger, replyString } from './reply.js';

export type ScriptName = keyof typeof LUA_SCRIPTS;
export type ScriptArgument = string | number;

/** Scripts that only read: no replica confirmation is waited for after them. */
const READ_ONLY_SCRIPTS: ReadonlySet<ScriptName> = new Set([
  'list-kind-page',
  'read-credentials',
  'read-chunk',
  'pool-stats',
  'list-queue',
  'get-policy',
]);

/**
 * Registers every script on the client with `defineCommand`: ioredis then sends EVALSHA
 * and falls back to EVAL once per connection, so a restarted Redis (empty script cache)
 * needs nothing from us.
 */
export function registerScripts(client: RedisClient): void {
  for (const script of Object.values(LUA_SCRIPTS)) {
    client.defineCommand(script.command, { lua: script.lua, numberOfKeys: script.numberOfKeys });
  }
}

/**
 * Runs one registered script. The typed wrappers in `ops/` are the only callers; they
 * parse the untyped reply. Every failure comes out as a `StoreError`. Still one round
 * trip (a `TIME` first only after a reconnect or a few idle seconds).
 *
 * Each call appends a deadline and its own call tag; the script's frame
 * (scripts/generate-lua.mjs) checks the deadline first and answers
 * `{callTag, redisNowMs, status, reply}`.
 * - The deadline is when the client stops waiting (the command timeout from now, less
 *   a margin) in the Redis clock, estimated from below (src/redis-clock.ts). A command
 *   that reaches Redis later changes nothing, so a caller told STORE_UNAVAILABLE because
 *   of a timeout never has that command run behind its back.
 * - A reply with another tag belongs to another command: the connection's replies are
 *   out of step with its commands (a torn or reordered byte stream, a client bug), so
 *   every reply still due on it is suspect. The socket is dropped and replaced, and the
 *   caller hears STORE_UNAVAILABLE (the command may or may not have run), never another
 *   command's answer.
 *
 * On a cluster every key of a script shares one hash slot; the clock estimate, the
 * out-of-step reset and the replica `WAIT` all concern the primary that owns that slot.
 * With `waitReplicas` > 0 a state-changing script is followed by `WAIT` on the same
 * connection, within what is left of the command timeout (src/replica-wait.ts).
 */
export async function runScript(
  client: RedisClient,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArgument[],
): Promise<unknown> {
  const script = LUA_SCRIPTS[name];
  if (keys.length !== script.numberOfKeys) {
    throw new RangeError(`${name} takes ${script.numberOfKeys} keys, got ${keys.length}.`);
  }
  const command: unknown = Reflect.get(client, script.command);
  if (typeof command !== 'function') {
    throw new Error(`The ${name} script is not registered on this Redis client.`);
  }
  const timeoutMs = commandTimeoutOf(client);
  const slotKey = keys[0] ?? '';
  const server = serverFor(client, slotKey);
  // No known owner of the slot: the cluster is (re)connecting, or the primary it knew for
  // the slot is gone. Ask the cluster for its slot map now (not at the next periodic
  // refresh), so calls find the promoted replica as soon as there is one.
  if (!server) {
    if (isCluster(client)) client.refreshSlotsCache();
    throw clusterNotReady(name);
  }
  const offsetMs =
    timeoutMs !== undefined && timeoutMs > 0 ? await redisClockOffsetMs(server) : undefined;
  const callTag = nextCallTag();
  // Taken just before the send: ioredis arms the command's timeout in the same tick.
  const sentAt = performance.now();
  const deadline =
    timeoutMs !== undefined && offsetMs !== undefined
      ? String(Math.floor(sentAt + offsetMs + timeoutMs - deadlineMarginMs(timeoutMs)))
      : '';
  let framed: unknown;
  try {
    framed = await Reflect.apply(command, client, [...keys, ...args, deadline, callTag]);
  } catch (error) {
    throw toStoreError(error, name);
  }
  const receivedAt = performance.now();
  // A MOVED on the way sent it to the slot's new owner; the slot map says which.
  const ranOn = serverFor(client, slotKey);
  if (!Array.isArray(framed) || framed[0] !== callTag) {
    // Destroy, not a graceful end: replies still in flight must never be read. ioredis
    // then rejects every command still waiting on this socket and reconnects.
    ranOn?.stream.destroy();
    throw outOfStepReply(name);
  }
  const [, redisNow, status, reply] = framed as unknown[];
  if (ranOn) clockOf(ranOn).observe(replyInteger(redisNow, name), receivedAt);
  const outcome = replyString(status, name);
  if (outcome === 'DEADLINE_PASSED') throw deadlinePassed(name);
  if (outcome !== 'RAN' || framed.length !== 4) throw malformedReply(name);
  const replicas = waitReplicasOf(client);
  if (replicas > 0 && !READ_ONLY_SCRIPTS.has(name)) {
    const budgetMs = (timeoutMs ?? 2_000) - deadlineMarginMs(timeoutMs ?? 2_000);
    await awaitReplicas(ranOn, replicas, sentAt + budgetMs - performance.now(), name);
  }
  return reply;
}
