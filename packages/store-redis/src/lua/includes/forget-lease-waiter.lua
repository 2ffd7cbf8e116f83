-- @include remove-waiter

-- A lease that came from the queue is ending (release, reclaim, cancel, disable): the
-- waiter entry it was granted to goes with it, but only while that entry still names
-- this grant (same credential and fencing token): a ticket whose lease ended may
-- already be waiting again, and that new wait must stay.
local function forget_lease_waiter(k, id, record)
  local lease = record.lease
  if not lease or not lease.waiterId then return end
  local raw = redis.call('HGET', k.waiters, lease.waiterId)
  if not raw then return end
  local entry = cjson.decode(raw)
  if entry.credentialId == id and entry.fencingToken == record.fence then
    remove_waiter(k, lease.waiterId)
  end
end
