-- shrink: remove resource keys from the pool (unknown keys are skipped).
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2..] resource keys
-- Returns  the number of members removed.
--
-- Locks and soft bindings of removed keys stay (by design, as upstream): a holder keeps its lease,
-- and re-adding the key while that lease is live inserts it as allocated.

-- @include pool
-- @include pool-edit

local removed = 0
for i = 2, #ARGV do
  local item = ARGV[i]
  local value = rcall('HGET', poolKey, item)
  if value then
    removeMember(item, value)
    removed = removed + 1
  end
end
return removed
