--[[
update-credential: admin/update of one credential of one kind, in one step: replaces its
payload pieces and/or its note ("" clears it). A lease held now (active, or a queued
grant not yet picked up) keeps the version it was granted: that version's pieces are
pinned on the lease (lease.payload) and deleted when the lease ends; the next lease gets
the new version. Event "update" (admin), never with the payload. Nothing different from
what is stored: changed 0, no event.

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  payload hash of the kind: field "<credentialId>:<piece index>[@<version>]", value the piece
KEYS[3]  active updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[4]  disabled updated-at zset of the kind: member credentialId, score -updatedAtMs
KEYS[5]  sequence counter of the kind (string, INCR): creation, event and arrival order
KEYS[6]  admin event log of the kind: zset, scores 0, member "<occurredAtMs>:<seq>:<event JSON>"

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  credentialId
ARGV[3]  kind (recorded in the event)
ARGV[4]  actorId (recorded in the event)
ARGV[5]  "1" to set the note to ARGV[6], "0" to leave it
ARGV[6]  the new note ("" clears it)
ARGV[7]  "1" to replace the payload with ARGV[9..], "0" to leave it
ARGV[8]  byteLength of the new serialized payload (UTF-8 bytes)
ARGV[9..] the new payload pieces, in order (at least one when ARGV[7] is "1")

Returns
  {"ok", changed (1 | 0), recordJson}
  {"CREDENTIAL_NOT_FOUND"}  the id -> kind lookup named this kind but no record exists
]]
-- @include append-event
-- @include piece-field
-- @include drop-pinned-payload

local k = {payloads = KEYS[2], sequence = KEYS[5], now = qa_store_now(ARGV[1])}
local id = ARGV[2]
local raw = redis.call('HGET', KEYS[1], id)
if not raw then return {'CREDENTIAL_NOT_FOUND'} end
local record = cjson.decode(raw)
local changed = false

if ARGV[5] == '1' then
  local note = nil
  if ARGV[6] ~= '' then note = ARGV[6] end
  if note ~= record.note then
    record.note = note
    changed = true
  end
end

local function same_payload(version, count, bytes, first)
  local new_count = #ARGV - first + 1
  if new_count ~= count or tonumber(ARGV[8]) ~= bytes then return false end
  for i = 1, count do
    if redis.call('HGET', KEYS[2], piece_field(id, version, i - 1)) ~= ARGV[first + i - 1] then
      return false
    end
  end
  return true
end

local first_piece = 9
if ARGV[7] == '1' then
  if #ARGV < first_piece then
    return redis.error_reply('ERR qa-broker: a payload needs at least one piece')
  end
  local version = record.pv or 0
  if not same_payload(version, record.pieces, record.bytes, first_piece) then
    local lease = record.lease
    if lease and lease.payload and lease.expiresAtMs < k.now then
      -- A pinned version whose lease is over: nobody reads it any more.
      drop_pinned_payload(k, id, record)
    end
    if lease and lease.expiresAtMs >= k.now and not lease.payload then
      lease.payload = {v = version, pieces = record.pieces, bytes = record.bytes}
    else
      for i = 1, record.pieces do redis.call('HDEL', KEYS[2], piece_field(id, version, i - 1)) end
    end
    record.pv = version + 1
    record.pieces = #ARGV - first_piece + 1
    record.bytes = tonumber(ARGV[8])
    for i = 1, record.pieces do
      redis.call('HSET', KEYS[2], piece_field(id, record.pv, i - 1), ARGV[first_piece + i - 1])
    end
    changed = true
  end
end

if not changed then return {'ok', 0, raw} end
record.updatedAtMs = k.now
local encoded = cjson.encode(record)
redis.call('HSET', KEYS[1], id, encoded)
if record.status == 'active' then
  redis.call('ZADD', KEYS[3], -k.now, id)
else
  redis.call('ZADD', KEYS[4], -k.now, id)
end
append_event(k, KEYS[6], {
  eventType = 'update',
  actorId = ARGV[4],
  credentialId = id,
  kind = ARGV[3],
})
return {'ok', 1, encoded}
