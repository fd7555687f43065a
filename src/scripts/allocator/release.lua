-- release: free one resource key only while the caller's owner token still holds its lock.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (unused here)    KEYS[5]  GC gate (unused here)
-- KEYS[6]  fence counter (unused here)
-- KEYS[7]  deadline index (sorted set, score = Unix ms at which a key's lock ends)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  new lifetime in whole seconds; "" = keep the entry's expiry, "0" = never expires
-- ARGV[3]  resource key
-- ARGV[4]  owner token the lease was allocated with
-- ARGV[5]  cooldown in milliseconds, "0" = none: the key then rests under a "#cooldown" lock for
--          that long, off the free list, and the deadline pop returns it when the rest ends
-- Returns  1 when the lease was ours and is now freed (or cooling), 0 when it was lost (expired,
--          freed, or re-allocated to another holder, whose lease is left intact: F3).

-- @include pool

local item = ARGV[3]
local lockKey = lockPrefix .. item
if rcall('GET', lockKey) ~= ARGV[4] then return 0 end
local cooldown = tonumber(ARGV[5])
local newExpiry
if ARGV[2] ~= '' then newExpiry = expiryIn(tonumber(ARGV[2])) end
if cooldown > 0 then
  rcall('SET', lockKey, COOLING, 'PX', cooldown)
  scheduleReturn(item, cooldown)
  if newExpiry then
    local value = rcall('HGET', poolKey, item)
    if value then
      local prev, nxt = decode(value)
      rcall('HSET', poolKey, item, encode(prev, nxt, newExpiry))
    end
  end
  return 1
end
rcall('DEL', lockKey)
rcall('ZREM', KEYS[7], item)
returnToFreeList(item, newExpiry)
return 1
