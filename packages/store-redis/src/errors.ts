import { StoreError } from '@qa-broker/store';

/**
 * Replies Redis gives while it cannot serve right now (loading, a busy script, a failover
 * in progress): the caller should retry, so they mean unavailable, not a bug.
 */
const TRANSIENT_REPLY_PREFIXES = [
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'MASTERDOWN',
  'READONLY',
  'NOREPLICAS',
  'MISCONF',
  // A cluster moving a slot (failover, resharding): the command did not run there.
  'MOVED',
  'ASK',
];

function isReplyError(error: Error): boolean {
  return error.name === 'ReplyError';
}

/**
 * Turns whatever ioredis threw into a `StoreError`. Connection losses, timeouts and
 * refused writes become STORE_UNAVAILABLE (the outcome of a write may be unknown); any other
 * Redis reply error (a Lua error, a wrong type) is INTERNAL_ERROR.
 *
 * The cause keeps only the error's name and message: ioredis attaches the command and its
 * arguments to errors, and those carry payloads and lease tokens.
 */
export function toStoreError(error: unknown, operation: string): StoreError {
  if (error instanceof StoreError) return error;
  const original = error instanceof Error ? error : new Error(String(error));
  const cause = new Error(original.message);
  cause.name = original.name;
  if (isReplyError(original)) {
    const transient = TRANSIENT_REPLY_PREFIXES.some((prefix) =>
      original.message.startsWith(prefix),
    );
    if (!transient) {
      return new StoreError('INTERNAL_ERROR', `Redis rejected the ${operation} operation.`, {
        cause,
      });
    }
  }
  return new StoreError(
    'STORE_UNAVAILABLE',
    `Redis did not complete the ${operation} operation (unreachable, busy or too slow): retry shortly.`,
    { cause },
  );
}

/** A reply whose shape the scripts never produce: a bug or a foreign writer, not an outage. */
export function malformedReply(operation: string): StoreError {
  return new StoreError('INTERNAL_ERROR', `Redis returned an unexpected reply to ${operation}.`);
}

/**
 * A reply that carries another call's tag: the connection's replies no longer line up with
 * its commands. This call may or may not have run, so it is an outage, not a bug report.
 */
export function outOfStepReply(operation: string): StoreError {
  return new StoreError(
    'STORE_UNAVAILABLE',
    `Redis answered the ${operation} operation with another command's reply; the connection was reset: retry shortly.`,
  );
}

/** The script reached Redis after its deadline: its caller had given up, nothing changed. */
export function deadlinePassed(operation: string): StoreError {
  return new StoreError(
    'STORE_UNAVAILABLE',
    `Redis received the ${operation} operation too late and did not run it: retry shortly.`,
  );
}

/** A cluster client that knows no primary for the slot yet (connecting, or a failover). */
export function clusterNotReady(operation: string): StoreError {
  return new StoreError(
    'STORE_UNAVAILABLE',
    `The Redis Cluster has no reachable primary for the ${operation} operation's slot right now: retry shortly.`,
  );
}
