-- renew: extend a lease only while the caller's owner token still holds the lock (F4).
--
-- KEYS[1]  the allocation lock key "P|S:<key>"
-- ARGV[1]  owner token the lease was allocated with
-- ARGV[2]  new TTL in milliseconds, "0" = no expiry
-- Returns  1 when renewed, 0 when the lease was lost (it is then neither re-created nor touched).

local lockKey = KEYS[1]
if redis.call('GET', lockKey) ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('PEXPIRE', lockKey, ttl)
else
  redis.call('PERSIST', lockKey)
end
return 1
