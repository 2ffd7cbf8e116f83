import { describe, expect, it } from 'vitest';
import { LUA_SCRIPTS } from '../src/lua/scripts.generated.js';

/** What scripts/generate-lua.mjs promises about `-- @include`. */

function definitions(lua: string): string[] {
  return [...lua.matchAll(/^local function ([a-z_]+)\(/gm)].map((match) => match[1]!);
}

describe('generated scripts', () => {
  it('paste every include once, before its first use, and leave no @include line behind', () => {
    for (const [name, script] of Object.entries(LUA_SCRIPTS)) {
      expect(script.lua, name).not.toMatch(/^-- @include/m);
      const defined = definitions(script.lua);
      expect(new Set(defined).size, `${name} defines a function twice`).toBe(defined.length);
    }
    const acquire = definitions(LUA_SCRIPTS.acquire.lua);
    // Dependencies come first: dispatch needs grant_to_waiter, which needs append_event.
    expect(acquire.indexOf('append_event')).toBeLessThan(acquire.indexOf('grant_to_waiter'));
    expect(acquire.indexOf('grant_to_waiter')).toBeLessThan(acquire.indexOf('dispatch'));
    expect(acquire).toEqual(expect.arrayContaining(['reclaim_expired', 'deliver', 'queue_place']));
  });

  it('give every queue-aware script the shared 17-key layout', () => {
    for (const name of ['acquire', 'release', 'tick-waiters', 'cancel-wait', 'list-queue'] as const)
      expect(LUA_SCRIPTS[name].numberOfKeys, name).toBe(17);
    // The same 17, then the kind's admin event log.
    for (const name of [
      'add-credential',
      'disable-credential',
      'restore-credential',
      'set-policy',
    ] as const)
      expect(LUA_SCRIPTS[name].numberOfKeys, name).toBe(18);
  });
});
