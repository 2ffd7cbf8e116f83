--[[
read-credentials: reads a bounded set of credentials of one kind by id. Read-only.

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  payload hash of the kind: field "<credentialId>:<piece index>[@<version>]", value the piece (current version read)

ARGV[1]   "1" to include the payload pieces, "0" not to
ARGV[2..] credentialIds (at most 500)

Returns an array with one entry per requested id, in order:
  {credentialId, recordJson, piece0, piece1, ...}   (pieces only when asked)
  {credentialId}                                     no such credential
]]
-- @include piece-field
local entries = {}
for n = 2, #ARGV do
  local id = ARGV[n]
  local raw = redis.call('HGET', KEYS[1], id)
  local entry = {id}
  if raw then
    entry[2] = raw
    if ARGV[1] == '1' then
      local record = cjson.decode(raw)
      for i = 1, record.pieces do
        entry[2 + i] = redis.call('HGET', KEYS[2], piece_field(id, record.pv, i - 1))
      end
    end
  end
  entries[#entries + 1] = entry
end
return entries
