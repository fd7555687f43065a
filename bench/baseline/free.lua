-- free: administrative, unconditional free of resource keys (the spec's free_keys).
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  new lifetime in whole seconds for the freed entries; "" = keep each entry's expiry
--          (F11), "0" = never expires
-- ARGV[3..] resource keys
-- Returns  the number of keys put back on the free list.
--
-- Each key's lock is deleted whoever holds it; only allocated pool members return to the free
-- list (a free node that held a lock just loses the lock: F2; a key evicted from the pool stays out).

-- @include pool

local newExpiry
if ARGV[2] ~= '' then newExpiry = expiryIn(tonumber(ARGV[2])) end
local returned = 0
for i = 3, #ARGV do
  local item = ARGV[i]
  rcall('DEL', lockPrefix .. item)
  returned = returned + returnToFreeList(item, newExpiry)
end
return returned
