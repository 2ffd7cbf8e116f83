--[[
append-admin-event: writes one admin event that belongs to no kind (a disable of an id
the store has never seen). Events tied to a kind are written by that kind's scripts.

KEYS[1]  the global admin event log: zset, scores 0, member "<occurredAtMs>:<seq>:<event JSON>"
KEYS[2]  the global event sequence counter (string, INCR)

ARGV[1]  now in integer ms, or "" to use the Redis TIME
ARGV[2..] field, value, field, value, ... of the event (strings; never a payload or a token)

Returns occurredAtMs (integer).
]]
-- @include append-event

local now = qa_store_now(ARGV[1])
local event = {}
for n = 2, #ARGV - 1, 2 do event[ARGV[n]] = ARGV[n + 1] end
append_event({sequence = KEYS[2], now = now}, KEYS[1], event)
return now
