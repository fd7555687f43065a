-- cancel: a waiter gives up (wait ran out, signal aborted, allocator closed): leave nothing behind.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  GC cursor    KEYS[5]  GC gate         (unused here; the allocator passes one key list)
-- ARGV[1]  lock-key prefix "P|S:"; the queue keys derive from it (pool.lua header): waiter queue
--          "P|S|pool|waiters", ticket data "P|S|pool|tickets", mailbox "P|S|pool|mailbox:<instance>",
--          deadline index "P|S|pool|deadlines" (a released hand-off leaves it)
-- ARGV[2]  ticket id "<instance>:<n>"
-- ARGV[3]  instance id (whose mailbox may already hold the hand-off)
-- ARGV[4]  the ticket's owner token ("" for a shared-mode waiter)
-- Returns  1 when the ticket was still queued and is now gone;
--          2 when the key had already been handed over and was still in the mailbox: the message
--            is removed and the key released again, to the next waiter first;
--          0 when neither: the instance's mailbox loop has already read the hand-off (it releases
--            keys of tickets nobody waits for), or the ticket was dropped as dead.

-- @include pool

local poolBase = string.sub(lockPrefix, 1, -2)
local waitersKey, ticketsKey = poolBase .. '|pool|waiters', poolBase .. '|pool|tickets'

local ticket, token = ARGV[2], ARGV[4]
-- The ticket's data is its queue member (pool.lua handOff).
local entry = rcall('HGET', ticketsKey, ticket)
if entry then
  rcall('ZREM', waitersKey, entry)
  rcall('HDEL', ticketsKey, ticket)
  return 1
end
local mailbox = poolBase .. '|pool|mailbox:' .. ARGV[3]
-- Messages are "<ticket>|<fence>|<token>|<key>" (pool.lua handOff).
local prefix = ticket .. '|'
for _, message in ipairs(rcall('LRANGE', mailbox, 0, -1)) do
  if string.sub(message, 1, #prefix) == prefix then
    local bar = string.find(message, '|', #prefix + 1, true)
    local fence, rest = string.sub(message, #prefix + 1, bar - 1), string.sub(message, bar + 1)
    if string.sub(rest, 1, #token + 1) == token .. '|' then
      rcall('LREM', mailbox, 1, message)
      local item = string.sub(rest, #token + 2)
      if token ~= '' and rcall('GET', lockPrefix .. item) == token .. '@' .. fence then
        rcall('DEL', lockPrefix .. item)
        rcall('ZREM', poolBase .. '|pool|deadlines', item)
        returnToFreeList({ item }, nil, true)
      end
      return 2
    end
  end
end
return 0
