-- The payload-hash field of one piece: "<credentialId>:<index>" for the version an add
-- wrote (version 0), "<credentialId>:<index>@<version>" for later ones (admin/update).
-- The tail after the last ":" is all digits in the first form and holds "@" in the
-- second, so no field of one credential can ever name a piece of another.
local function piece_field(id, version, index)
  local field = id .. ':' .. string.format('%d', index)
  if version and version > 0 then field = field .. '@' .. string.format('%d', version) end
  return field
end
