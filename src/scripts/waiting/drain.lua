-- drain: the once-a-second step of an allocator instance that has waiters (DESIGN.md §10).
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (HSCAN cursor of the incremental GC)
-- KEYS[5]  GC gate (unused here)
-- ARGV[1]  lock-key prefix "P|S:"; the queue keys derive from it (pool.lua header): ticket data
--          "P|S|pool|tickets", liveness "P|S|pool|alive:<instance>", mailbox "P|S|pool|mailbox:<instance>"
-- ARGV[2]  instance id
-- ARGV[3]  liveness TTL of the instance in milliseconds
-- ARGV[4]  GC step size (> 0)
-- ARGV[5..] ticket ids this instance believes queued
-- Returns  the ticket ids of ARGV[5..] that are neither queued nor in the mailbox: they were
--          dropped as dead while the process stalled, and must queue again.
--
-- Keeps the instance alive, returns up to 100 keys whose deadline passed (ended leases and
-- cooldowns, from the deadline index "P|S|pool|deadlines"), runs one GC step (both go to waiters
-- first) and hands free keys to queued waiters: this catches keys that came back without a
-- hand-off (a lease that ran out, a Python process's free) within about a second.

-- @include pool
-- @include pool-edit

local poolBase = string.sub(lockPrefix, 1, -2)
local ticketsKey = poolBase .. '|pool|tickets'

local instance = ARGV[2]
rcall('SET', poolBase .. '|pool|alive:' .. instance, '1', 'PX', ARGV[3])
returnDue(poolBase .. '|pool|deadlines', 100)
gcStep(KEYS[4], tonumber(ARGV[4]))
serveQueue()

local lost = {}
local delivered
for i = 5, #ARGV do
  local ticket = ARGV[i]
  if rcall('HEXISTS', ticketsKey, ticket) == 0 then
    if not delivered then
      delivered = {}
      for _, message in ipairs(rcall('LRANGE', poolBase .. '|pool|mailbox:' .. instance, 0, -1)) do
        delivered[string.sub(message, 1, string.find(message, '|', 1, true) - 1)] = true
      end
    end
    if not delivered[ticket] then lost[#lost + 1] = ticket end
  end
end
return lost
