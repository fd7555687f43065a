-- renew-leases: the keep-alive batch — renew many leases of one pool in one call, each only while
-- its owner token still holds the lock (F4). A lost lease is neither re-created nor touched.
--
-- KEYS[1]  deadline index of the pool (sorted set, score = Unix ms at which a key's lock ends)
-- ARGV[1]  lock-key prefix "P|S:"; the lock of key k is ARGV[1]..k (same hash slot as KEYS[1])
-- ARGV[2..] triples: resource key, owner token, new TTL in milliseconds (> 0)
-- Returns  one code per triple, in order: 1 renewed; 0 the lock is gone (expired or freed);
--          -1 another value holds it (taken by another holder, cooling, quarantined).

local rcall = redis.call
local deadlines = KEYS[1]
local lockPrefix = ARGV[1]
local time = rcall('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local codes = {}
for i = 2, #ARGV, 3 do
  local item, token, ttl = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local lockKey = lockPrefix .. item
  local value = rcall('GET', lockKey)
  if value == token then
    -- Text arguments: Redis formats a Lua number argument with "%.17g" (libc float formatting).
    rcall('PEXPIRE', lockKey, ttl)
    rcall('ZADD', deadlines, string.format('%d', nowMs + ttl), item)
    codes[#codes + 1] = 1
  elseif value then
    codes[#codes + 1] = -1
  else
    codes[#codes + 1] = 0
  end
end
return codes
