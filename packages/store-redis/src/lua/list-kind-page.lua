--[[
list-kind-page: one bounded page of one kind's credentials of one status, in list order
(updatedAtMs descending, then credentialId ascending). Read-only.

KEYS[1]  updated-at zset of the kind and status: member credentialId, score -updatedAtMs
KEYS[2]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[3]  payload hash of the kind: field "<credentialId>:<piece index>[@<version>]", value the piece (current version read)

ARGV[1]  offset into the zset (count), from the start or from just after ARGV[4]/ARGV[5]
ARGV[2]  page size (count, at most 500)
ARGV[3]  "1" to include the payload pieces, "0" not to
ARGV[4]  optional: score (-updatedAtMs) of the list position to resume after
ARGV[5]  optional: credentialId of that position (members of equal score sort by id)

Returns an array of entries, each {credentialId, recordJson, piece0, piece1, ...}
(pieces only when asked).
]]
-- @include piece-field
local offset = tonumber(ARGV[1])
if ARGV[4] then
  -- The position need not still exist: count the members that sort at or before it.
  offset = offset + redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[4])
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[4], ARGV[4])) do
    if id <= ARGV[5] then offset = offset + 1 end
  end
end
local size = tonumber(ARGV[2])
local ids = redis.call('ZRANGE', KEYS[1], offset, offset + size - 1)
local entries = {}
for _, id in ipairs(ids) do
  local raw = redis.call('HGET', KEYS[2], id)
  if raw then
    local entry = {id, raw}
    if ARGV[3] == '1' then
      local record = cjson.decode(raw)
      for i = 1, record.pieces do
        entry[2 + i] = redis.call('HGET', KEYS[3], piece_field(id, record.pv, i - 1))
      end
    end
    entries[#entries + 1] = entry
  end
end
return entries
