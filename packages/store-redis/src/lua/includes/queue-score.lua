-- A waiter's score in the waiting zset: ascending score is queue order (priority desc,
-- arrival asc). 2^44 leaves room for 1.7e13 arrivals per priority, and 200 · 2^44 + seq
-- stays below 2^53, so the double is exact. Computed, never stored in JSON (cjson keeps
-- only 14 significant digits).
local function queue_score(priority, seq)
  return (100 - priority) * 17592186044416 + seq
end
