-- release: free one resource key only while the caller's owner token still holds its lock.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  new lifetime in whole seconds; "" = keep the entry's expiry, "0" = never expires
-- ARGV[3]  resource key
-- ARGV[4]  owner token the lease was allocated with
-- Returns  1 when the lease was ours and is now freed, 0 when it was lost (expired, freed, or
--          re-allocated to another holder, whose lease is left intact: F3).

-- @include pool

local item = ARGV[3]
local lockKey = lockPrefix .. item
if rcall('GET', lockKey) ~= ARGV[4] then return 0 end
rcall('DEL', lockKey)
local newExpiry
if ARGV[2] ~= '' then newExpiry = expiryIn(tonumber(ARGV[2])) end
returnToFreeList({ item }, newExpiry)
return 1
