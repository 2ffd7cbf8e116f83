import type { Redis } from 'ioredis';
import { toStoreError } from './errors.js';
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
  try {
    const reply: unknown = await Reflect.apply(command, client, [...keys, ...args]);
    return reply;
  } catch (error) {
    throw toStoreError(error, name);
  }
}
