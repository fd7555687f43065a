-- renew: extend a lease only while the caller's owner token still holds the lock (F4).
--
-- KEYS[1]  the allocation lock key "P|S:<key>"
-- KEYS[2]  deadline index of the pool (sorted set, score = Unix ms at which a key's lock ends)
-- ARGV[1]  owner token the lease was allocated with
-- ARGV[2]  new TTL in milliseconds, "0" = no expiry
-- ARGV[3]  resource key (the deadline index member)
-- Returns  1 when renewed; 0 when the lock is gone (expired or freed); -1 when another value holds
--          it (taken). A lost lease is neither re-created nor touched.

local rcall = redis.call
local lockKey = KEYS[1]
local value = rcall('GET', lockKey)
if value ~= ARGV[1] then
  if value then return -1 end
  return 0
end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  -- Text arguments: Redis formats a Lua number argument with "%.17g" (libc float formatting).
  rcall('PEXPIRE', lockKey, ARGV[2])
  local time = rcall('TIME')
  rcall('ZADD', KEYS[2], string.format('%d', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + ttl), ARGV[3])
else
  rcall('PERSIST', lockKey)
  rcall('ZREM', KEYS[2], ARGV[3])
end
return 1
