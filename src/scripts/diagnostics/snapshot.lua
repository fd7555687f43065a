-- snapshot: the whole pool state in one atomic read (for the invariant checker and diagnostics),
-- or one chunk of it (HSCAN) when a whole read would block the server too long.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  waiter queue (sorted set; optional)    KEYS[5]  ticket data (hash; optional)
-- KEYS[6]  fence counter (string; optional, with KEYS[4..5])
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  "1" = also return each lock's value (the holder's token); absent or "0" = not
-- ARGV[3]  optional HSCAN cursor: read one chunk from it instead of the whole hash
-- ARGV[4]  with ARGV[3]: the HSCAN COUNT hint (entries per chunk)
-- ARGV[5..] with KEYS[4..5]: allocator instance ids whose mailboxes to read besides those named by
--          queued tickets (ARGV[3] is then "" in a whole read)
-- Returns  { head, tail, serverSeconds, serverMicroseconds, entries[, nextCursor] } where entries
--          is the flat list key1, value1, lockPttl1, [lockValue1,] key2, … and lockPttl is the
--          lock's PTTL in milliseconds (-2 = no lock, -1 = lock without expiry); lockValue is ""
--          when there is no lock or the lock key is not a string (the pttl tells the cases apart).
--          nextCursor ("0" = done) only in chunk mode. Read-only; O(pool), or O(chunk).
--          With KEYS[4..5] (DESIGN.md §10), four more: { …, nextCursor or nil, queue, tickets,
--          mailboxes, lockValues }: queue the flat list member1, score1, …; tickets the flat list
--          ticket1, data1, …; mailboxes the flat list instance1, {message, …}, …; lockValues the
--          lock value of each entry read, in order ("" = none), only while someone waits or a
--          hand-off is undelivered (else empty). O(pool + waiters).
--          With KEYS[6], an eleventh: the fence counter's value (false when never set).

local rcall = redis.call
local lockPrefix = ARGV[1]
local withValues = ARGV[2] == '1'
local time = rcall('TIME')
local head = rcall('GET', KEYS[2]) or ''
local tail = rcall('GET', KEYS[3]) or ''
local all, nextCursor
if ARGV[3] and ARGV[3] ~= '' then
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
if not (KEYS[4] and KEYS[5]) then return { head, tail, time[1], time[2], entries, nextCursor } end

local queue = rcall('ZRANGE', KEYS[4], 0, -1, 'WITHSCORES')
local tickets = rcall('HGETALL', KEYS[5])
-- Mailboxes derive from the lock prefix ("P|S:" -> "P|S|pool|mailbox:<instance>").
local mailboxPrefix = string.sub(lockPrefix, 1, -2) .. '|pool|mailbox:'
local mailboxes, seen = {}, {}
local function readMailbox(instance)
  if seen[instance] then return end
  seen[instance] = true
  mailboxes[#mailboxes + 1] = instance
  mailboxes[#mailboxes + 1] = rcall('LRANGE', mailboxPrefix .. instance, 0, -1)
end
for i = 2, #tickets, 2 do
  -- Ticket entries: "<arrival>|<ticket>|<instance>|…" (pool.lua handOff).
  local instance = string.match(tickets[i], '^%d+|[^|]*|([^|]*)|')
  if instance then readMailbox(instance) end
end
for i = 5, #ARGV do readMailbox(ARGV[i]) end
-- Lock values only matter next to waiters (a queued ticket holds no lock) or hand-offs.
local lockValues = {}
local waiting = #queue > 0
for i = 2, #mailboxes, 2 do waiting = waiting or #mailboxes[i] > 0 end
if waiting then
  for i = 1, #all, 2 do lockValues[#lockValues + 1] = rcall('GET', lockPrefix .. all[i]) or '' end
end
local fence = false
if KEYS[6] then fence = rcall('GET', KEYS[6]) end
return { head, tail, time[1], time[2], entries, nextCursor or false, queue, tickets, mailboxes, lockValues, fence }
