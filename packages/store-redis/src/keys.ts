/**
 * Every Redis key the store uses, built from one configurable prefix. Nothing else in the
 * package writes a key name, and no Lua script builds one: scripts get their keys in KEYS.
 *
 * Keys of one kind share the hash tag `{<kind>}` so a Redis Cluster keeps a kind's pool in
 * one slot and each script touches one slot. The few global keys share `{global}`.
 */

export interface KindKeys {
  /** zset: free credentials, member `<seq>:<id>`, score lastLeasedAtMs. */
  free: string;
  /** zset: leased credentials, member id, score expiresAtMs. */
  leases: string;
  /** hash: id -> record JSON. */
  credentials: string;
  /** hash: `<id>:<index>` -> payload piece. */
  payloads: string;
  /** zset: active credentials, member id, score -updatedAtMs (list order). */
  updatedActive: string;
  /** zset: disabled credentials, member id, score -updatedAtMs (list order). */
  updatedDisabled: string;
  /** string: sequence counter (creation order for free-set ties, event order). */
  sequence: string;
  /** event log (zset, scores 0, member `<ms>:<seq>:<json>`): lease events. */
  leaseEvents: string;
  /** event log: admin events about credentials of this kind. */
  adminEvents: string;
  /**
   * hash: waiterId -> wait-queue entry JSON (owner, role, priority, arrival seq, first
   * request, deadline, broker; once granted: credential, fencing token, grant time,
   * pickupBy, delivered). waiterId is a ticketId or `implicit:<role>:<ownerId>`.
   */
  waiters: string;
  /**
   * zset: waiting entries (not granted), member waiterId, score
   * `(100 - priority) * 2^44 + seq`, so ascending score is queue order.
   */
  waiting: string;
  /** zset: waiting entries, member waiterId, score deadlineMs (lapsed = deadline <= now). */
  waiterDeadlines: string;
  /** zset: waiting tickets only (explicit), member waiterId, score deadlineMs: QUEUE_FULL and "tickets wait". */
  ticketDeadlines: string;
  /** zset: tickets holding a grant not yet delivered, member waiterId, score as `waiting`. */
  ticketGrants: string;
  /** zset: implicit waiters holding a reservation not yet delivered, member waiterId, score as `waiting`. */
  reservations: string;
  /**
   * hash: the kind's policy (issue 12), one field per set value: `updatedAtMs`, `maxHoldMs`,
   * `maxLeasesPerRole.ci`, `maxLeasesPerRole.maintainer`, `maxLeasesPerOwner`,
   * `quarantineAfterBroken`. Absent until a policy is first set.
   */
  policy: string;
  /**
   * hash: active leases of the kind per holder, for quotas: `role:<actorRole>` and
   * `owner:<ownerId>` -> count of members of `leases` (queued grants included). Fields
   * at 0 are deleted.
   */
  leaseCounts: string;
  /** set: active (not disabled) credentials under quarantine, for pool stats. */
  quarantined: string;
  /**
   * Not a key: on a single Redis, the pub/sub channel prefix queue scripts PUBLISH
   * wake-ups to, as `<wakeChannelPrefix><brokerId>` with the ticketId as message (see
   * `Keyspace.wakeChannel`).
   */
  wakeChannelPrefix: string;
  /**
   * Not a key: on a Redis Cluster, the kind's sharded pub/sub channel
   * `<prefix>:kind:{<kind>}:wake`. It carries the kind's hash tag, so the scripts'
   * SPUBLISH stays in their slot; the message names broker and ticket
   * (src/sharded-wake-message.ts).
   */
  wakeChannel: string;
}

export interface GlobalKeys {
  /** zset (all scores 0): every kind ever added or acquired, in code-point order. */
  kinds: string;
  /** hash: credentialId -> kind, written once before the add script, never changed. */
  credentialKinds: string;
  /** zset (all scores 0): every credentialId, for scans in id order. */
  credentialIds: string;
  /** event log: admin events that belong to no kind. */
  adminEvents: string;
  /** string: sequence of the kind-less admin events. */
  eventSequence: string;
  /** zset (all scores 0): every kind that has a policy, in code-point order (getPolicies). */
  policyKinds: string;
}

export interface Keyspace {
  prefix: string;
  global: GlobalKeys;
  kind(kind: string): KindKeys;
  /**
   * The channel a broker subscribes to for wake-ups of its waiters on a single Redis:
   * `<prefix>:wake:<brokerId>` (a channel, not a key). A cluster uses each kind's
   * `KindKeys.wakeChannel` instead.
   */
  wakeChannel(brokerId: string): string;
  /** A `KEYS`/`SCAN MATCH` pattern that matches every key of this keyspace (tests, tools). */
  matchAll: string;
}

export const DEFAULT_KEY_PREFIX = 'qa-broker';
export const GLOBAL_HASH_TAG = 'global';

/**
 * The hash tag of a kind. Redis takes the tag between the first `{` and the next `}`, so
 * braces inside a kind would cut it short; `%`, `{` and `}` are percent-encoded, which keeps
 * the mapping one-to-one.
 */
export function kindHashTag(kind: string): string {
  return kind.replace(/[%{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Glob metacharacters in a prefix would make `matchAll` match other keyspaces. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

export function createKeyspace(prefix: string = DEFAULT_KEY_PREFIX): Keyspace {
  if (prefix.length === 0 || /[{}]/.test(prefix)) {
    throw new RangeError('The Redis key prefix must be non-empty and contain no "{" or "}".');
  }
  const globalBase = `${prefix}:global:{${GLOBAL_HASH_TAG}}`;
  const wakeChannelPrefix = `${prefix}:wake:`;
  const global: GlobalKeys = {
    kinds: `${globalBase}:kinds`,
    credentialKinds: `${globalBase}:credential-kinds`,
    credentialIds: `${globalBase}:credential-ids`,
    adminEvents: `${globalBase}:admin-events`,
    eventSequence: `${globalBase}:event-sequence`,
    policyKinds: `${globalBase}:policy-kinds`,
  };
  return {
    prefix,
    global,
    matchAll: `${escapeGlob(prefix)}:*`,
    wakeChannel: (brokerId: string) => `${wakeChannelPrefix}${brokerId}`,
    kind(kind: string): KindKeys {
      const base = `${prefix}:kind:{${kindHashTag(kind)}}`;
      return {
        free: `${base}:free`,
        leases: `${base}:leases`,
        credentials: `${base}:credentials`,
        payloads: `${base}:payloads`,
        updatedActive: `${base}:updated:active`,
        updatedDisabled: `${base}:updated:disabled`,
        sequence: `${base}:sequence`,
        leaseEvents: `${base}:lease-events`,
        adminEvents: `${base}:admin-events`,
        waiters: `${base}:waiters`,
        waiting: `${base}:waiting`,
        waiterDeadlines: `${base}:waiter-deadlines`,
        ticketDeadlines: `${base}:ticket-deadlines`,
        ticketGrants: `${base}:ticket-grants`,
        reservations: `${base}:reservations`,
        policy: `${base}:policy`,
        leaseCounts: `${base}:lease-counts`,
        quarantined: `${base}:quarantined`,
        wakeChannelPrefix,
        wakeChannel: `${base}:wake`,
      };
    },
  };
}
