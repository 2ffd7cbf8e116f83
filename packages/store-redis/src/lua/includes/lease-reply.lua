-- The "ok" reply of acquire for the lease now on `record`:
--   {"ok", credentialId, acquiredAtMs, expiresAtMs, fencingToken, pieceCount, byteLength,
--    inlinePiece | "", waitedMs | "", sealedToken | ""}
-- inlinePiece only when pieceCount == 1; waitedMs for queued grants; sealedToken for a
-- re-ask of a ticket delivered before.
local function lease_reply(k, id, record, waited_ms, sealed_token)
  local inline = ''
  if record.pieces == 1 then inline = redis.call('HGET', k.payloads, id .. ':0') end
  return {
    'ok', id, record.lease.acquiredAtMs, record.lease.expiresAtMs, record.fence,
    record.pieces, record.bytes, inline, waited_ms or '', sealed_token or '',
  }
end
