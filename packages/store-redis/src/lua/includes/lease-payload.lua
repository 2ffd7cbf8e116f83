-- The payload version a lease reads: the one pinned on it by an admin/update made while
-- it was held, else the record's current one. {v, pieces, bytes}.
local function lease_payload(record)
  local lease = record.lease
  if lease and lease.payload then return lease.payload end
  return {v = record.pv or 0, pieces = record.pieces, bytes = record.bytes}
end
