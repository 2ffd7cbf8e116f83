-- The free-set member of a credential: "<seq, 16 digits>:<credentialId>", so equal
-- lastLeasedAtMs scores fall back to creation order.
local function free_member(seq, id)
  return string.format('%016d', seq) .. ':' .. id
end
