-- snapshot: the whole pool state in one atomic read (for the invariant checker and diagnostics).
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  waiter queue (sorted set; optional)    KEYS[5]  ticket data (hash; optional)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2..] allocator instance ids whose mailboxes to read, besides those named by queued tickets
-- Returns  { head, tail, serverSeconds, serverMicroseconds, entries, queue, tickets, mailboxes,
--          lockValues }
--          where entries is the flat list key1, value1, lockPttl1, key2, … and lockPttl is the
--          lock's PTTL in milliseconds (-2 = no lock, -1 = lock without expiry); queue the flat
--          list member1, score1, …; tickets the flat list ticket1, data1, …; mailboxes the flat
--          list instance1, {message, …}, …; lockValues the lock value of each entry, in entry
--          order ("" = no lock), read only when someone waits or a hand-off is undelivered.
--          Read-only; O(pool + waiters).

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
local queue, tickets, mailboxes = {}, {}, {}
if KEYS[4] and KEYS[5] then
  queue = rcall('ZRANGE', KEYS[4], 0, -1, 'WITHSCORES')
  tickets = rcall('HGETALL', KEYS[5])
  -- Mailboxes derive from the lock prefix ("P|S:" -> "P|S|pool|mailbox:<instance>").
  local mailboxPrefix = string.sub(lockPrefix, 1, -2) .. '|pool|mailbox:'
  local seen = {}
  local function readMailbox(instance)
    if seen[instance] then return end
    seen[instance] = true
    mailboxes[#mailboxes + 1] = instance
    mailboxes[#mailboxes + 1] = rcall('LRANGE', mailboxPrefix .. instance, 0, -1)
  end
  for i = 2, #tickets, 2 do
    local instance = string.match(tickets[i], '^%d+|([^|]*)|')
    if instance then readMailbox(instance) end
  end
  for i = 2, #ARGV do readMailbox(ARGV[i]) end
end
-- Lock values only matter next to waiters (a queued ticket must hold no lock) or hand-offs.
local lockValues = {}
local waiting = #queue > 0
for i = 2, #mailboxes, 2 do waiting = waiting or #mailboxes[i] > 0 end
if waiting then
  for i = 1, #all, 2 do lockValues[#lockValues + 1] = rcall('GET', lockPrefix .. all[i]) or '' end
end
return { head, tail, time[1], time[2], entries, queue, tickets, mailboxes, lockValues }
