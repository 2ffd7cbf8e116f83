--[[
list-queue: one kind's live waiters in queue order, read-only: first those holding an
undelivered grant (reserved), then the live waiting ones. Examines at most
limit + step limit waiting entries, so lapsed entries not yet dropped cost little.

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
ARGV[5]  limit: waiters to return at most (count)

Returns
  { {waiterId, explicit (1 | 0), ownerId, actorRole, priority, waitedMs, reserved (1 | 0)}, ... }
      waitedMs = now - the entry's first request (firstAtMs)
]]
-- @include kind-context
-- @include current-grant

local k = kind_context()
local limit = tonumber(ARGV[5])

local function row(waiter_id, entry, reserved)
  local explicit = 0
  if entry.explicit then explicit = 1 end
  return {waiter_id, explicit, entry.ownerId, entry.actorRole, entry.priority,
    k.now - entry.firstAtMs, reserved}
end

local reserved = {}
for _, set in ipairs({k.ticket_grants, k.reservations}) do
  local members = redis.call('ZRANGE', set, 0, limit - 1, 'WITHSCORES')
  for i = 1, #members, 2 do
    local waiter_id = members[i]
    local raw = redis.call('HGET', k.waiters, waiter_id)
    if raw then
      local entry = cjson.decode(raw)
      local id, record = current_grant(k, waiter_id, entry)
      if id and record.lease.token == nil then
        reserved[#reserved + 1] = {tonumber(members[i + 1]), waiter_id, entry}
      end
    end
  end
end
table.sort(reserved, function(a, b) return a[1] < b[1] end)

local out = {}
for _, item in ipairs(reserved) do
  if #out >= limit then return out end
  out[#out + 1] = row(item[2], item[3], 1)
end
local waiting = redis.call('ZRANGE', k.waiting, 0, limit - #out + k.limit - 1)
for _, waiter_id in ipairs(waiting) do
  if #out >= limit then break end
  local raw = redis.call('HGET', k.waiters, waiter_id)
  if raw then
    local entry = cjson.decode(raw)
    if not entry.credentialId and entry.deadlineMs > k.now then
      out[#out + 1] = row(waiter_id, entry, 0)
    end
  end
end
return out
