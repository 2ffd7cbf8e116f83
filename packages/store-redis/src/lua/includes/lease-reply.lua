-- @include lease-payload
-- @include piece-field
-- @include hold-cap

-- The "ok" reply of acquire for the lease now on `record`:
--   {"ok", credentialId, acquiredAtMs, expiresAtMs, fencingToken, pieceCount, byteLength,
--    inlinePiece | "", waitedMs | "", sealedToken | "", maxExpiresAtMs | ""}
-- The payload is the version this lease was granted (lease-payload); inlinePiece only
-- when it has one piece; waitedMs for queued grants; sealedToken for a re-ask of a
-- ticket delivered before; maxExpiresAtMs when the kind has a maxHoldMs.
local function lease_reply(k, id, record, waited_ms, sealed_token)
  local payload = lease_payload(record)
  local inline = ''
  if payload.pieces == 1 then
    inline = redis.call('HGET', k.payloads, piece_field(id, payload.v, 0))
  end
  return {
    'ok', id, record.lease.acquiredAtMs, record.lease.expiresAtMs, record.fence,
    payload.pieces, payload.bytes, inline, waited_ms or '', sealed_token or '',
    hold_cap(k.policy, record.lease) or '',
  }
end
