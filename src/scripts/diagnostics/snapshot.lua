-- snapshot: the whole pool state in one atomic read (for the invariant checker and diagnostics),
-- or one chunk of it (HSCAN) when a whole read would block the server too long.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  "1" = also return each lock's value (the holder's token); absent or "0" = not
-- ARGV[3]  optional HSCAN cursor: read one chunk from it instead of the whole hash
-- ARGV[4]  with ARGV[3]: the HSCAN COUNT hint (entries per chunk)
-- Returns  { head, tail, serverSeconds, serverMicroseconds, entries[, nextCursor] } where entries
--          is the flat list key1, value1, lockPttl1, [lockValue1,] key2, … and lockPttl is the
--          lock's PTTL in milliseconds (-2 = no lock, -1 = lock without expiry); lockValue is ""
--          when there is no lock or the lock key is not a string (the pttl tells the cases apart).
--          nextCursor ("0" = done) only in chunk mode. Read-only; O(pool), or O(chunk).

local rcall = redis.call
local lockPrefix = ARGV[1]
local withValues = ARGV[2] == '1'
local time = rcall('TIME')
local head = rcall('GET', KEYS[2]) or ''
local tail = rcall('GET', KEYS[3]) or ''
local all, nextCursor
if ARGV[3] then
  local scan = rcall('HSCAN', KEYS[1], ARGV[3], 'COUNT', ARGV[4])
  nextCursor, all = scan[1], scan[2]
else
  all = rcall('HGETALL', KEYS[1])
end
local entries = {}
local n = 0
for i = 1, #all, 2 do
  local lockKey = lockPrefix .. all[i]
  local pttl = rcall('PTTL', lockKey)
  entries[n + 1] = all[i]
  entries[n + 2] = all[i + 1]
  entries[n + 3] = pttl
  n = n + 3
  if withValues then
    local value = ''
    if pttl ~= -2 then
      -- pcall: a stray key of another type under the lock name must not fail the whole read.
      value = redis.pcall('GET', lockKey)
      if type(value) ~= 'string' then value = '' end
    end
    entries[n + 1] = value
    n = n + 1
  end
end
return { head, tail, time[1], time[2], entries, nextCursor }
