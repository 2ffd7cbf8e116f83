--[[
replace-payload: compare-and-set of one credential's current payload pieces (key
rotation). The lease, status and times are left as they are; a version pinned on a lease
by an admin/update is not this one and stays as it is.

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  payload hash of the kind: field "<credentialId>:<piece index>[@<version>]", value the piece

ARGV[1]  credentialId
ARGV[2]  n = how many pieces the caller expects to be stored now (count)
ARGV[3 .. 2+n]  the expected pieces, in order
ARGV[3+n]       byteLength of the new serialized payload (UTF-8 bytes)
ARGV[4+n ..]    the new pieces, in order (at least one)

Returns
  1  replaced
  0  no such credential, or the stored pieces differ from the expected ones
]]
-- @include piece-field

local id = ARGV[1]
local raw = redis.call('HGET', KEYS[1], id)
if not raw then return 0 end
local record = cjson.decode(raw)

local expected_count = tonumber(ARGV[2])
if expected_count ~= record.pieces then return 0 end
for i = 1, expected_count do
  local stored = redis.call('HGET', KEYS[2], piece_field(id, record.pv, i - 1))
  if stored ~= ARGV[2 + i] then return 0 end
end

local first_new = 4 + expected_count
local new_count = #ARGV - first_new + 1
if new_count < 1 then
  return redis.error_reply('ERR qa-broker: a payload needs at least one piece')
end
for i = new_count + 1, record.pieces do
  redis.call('HDEL', KEYS[2], piece_field(id, record.pv, i - 1))
end
for i = 1, new_count do
  redis.call('HSET', KEYS[2], piece_field(id, record.pv, i - 1), ARGV[first_new + i - 1])
end
record.pieces = new_count
record.bytes = tonumber(ARGV[3 + expected_count])
redis.call('HSET', KEYS[1], id, cjson.encode(record))
return 1
