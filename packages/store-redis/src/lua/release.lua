--[[
release: ends the caller's lease on one credential of one kind (idempotent), then hands
the credential to the head of the kind's wait queue, if anyone waits. Outcome "broken"
also reports the credential: brokenReports + 1, and at the kind's quarantineAfterBroken
(default 1) it is quarantined (lease event "quarantine") and goes to nobody. Outcome "ok"
resets brokenReports.

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

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  step limit: expired leases reclaimed and queue entries examined at most (count)
ARGV[3]  ticketGraceMs (ms): a waiter's deadline after each call, a ticket grant's pickup time
ARGV[4]  wake route: "PUBLISH <prefix>:wake:" (single Redis: a ticket grant PUBLISHes its
         ticketId to that prefix .. brokerId) or "SPUBLISH <prefix>:kind:{<kind>}:wake"
         (Redis Cluster: it SPUBLISHes the JSON array [brokerId, ticketId] there)
ARGV[5]  credentialId
ARGV[6]  ownerId
ARGV[7]  leaseToken
ARGV[8]  actorRole of the caller (recorded in the release event)
ARGV[9]  outcome: "ok" | "broken"
ARGV[10] reason of a broken release, or "" for none

Returns
  {"ok", 1, quarantined (1 | 0)}   the lease was cleared (release event written);
                                   quarantined 1 when this release quarantined it
  {"ok", 0, 0}   no lease was stored (nothing changes, no event)
  {"ABSENT"}  no such credential under this kind
  {"LEASE_NOT_OWNER"}   another holder, or a queued grant not yet delivered (no token)
]]
-- @include kind-context
-- @include end-lease
-- @include hand-on
-- @include append-event

local k = kind_context()
local id = ARGV[5]
local raw = redis.call('HGET', k.credentials, id)
if not raw then return {'ABSENT'} end
local record = cjson.decode(raw)
local lease = record.lease
if not lease then return {'ok', 0, 0} end
-- Even an expired lease may only be released by its own holder; an undelivered queued
-- grant stores no token, so no token matches it.
if lease.ownerId ~= ARGV[6] or lease.token ~= ARGV[7] then return {'LEASE_NOT_OWNER'} end

local reason = nil
if ARGV[10] ~= '' then reason = ARGV[10] end
local broken = ARGV[9] == 'broken'
local quarantined = 0
local event_extra = nil
if broken then
  event_extra = {code = 'BROKEN', message = reason}
  record.brokenReports = (record.brokenReports or 0) + 1
  local threshold = k.policy.afterBroken or 1
  if record.brokenReports >= threshold and not record.quarantine then
    record.quarantine = {
      reason = reason, reportedBy = lease.ownerId, actorRole = lease.actorRole, atMs = k.now,
    }
    quarantined = 1
  end
else
  record.brokenReports = nil
end

end_lease(k, id, record, ARGV[6], ARGV[8], event_extra)
if quarantined == 1 then
  if record.status == 'active' then redis.call('SADD', k.quarantined, id) end
  append_event(k, k.lease_events, {
    eventType = 'quarantine',
    actorRole = lease.actorRole,
    ownerId = lease.ownerId,
    credentialId = id,
    message = reason,
  })
end
-- Also when the credential stays out: the holder's quota was freed, which may let a
-- waiter that was over quota take another free credential.
if redis.call('EXISTS', k.waiting) == 1 then hand_on(k, '') end
return {'ok', 1, quarantined}
