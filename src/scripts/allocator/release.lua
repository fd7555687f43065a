-- release: free one resource key only while the caller's owner token still holds its lock.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  deadline index (sorted set, score = Unix ms at which a key's lock ends)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  new lifetime in whole seconds; "" = keep the entry's expiry, "0" = never expires
-- ARGV[3]  resource key
-- ARGV[4]  owner token the lease was allocated with
-- ARGV[5]  cooldown in milliseconds; absent or "0" = none. With a cooldown the key rests under a
--          "#cooldown" lock for that long, still allocated, and the deadline pop returns it.
-- Returns  1 when the lease was ours and is now freed (or resting), 0 when it was lost (expired,
--          freed, or re-allocated to another holder, whose lease is left intact: F3).

-- @include pool

local item = ARGV[3]
local lockKey = lockPrefix .. item
if rcall('GET', lockKey) ~= ARGV[4] then return 0 end
local newExpiry
if ARGV[2] ~= '' then newExpiry = expiryIn(tonumber(ARGV[2])) end
local cooldown = tonumber(ARGV[5] or '0')
if cooldown > 0 then
  rcall('SET', lockKey, COOLING, 'PX', cooldown)
  scheduleReturn(KEYS[4], { item }, cooldown)
  if newExpiry then
    -- The entry stays allocated; only its lifetime changes.
    local value = rcall('HGET', poolKey, item)
    if value and sub(value, 1, 24) == ALLOCATED_PREFIX then
      rcall('HSET', poolKey, item, ALLOCATED_PREFIX .. newExpiry)
    end
  end
  return 1
end
rcall('DEL', lockKey)
rcall('ZREM', KEYS[4], item)
returnToFreeList({ item }, newExpiry)
return 1
