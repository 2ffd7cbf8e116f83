-- An event is one member of the log zset (all scores 0), "<occurredAtMs>:<seq>:<json>"
-- with both numbers zero-padded to 16 digits, so lexicographic order is time order even
-- when a clock steps back, and retention trims a prefix range.
local function append_event(k, log, event)
  local seq = redis.call('INCR', k.sequence)
  redis.call('ZADD', log, 0, string.format('%016d:%016d:', k.now, seq) .. cjson.encode(event))
end
