--[[
release: ends the caller's lease on one credential of one kind (idempotent), then hands
the credential to the head of the kind's wait queue, if anyone waits.

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  payload hash of the kind: field "<credentialId>:<piece index>", value the piece
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

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  step limit: expired leases reclaimed and queue entries examined at most (count)
ARGV[3]  ticketGraceMs (ms): a waiter's deadline after each call, a ticket grant's pickup time
ARGV[4]  wake channel prefix ("<prefix>:wake:"); a ticket grant publishes its ticketId to prefix .. brokerId
ARGV[5]  credentialId
ARGV[6]  ownerId
ARGV[7]  leaseToken
ARGV[8]  actorRole of the caller (recorded in the release event)

Returns
  {"ok", 1}   the lease was cleared (release event written)
  {"ok", 0}   no lease was stored (nothing changes, no event)
  {"ABSENT"}  no such credential under this kind
  {"LEASE_NOT_OWNER"}   another holder, or a queued grant not yet delivered (no token)
]]
-- @include kind-context
-- @include end-lease
-- @include hand-on

local k = kind_context()
local id = ARGV[5]
local raw = redis.call('HGET', k.credentials, id)
if not raw then return {'ABSENT'} end
local record = cjson.decode(raw)
local lease = record.lease
if not lease then return {'ok', 0} end
-- Even an expired lease may only be released by its own holder; an undelivered queued
-- grant stores no token, so no token matches it.
if lease.ownerId ~= ARGV[6] or lease.token ~= ARGV[7] then return {'LEASE_NOT_OWNER'} end

end_lease(k, id, record, ARGV[6], ARGV[8])
if record.status == 'active' and redis.call('EXISTS', k.waiting) == 1 then hand_on(k, '') end
return {'ok', 1}
