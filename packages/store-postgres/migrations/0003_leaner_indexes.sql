-- 0003_leaner_indexes: fewer index entries written per acquire → release cycle.
-- {{schema}} is replaced by the validated, quoted schema name; nothing else is substituted.
-- Append-only: never edit this file once applied.
--
-- Every lease change rewrites its credential row outside HOT (it changes indexed keys:
-- last_leased_at_ms, lease_expires_at_ms, updated_at_ms), so each index on the table
-- gets a new entry per acquire, heartbeat and release, and each index on events one per
-- event. Two of them carried no weight on the hot path:

-- seq is an identity column (unique by construction); acquire now updates the chosen row
-- by its primary key, so nothing looks a row up by seq any more. The two acquire indexes
-- still order by (last_leased_at_ms, seq). One entry fewer per acquire, heartbeat, release.
drop index if exists {{schema}}.credentials_seq_key;

-- pruneEvents takes the oldest events of a category. Lease events are nearly all events,
-- so their oldest come from events_time_idx in order; only the rare admin events need an
-- index of their own, and a partial one is never touched by a lease event. One entry
-- fewer per lease event (two per cycle).
drop index if exists {{schema}}.events_category_time_idx;
create index events_admin_time_idx on {{schema}}.events (occurred_at_ms, event_seq)
  where category = 'admin';
