-- A kind's policy from its hash (KEYS: see keys.ts `policy`): a table with the numbers
-- set (maxHoldMs, roleCi, roleMaintainer, owner, afterBroken, updatedAtMs), nil for the
-- cleared ones. Read inside every step that applies it, so every broker applies the
-- same policy at once.
local function read_policy(key)
  local flat = redis.call('HGETALL', key)
  local fields = {}
  for i = 1, #flat, 2 do fields[flat[i]] = tonumber(flat[i + 1]) end
  return {
    exists = #flat > 0,
    updatedAtMs = fields['updatedAtMs'],
    maxHoldMs = fields['maxHoldMs'],
    roleCi = fields['maxLeasesPerRole.ci'],
    roleMaintainer = fields['maxLeasesPerRole.maintainer'],
    owner = fields['maxLeasesPerOwner'],
    afterBroken = fields['quarantineAfterBroken'],
  }
end
