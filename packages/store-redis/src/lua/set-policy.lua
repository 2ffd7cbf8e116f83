--[[
set-policy: patches one kind's policy, in one step: each field is left ("" in ARGV), set
(an integer) or cleared ("null"). updatedAtMs = now. A policy whose every field is
cleared still exists (kind and updatedAtMs). A raised or cleared quota may let a waiter
over quota through, so the queue step runs. Event "policy" (admin).

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
ARGV[5]  kind (recorded in the event)
ARGV[6]  actorId (recorded in the event)
ARGV[7]  maxHoldMs (ms)
ARGV[8]  maxLeasesPerRole.ci (count)
ARGV[9]  maxLeasesPerRole.maintainer (count)
ARGV[10] maxLeasesPerOwner (count)
ARGV[11] quarantineAfterBroken (count)

Returns the policy hash after the patch, flat: {field, value, field, value, ...}
]]
-- @include kind-context
-- @include append-event
-- @include hand-on

local k = kind_context()
local policy_key = KEYS[15]
local fields = {
  'maxHoldMs', 'maxLeasesPerRole.ci', 'maxLeasesPerRole.maintainer', 'maxLeasesPerOwner',
  'quarantineAfterBroken',
}
for i, field in ipairs(fields) do
  local value = ARGV[6 + i]
  if value == 'null' then
    redis.call('HDEL', policy_key, field)
  elseif value ~= '' then
    redis.call('HSET', policy_key, field, value)
  end
end
redis.call('HSET', policy_key, 'updatedAtMs', k.now)
append_event(k, KEYS[18], {eventType = 'policy', actorId = ARGV[6], kind = ARGV[5]})
k.policy = read_policy(policy_key)
if redis.call('EXISTS', k.waiting) == 1 then hand_on(k, '') end
return redis.call('HGETALL', policy_key)
