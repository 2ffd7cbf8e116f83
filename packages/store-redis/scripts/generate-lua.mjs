// Embeds src/lua/*.lua into src/lua/scripts.generated.ts, so the package ships its Lua
// inside its JavaScript (no file reads at run time). `numberOfKeys` is read from each
// script's header (its highest KEYS[i]), which keeps the header the single source of truth.
// Every script is wrapped in the same frame (`frame` below), so no script can forget it.
// A line `-- @include <name>` pastes src/lua/includes/<name>.lua (one function per file)
// in its place, once per script, after that file's own includes (`expandIncludes` below).
// Run by `build`, `typecheck`, `lint` and the vitest config; plain Node, no dependencies.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const luaDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'lua');
const includeDir = join(luaDir, 'includes');
const outFile = join(luaDir, 'scripts.generated.ts');
const INCLUDE_LINE = String.raw`^-- @include ([a-z][a-z0-9-]*)[ \t]*$`;

function camelCase(kebab) {
  return kebab.replace(/-([a-z])/g, (_, letter) => letter.toUpperCase());
}

function numberOfKeys(name, source) {
  const header = /^--\[\[([\s\S]*?)\]\]/.exec(source);
  if (!header) throw new Error(`${name}.lua must open with a --[[ header ]] comment`);
  const indexes = [...header[1].matchAll(/^KEYS\[(\d+)\]/gm)].map((match) => Number(match[1]));
  if (indexes.length === 0) throw new Error(`${name}.lua: the header lists no KEYS[i]`);
  if (!/^ARGV\[/m.test(header[1])) throw new Error(`${name}.lua: the header lists no ARGV[i]`);
  if (!/^Returns/m.test(header[1]))
    throw new Error(`${name}.lua: the header has no Returns section`);
  indexes.forEach((index, position) => {
    if (index !== position + 1)
      throw new Error(`${name}.lua: KEYS must be listed as 1..n in order`);
  });
  return indexes.length;
}

/**
 * Replaces every `-- @include <name>` line with the body of src/lua/includes/<name>.lua,
 * whose own includes come first. Each include is pasted once per script (`done`), so two
 * pieces that both need `append-event` share one copy; a cycle is an error. An include
 * file holds exactly one `local function`, named after the file (kebab → snake case), so
 * a script reads as "these shared steps, then my own".
 */
function expandIncludes(source, owner, done = new Set(), pending = new Set()) {
  return source.replace(new RegExp(INCLUDE_LINE, 'gm'), (_, name) => {
    if (done.has(name)) return `-- (${name}: included above)`;
    if (pending.has(name)) throw new Error(`${owner}: include cycle through ${name}`);
    let body;
    try {
      body = readFileSync(join(includeDir, `${name}.lua`), 'utf8');
    } catch {
      throw new Error(`${owner}: no include named ${name} (src/lua/includes/${name}.lua)`);
    }
    const functions = [...body.matchAll(/^local function ([a-z_][a-z0-9_]*)\(/gm)];
    const expected = name.replace(/-/g, '_');
    if (functions.length !== 1 || functions[0][1] !== expected)
      throw new Error(`includes/${name}.lua must define exactly one local function ${expected}`);
    pending.add(name);
    const expanded = expandIncludes(body, `includes/${name}.lua`, done, pending);
    pending.delete(name);
    done.add(name);
    return expanded.trimEnd();
  });
}

/**
 * The frame around every script. The caller appends two more ARGV: a deadline (Redis
 * TIME in integer ms, or "" for none) and a call tag unique to that call. The frame takes
 * both off again, so the script sees exactly the ARGV its header lists, and answers
 *   {callTag, redisNowMs, "DEADLINE_PASSED"}   Redis TIME is past the deadline: the caller
 *                                               has given up, nothing was run or changed
 *   {callTag, redisNowMs, "RAN", reply}         the script ran and answered `reply`
 * Scripts take their lease time from `qa_store_now(ARGV[i])`: the explicit nowMs a test
 * passed, else the same TIME, so a script never reads the clock twice.
 * redisNowMs is the real TIME, even when a test passes an explicit "now": the deadline is
 * about elapsed time, not lease time. The wrapper in src/scripts.ts checks the tag (a
 * reply that belongs to another call is caught, not read as this one's answer) and keeps
 * its estimate of the Redis clock from redisNowMs. An error reply from the script passes
 * through unframed; it never reads as a success anyway.
 */
function frame(lua) {
  return `local qa_call_tag = table.remove(ARGV)
local qa_deadline = table.remove(ARGV)
local qa_time = redis.call('TIME')
local qa_redis_now = tonumber(qa_time[1]) * 1000 + math.floor(tonumber(qa_time[2]) / 1000)
if qa_deadline ~= '' and qa_redis_now > tonumber(qa_deadline) then
  return {qa_call_tag, qa_redis_now, 'DEADLINE_PASSED'}
end
-- Lease time for the script: a test's explicit nowMs, else the TIME read above.
local function qa_store_now(explicit)
  if explicit ~= '' then return tonumber(explicit) end
  return qa_redis_now
end
local qa_reply = (function()
${lua}
end)()
if type(qa_reply) == 'table' and qa_reply.err then return qa_reply end
return {qa_call_tag, qa_redis_now, 'RAN', qa_reply}
`;
}

const names = readdirSync(luaDir)
  .filter((file) => file.endsWith('.lua'))
  .map((file) => file.slice(0, -'.lua'.length))
  .sort();

const entries = names.map((name) => {
  const lua = expandIncludes(readFileSync(join(luaDir, `${name}.lua`), 'utf8'), `${name}.lua`);
  return `  ${JSON.stringify(name)}: {\n    command: ${JSON.stringify(`qaBroker${camelCase(`-${name}`)}`)},\n    numberOfKeys: ${numberOfKeys(name, lua)},\n    lua: ${JSON.stringify(frame(lua))},\n  },`;
});

// `prettier-ignore` keeps `format:check` green without running Prettier here.
const output = `// Generated by scripts/generate-lua.mjs from src/lua/*.lua. Do not edit; do not commit.
// prettier-ignore
export const LUA_SCRIPTS = {
${entries.join('\n')}
} as const;
`;

let previous = '';
try {
  previous = readFileSync(outFile, 'utf8');
} catch {
  // first run
}
if (previous !== output) writeFileSync(outFile, output);
