--[[
disable-credential: soft-disables one credential of one kind (admin/remove) and writes
its admin event, in one step. Nothing is ever deleted (a quarantine stays on the record;
the credential then counts as disabled). An expired lease it clears that
came from the wait queue takes its waiter entry with it.

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  payload hash of the kind: field "<credentialId>:<piece index>[@<version>]", value the piece
KEYS[3]  free zset of the kind: member "<seq, 16 digits>:<credentialId>", score lastLeasedAtMs
KEYS[4]  lease zset of the kind: member credentialId, score expiresAtMs
KEYS[5]  active updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[6]  disabled updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[7]  lease event log of the kind: zset, scores 0, member "<occurredAtMs>:<seq>:<event JSON>"
KEYS[8]  sequence counter of the kind (string, INCR): creation, event and arrival order
KEYS[9]  waiter hash of the kind: field waiterId, value the entry as JSON
KEYS[10] waiting zset of the kind: member waiterId, score (100 - priority) * 2^44 + seq
KEYS[11] waiter deadline zset of the kind (waiting entries): member waiterId, score deadlineMs
KEYS[12] ticket deadline zset of the kind (waiting tickets only): member waiterId, score deadlineMs
KEYS[13] ticket grant zset of the kind (undelivered ticket grants): member waiterId, score as KEYS[10]
KEYS[14] reservation zset of the kind (undelivered implicit grants): member waiterId, score as KEYS[10]
KEYS[15] policy hash of the kind: maxHoldMs, maxLeasesPerRole.<role>, maxLeasesPerOwner, quarantineAfterBroken, updatedAtMs
KEYS[16] lease count hash of the kind: "role:<actorRole>" / "owner:<ownerId>" -> members of KEYS[4] they hold
KEYS[17] quarantined set of the kind: active credentials under quarantine
KEYS[18] admin event log of the kind: zset, scores 0, member "<occurredAtMs>:<seq>:<event JSON>"

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  step limit: expired leases reclaimed and queue entries examined at most (count)
ARGV[3]  ticketGraceMs (ms): a waiter's deadline after each call, a ticket grant's pickup time
ARGV[4]  wake route: "PUBLISH <prefix>:wake:" (single Redis: a ticket grant PUBLISHes its
         ticketId to that prefix .. brokerId) or "SPUBLISH <prefix>:kind:{<kind>}:wake"
         (Redis Cluster: it SPUBLISHes the JSON array [brokerId, ticketId] there)
ARGV[5]  credentialId
ARGV[6]  kind (recorded in the events)
ARGV[7]  actorId (recorded in the events)
ARGV[8]  message of a CREDENTIAL_NOT_FOUND disable_failed event
ARGV[9]  message of a LEASE_ACTIVE disable_failed event

Returns
  {"ok", changed (1 | 0), recordJson}   changed 0: it was already disabled (no event)
  {"CREDENTIAL_NOT_FOUND"}  the id -> kind lookup named this kind but no record exists
  {"LEASE_ACTIVE"}          an active lease, queued grants not yet picked up included
]]
-- @include kind-context
-- @include append-event
-- @include free-member
-- @include forget-lease-waiter
-- @include unindex-lease
-- @include drop-pinned-payload
-- @include hand-on

local k = kind_context()
local admin_events = KEYS[18]
local id = ARGV[5]
local raw = redis.call('HGET', k.credentials, id)
if not raw then
  -- The lookup was written but the add never completed: that credential does not exist.
  append_event(k, admin_events, {
    eventType = 'disable_failed',
    actorId = ARGV[7],
    credentialId = id,
    code = 'CREDENTIAL_NOT_FOUND',
    message = ARGV[8],
  })
  return {'CREDENTIAL_NOT_FOUND'}
end

local record = cjson.decode(raw)
if record.status == 'disabled' then return {'ok', 0, raw} end
if record.lease and record.lease.expiresAtMs > k.now then
  append_event(k, admin_events, {
    eventType = 'disable_failed',
    actorId = ARGV[7],
    credentialId = id,
    kind = ARGV[6],
    code = 'LEASE_ACTIVE',
    message = ARGV[9],
  })
  return {'LEASE_ACTIVE'}
end

forget_lease_waiter(k, id, record)
unindex_lease(k, id, record.lease)
drop_pinned_payload(k, id, record)
record.status = 'disabled'
record.lease = nil
record.updatedAtMs = k.now
local encoded = cjson.encode(record)
redis.call('HSET', k.credentials, id, encoded)
redis.call('ZREM', k.free, free_member(record.seq, id))
redis.call('ZREM', k.updated_active, id)
redis.call('SREM', k.quarantined, id)
redis.call('ZADD', k.updated_disabled, -k.now, id)
append_event(k, admin_events, {
  eventType = 'disable',
  actorId = ARGV[7],
  credentialId = id,
  kind = ARGV[6],
})
-- Clearing an expired lease not yet reclaimed frees its holder's quota.
if redis.call('EXISTS', k.waiting) == 1 then hand_on(k, '') end
return {'ok', 1, encoded}
