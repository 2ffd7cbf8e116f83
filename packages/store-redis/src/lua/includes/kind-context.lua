-- @include read-policy

-- The keys and settings of one kind that every queue-aware script shares. Those scripts
-- take the same KEYS[1..17] and ARGV[1..4] (listed in each header; built by
-- src/ops/queue-step.ts), so the shared pieces below can find them by name.
-- `budget` counts down the queue entries this step may still examine; `policy` is the
-- kind's policy as of this step (read-policy).
-- `wake_command` and `wake_channel` come from ARGV[4], the wake route (wake-broker).
local function kind_context()
  local limit = tonumber(ARGV[2])
  local wake_command, wake_channel = string.match(ARGV[4], '^(S?PUBLISH) (.+)$')
  if not wake_command then error('kind_context: ARGV[4] is not a wake route') end
  return {
    credentials = KEYS[1],
    payloads = KEYS[2],
    free = KEYS[3],
    leases = KEYS[4],
    updated_active = KEYS[5],
    updated_disabled = KEYS[6],
    lease_events = KEYS[7],
    sequence = KEYS[8],
    waiters = KEYS[9],
    waiting = KEYS[10],
    waiter_deadlines = KEYS[11],
    ticket_deadlines = KEYS[12],
    ticket_grants = KEYS[13],
    reservations = KEYS[14],
    lease_counts = KEYS[16],
    quarantined = KEYS[17],
    policy = read_policy(KEYS[15]),
    now = qa_store_now(ARGV[1]),
    limit = limit,
    budget = limit,
    grace_ms = tonumber(ARGV[3]),
    wake_command = wake_command,
    wake_channel = wake_channel,
  }
end
