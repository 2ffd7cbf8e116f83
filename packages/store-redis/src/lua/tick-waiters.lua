--[[
tick-waiters: a broker's periodic look at the tickets it holds open in one kind. Renews
their deadlines, reclaims expired leases (lapsed pickups included), drops lapsed waiters,
dispatches, and says which of the tickets now hold a grant to pick up.

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
ARGV[5..] ticketIds the broker holds open (zero or more)

Returns
  {granted, nextExpiryAtMs | ""}
      granted: the given ticketIds whose entry holds an undelivered grant that is still
      active; nextExpiryAtMs: the earliest expiresAtMs of the kind's active leases
      (queued grants included), "" when none
]]
-- @include kind-context
-- @include current-grant
-- @include remove-waiter
-- @include hand-on

local k = kind_context()
for i = 5, #ARGV do
  local ticket_id = ARGV[i]
  local raw = redis.call('HGET', k.waiters, ticket_id)
  if raw then
    local entry = cjson.decode(raw)
    if not entry.credentialId then
      if entry.deadlineMs > k.now then
        entry.deadlineMs = k.now + k.grace_ms
        redis.call('HSET', k.waiters, ticket_id, cjson.encode(entry))
        redis.call('ZADD', k.waiter_deadlines, entry.deadlineMs, ticket_id)
        redis.call('ZADD', k.ticket_deadlines, entry.deadlineMs, ticket_id)
      else
        remove_waiter(k, ticket_id)
      end
    end
  end
end

hand_on(k, '')

local granted = {}
for i = 5, #ARGV do
  local ticket_id = ARGV[i]
  local raw = redis.call('HGET', k.waiters, ticket_id)
  if raw then
    local entry = cjson.decode(raw)
    local id, record = current_grant(k, ticket_id, entry)
    if id and record.lease.token == nil then granted[#granted + 1] = ticket_id end
  end
end
local next_lease = redis.call('ZRANGE', k.leases, '(' .. string.format('%d', k.now), '+inf',
  'BYSCORE', 'LIMIT', 0, 1, 'WITHSCORES')
local next_expiry = ''
if #next_lease > 0 then next_expiry = next_lease[2] end
return {granted, next_expiry}
