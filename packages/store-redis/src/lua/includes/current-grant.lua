-- The credential id and record of the grant an entry holds, while that grant is still
-- the credential's current lease (same waiterId and fencing token) and active
-- (expiresAtMs > now); nil once it was released, expired or granted again.
local function current_grant(k, waiter_id, entry)
  if not entry.credentialId then return nil end
  local raw = redis.call('HGET', k.credentials, entry.credentialId)
  if not raw then return nil end
  local record = cjson.decode(raw)
  local lease = record.lease
  if not lease or lease.waiterId ~= waiter_id or record.fence ~= entry.fencingToken then
    return nil
  end
  if lease.expiresAtMs <= k.now then return nil end
  return entry.credentialId, record
end
