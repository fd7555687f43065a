-- rlock: re-entrant lock. Acquires the lock when it is free, or re-enters it when it already
-- holds exactly the caller's value; either way the lock is (re)written with the new TTL.
--
-- KEYS[1]  the lock key "P|S:<key>"
-- ARGV[1]  the caller's lock value
-- ARGV[2]  TTL in milliseconds; "0" = no expiry
-- Returns  1 when acquired or re-entered (TTL refreshed), 0 when held with another value.

local rcall = redis.call
local lockKey = KEYS[1]
local value = ARGV[1]
local ttlMs = tonumber(ARGV[2])

local current = rcall('GET', lockKey)
if current ~= false and current ~= value then return 0 end

if ttlMs > 0 then
  rcall('SET', lockKey, value, 'PX', ARGV[2]) -- text: see pool.lua int()
else
  rcall('SET', lockKey, value)
end
return 1
