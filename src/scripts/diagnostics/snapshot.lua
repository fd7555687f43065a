-- snapshot: the whole pool state in one atomic read (for the invariant checker and diagnostics).
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- ARGV[1]  lock-key prefix "P|S:"
-- Returns  { head, tail, serverSeconds, serverMicroseconds, entries } where entries is the flat
--          list key1, value1, lockPttl1, key2, … and lockPttl is the lock's PTTL in milliseconds
--          (-2 = no lock, -1 = lock without expiry). Read-only; O(pool).

local rcall = redis.call
local lockPrefix = ARGV[1]
local time = rcall('TIME')
local head = rcall('GET', KEYS[2]) or ''
local tail = rcall('GET', KEYS[3]) or ''
local all = rcall('HGETALL', KEYS[1])
local entries = {}
for i = 1, #all, 2 do
  entries[#entries + 1] = all[i]
  entries[#entries + 1] = all[i + 1]
  entries[#entries + 1] = rcall('PTTL', lockPrefix .. all[i])
end
return { head, tail, time[1], time[2], entries }
