--[[
cancel-wait: the request of a ticket is gone. A grant it holds but never picked up is
released (release event with the waiter's owner and role) and handed on at once. A
waiting ticket keeps its place until its deadline lapses; a delivered grant is the
client's and stays.

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
ARGV[5]  ticketId

Returns
  {"ok", 1}   an undelivered grant was released and handed on
  {"ok", 0}   nothing to release
]]
-- @include kind-context
-- @include current-grant
-- @include remove-waiter
-- @include end-lease
-- @include hand-on

local k = kind_context()
local ticket_id = ARGV[5]
local released = 0
local raw = redis.call('HGET', k.waiters, ticket_id)
if raw then
  local entry = cjson.decode(raw)
  if entry.credentialId then
    local id, record = current_grant(k, ticket_id, entry)
    if not id then
      remove_waiter(k, ticket_id)
    elseif record.lease.token == nil then
      end_lease(k, id, record, entry.ownerId, entry.actorRole)
      released = 1
    end
  end
end
if redis.call('EXISTS', k.waiting) == 1 then hand_on(k, '') end
return {'ok', released}
