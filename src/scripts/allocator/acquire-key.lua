-- acquire-key: lease one specific pool member (health checks check keys out this way).
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  fence counter: INCR'd once per exclusive allocation
-- KEYS[5]  deadline index (sorted set, score = Unix ms at which a key's lock ends)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  lock TTL in milliseconds, "0" = no expiry
-- ARGV[3]  owner token; the lock value is "<token>@<fence>"
-- ARGV[4]  resource key
-- Returns  the lease's fence (> 0) when the key is now ours (locked, off the free list), 0 when it
--          is not a member, has expired, or is held by someone else (whose lease is left alone).

-- @include pool
-- @include pool-edit

local item = ARGV[4]
local value = rcall('HGET', poolKey, item)
if not value then return 0 end
local prev, nxt, expiry = decode(value)
if isExpired(expiry) then return 0 end
local ttl = tonumber(ARGV[2])
if rcall('EXISTS', lockPrefix .. item) == 1 then return 0 end
local fence = rcall('INCR', KEYS[4])
if ttl > 0 then
  rcall('SET', lockPrefix .. item, ARGV[3] .. '@' .. fence, 'PX', ttl)
else
  rcall('SET', lockPrefix .. item, ARGV[3] .. '@' .. fence)
end
takeMember(item, prev, nxt, expiry)
scheduleReturn(KEYS[5], { item }, ttl)
return fence
