-- free-list: the free list from head to tail, read-only.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- ARGV[1]  lock-key prefix "P|S:" (unused; part of the shared calling convention)
-- Returns  the keys on the free list in allocation order. The walk stops after HLEN steps, at a
--          missing entry or an allocated marker, so a damaged list cannot loop forever.

-- @include pool
-- @include pool-edit

local result = {}
local limit = rcall('HLEN', poolKey)
local item = rcall('GET', headKey)
while item and item ~= '' and #result < limit do
  local value = rcall('HGET', poolKey, item)
  if not value then break end
  local prev, nxt = decode(value)
  if prev == ALLOCATED then break end
  result[#result + 1] = item
  item = nxt
end
return result
