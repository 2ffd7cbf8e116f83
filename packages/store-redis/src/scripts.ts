import type { Redis } from 'ioredis';
import { nextCallTag } from './call-tag.js';
import { outOfStepReply, toStoreError } from './errors.js';
import { LUA_SCRIPTS } from './lua/scripts.generated.js';

export type ScriptName = keyof typeof LUA_SCRIPTS;
export type ScriptArgument = string | number;

/**
 * Registers every script on the client with `defineCommand`: ioredis then sends EVALSHA
 * and falls back to EVAL once per connection, so a restarted Redis (empty script cache)
 * needs nothing from us.
 */
export function registerScripts(client: Redis): void {
  for (const script of Object.values(LUA_SCRIPTS)) {
    client.defineCommand(script.command, { lua: script.lua, numberOfKeys: script.numberOfKeys });
  }
}

/**
 * Runs one registered script. The typed wrappers in `ops/` are the only callers; they
 * parse the untyped reply. Every failure comes out as a `StoreError`.
 *
 * Each call appends its own call tag, and the script's frame (scripts/generate-lua.mjs)
 * answers `{callTag, reply}`. A reply with another tag belongs to another command: the
 * connection's replies are out of step with its commands (a torn or reordered byte
 * stream, a client bug), so every reply still due on it is suspect. The connection is
 * dropped and replaced, and the caller hears STORE_UNAVAILABLE (the command may or may
 * not have run), never another command's answer.
 */
export async function runScript(
  client: Redis,
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
  const callTag = nextCallTag();
  let framed: unknown;
  try {
    framed = await Reflect.apply(command, client, [...keys, ...args, callTag]);
  } catch (error) {
    throw toStoreError(error, name);
  }
  if (!Array.isArray(framed) || framed.length !== 2 || framed[0] !== callTag) {
    // Destroy, not a graceful end: replies still in flight must never be read. ioredis
    // then rejects every command still waiting on this socket and reconnects.
    client.stream.destroy();
    throw outOfStepReply(name);
  }
  return (framed as unknown[])[1];
}
