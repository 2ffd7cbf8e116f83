-- @include piece-field

-- A lease that was granted before an admin/update keeps the version it was granted
-- (`lease.payload` = {v, pieces, bytes}); once that lease is over (released, reclaimed
-- after its expiry, replaced by a new grant, cleared by a disable) its pieces go.
local function drop_pinned_payload(k, id, record)
  local lease = record.lease
  if not lease or not lease.payload then return end
  for i = 1, lease.payload.pieces do
    redis.call('HDEL', k.payloads, piece_field(id, lease.payload.v, i - 1))
  end
  lease.payload = nil
end
