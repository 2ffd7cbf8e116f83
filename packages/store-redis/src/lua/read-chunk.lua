--[[
read-chunk: checks the caller's lease and reads one stored payload piece, in one step.
Read-only, no event. The piece is of the version granted with the lease (an admin/update
during the lease does not change what its holder reads).

KEYS[1]  credential hash of the kind: field credentialId, value the record as JSON
KEYS[2]  payload hash of the kind: field "<credentialId>:<piece index>[@<version>]", value the piece

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2]  credentialId
ARGV[3]  ownerId
ARGV[4]  leaseToken
ARGV[5]  actorRole of the caller (must equal the lease's)
ARGV[6]  piece index (non-negative integer)

Returns
  {"ok", piece, index, pieceCount}
  {"ABSENT"}  no such credential under this kind
  {"CREDENTIAL_DISABLED"} | {"LEASE_NOT_FOUND"} | {"LEASE_NOT_OWNER"} | {"AUTH_ROLE_MISMATCH"}
  | {"PAYLOAD_NOT_CHUNKED"} | {"INVALID_CHUNK_INDEX"}
]]
-- @include lease-payload
-- @include piece-field

local now = qa_store_now(ARGV[1])

local id = ARGV[2]
local raw = redis.call('HGET', KEYS[1], id)
if not raw then return {'ABSENT'} end
local record = cjson.decode(raw)
if record.status ~= 'active' then return {'CREDENTIAL_DISABLED'} end
local lease = record.lease
-- Same boundary as heartbeat: still readable at expiresAtMs == now.
if not lease or lease.expiresAtMs < now then return {'LEASE_NOT_FOUND'} end
if lease.ownerId ~= ARGV[3] or lease.token ~= ARGV[4] then return {'LEASE_NOT_OWNER'} end
if lease.actorRole ~= ARGV[5] then return {'AUTH_ROLE_MISMATCH'} end
local payload = lease_payload(record)
if payload.pieces <= 1 then return {'PAYLOAD_NOT_CHUNKED'} end
local index = tonumber(ARGV[6])
if not index or index < 0 or index >= payload.pieces or index ~= math.floor(index) then
  return {'INVALID_CHUNK_INDEX'}
end
local piece = redis.call('HGET', KEYS[2], piece_field(id, payload.v, index))
if not piece then
  return redis.error_reply('ERR qa-broker: a payload piece is missing')
end
return {'ok', piece, index, payload.pieces}
