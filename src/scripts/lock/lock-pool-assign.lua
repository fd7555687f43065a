-- lock-pool-assign: atomically replace a lock pool's membership set with the given keys.
-- SADD runs in batches, so any number of keys fits (a single unpack() fails above ~8000).
--
-- KEYS[1]  the membership set "P|S|pool"
-- ARGV[1..] the new members (at least one); lock keys of removed members are left untouched
-- Returns  the number of members after the call.

local rcall = redis.call
local poolKey = KEYS[1]
local BATCH = 1000

rcall('DEL', poolKey)
for first = 1, #ARGV, BATCH do
  local last = math.min(first + BATCH - 1, #ARGV)
  rcall('SADD', poolKey, unpack(ARGV, first, last))
end
return rcall('SCARD', poolKey)
