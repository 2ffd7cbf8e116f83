import { parse, protocol, type PGlite } from '@electric-sql/pglite';
import type { NamedStatement } from './sql-client.js';

const { serialize } = protocol;

/**
 * Names prepared per PGlite instance (several stores, in different schemas, may share
 * one instance; the hash in each name keeps their statements apart).
 */
const preparedByInstance = new WeakMap<PGlite, Set<string>>();

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Text-format parameters, as PGlite's own `query` sends them for these types. */
function toText(value: unknown, index: number): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  throw new TypeError(
    `Parameter $${index + 1} of a named statement must be a string, number, boolean or null.`,
  );
}

/**
 * Runs a named statement on PGlite by its wire protocol, which PGlite's `query` does not
 * expose: Parse with the statement's name the first time on this instance, then only
 * Bind/Describe/Execute/Sync, all in one call into the WASM backend. The two locks are
 * the ones `PGlite.query` takes (the transaction lock, then the query lock), so a named
 * statement never runs inside another caller's transaction; PGlite writes the data
 * directory to disk after the call as it does after `query`.
 */
export async function runPrepared<Row>(
  pglite: PGlite,
  statement: NamedStatement,
  values: unknown[] = [],
): Promise<{ rows: Row[] }> {
  let prepared = preparedByInstance.get(pglite);
  if (!prepared) {
    prepared = new Set();
    preparedByInstance.set(pglite, prepared);
  }
  const names = prepared;
  return pglite._runExclusiveTransaction(() =>
    pglite.runExclusive(async () => {
      const first = !names.has(statement.name);
      const message = concat([
        ...(first ? [serialize.parse({ name: statement.name, text: statement.text })] : []),
        serialize.bind({ statement: statement.name, values: values.map(toText) }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ]);
      let messages;
      try {
        ({ messages } = await pglite.execProtocol(message));
      } catch (error) {
        // The Parse may have succeeded before Bind or Execute failed: ask, so the next
        // call neither parses twice nor runs a name that does not exist.
        if (first && (await isPrepared(pglite, statement.name))) names.add(statement.name);
        throw error;
      }
      if (first) names.add(statement.name);
      const results = parse.parseResults(messages, pglite.parsers);
      return { rows: (results[0]?.rows ?? []) as Row[] };
    }),
  );
}

async function isPrepared(pglite: PGlite, name: string): Promise<boolean> {
  const { messages } = await pglite.execProtocol(
    serialize.query(`select 1 from pg_prepared_statements where name = '${name}'`),
    { throwOnError: false },
  );
  return messages.some((m) => m.name === 'dataRow');
}
