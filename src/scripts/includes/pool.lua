-- Shared free-list primitives of an allocator pool: the part every hot script (malloc, free,
-- release) runs. The helpers that edit the list in other ways are in pool-edit.lua.
--
-- Every including script declares the same leading keys and first argument:
--   KEYS[1]  pool hash     field = resource key, value = "prev||next||expiry"
--   KEYS[2]  head pointer  resource key at the head of the free list, "" when empty
--   KEYS[3]  tail pointer  resource key at the tail of the free list, "" when empty
--   ARGV[1]  lock-key prefix ("P|S:"); the allocation lock of key k is ARGV[1]..k
--
-- The waiter queue (DESIGN.md §10) is not in KEYS: its keys derive from ARGV[1] ("P|S:" ->
-- "P|S|pool|waiters", "P|S|pool|tickets", "P|S|pool|mailbox:<instance>",
-- "P|S|pool|alive:<instance>", bindings "P|S-cache:bind:<name>"; a hand-off also writes the fence
-- counter "P|S|pool|fence" and the deadline index "P|S|pool|deadlines"), so they carry the pool's
-- prefix and hash tag, and the hot path passes nothing for them.
--

-- The lock of an exclusive allocation holds "<token>@<fence>": the owner token the client made
-- (`<holder>:<random>`, no "@" after its last ":") and the fence the script gave it, so diagnostics
-- can show each lease's fence; clients compare and renew with the whole value.
--
-- A free node has real neighbours (or "") in prev/next; an allocated entry ("member, not on the
-- free list") has "#ALLOCATED" in both. expiry is absolute Unix seconds from Redis TIME, or -1.
-- Keys never contain "||" nor start or end with "|" (validated by the client), so the first two
-- separators are always the field boundaries.
--
-- Each paragraph defines one helper. The loader includes only the paragraphs a script uses
-- (directly or through other helpers, across both include files). Redis re-creates every local
-- function on every call (measured: about 0.08 µs each, closures and their garbage), so the hot
-- helpers here are self-contained: one closure per call, not a chain of small ones.

local rcall = redis.call
local poolKey, headKey, tailKey = KEYS[1], KEYS[2], KEYS[3]
local lockPrefix = ARGV[1]
local ALLOCATED = '#ALLOCATED'

-- String functions as locals: a global lookup plus a field lookup per use otherwise.
-- Whole numbers become text through format('%d', n): Redis 7.0 turns a Lua number argument of
-- redis.call into text with "%.17g", and Lua's `..` and tostring use "%.14g", both through libc's
-- float formatting (measured: about 2 000 instructions each), where "%d" takes the integer path.
-- Arguments that arrive as text (ARGV) are passed on as text for the same reason.
local find, sub, format = string.find, string.sub, string.format

-- The value of an allocated entry is this prefix followed by its expiry.
local ALLOCATED_PREFIX = '#ALLOCATED||#ALLOCATED||'

-- Server time in whole seconds, read at most once per script call (only expiring entries need it).
-- The same TIME reply also gives nowMs (Unix ms, valid after a call to now()): a script that needs
-- both (an expiring entry and a deadline) pays one TIME, not two.
local nowCache, nowMs
local function now()
  if not nowCache then
    local time = rcall('TIME')
    nowCache = tonumber(time[1])
    nowMs = nowCache * 1000 + math.floor(tonumber(time[2]) / 1000)
  end
  return nowCache
end

-- The lock value of a key resting after `release({ cooldown })`: a lock that names no holder, so
-- diagnostics tell a cooling key from a held one and Python peers (which test existence) skip it.
local COOLING = '#cooldown'

-- Records in the deadline index (sorted set deadlinesKey, score = Unix ms at which a key's lock
-- ends) that the locks of items end ttlMs from now, in one ZADD, so the deadline pop returns them
-- promptly; a lock without expiry (ttlMs 0) has no deadline. The index only speeds up GC and is
-- kept lazily: release and free do not remove their keys (ZADD overwrites, so it holds at most one
-- member per key), and the pop drops or re-scores an entry whose key is free or whose lock now
-- ends later (pool-edit.lua returnDue). fromMs: the server time in Unix ms to count from, when the
-- caller has it without a TIME call (malloc: the client's estimate); nil = read TIME.
local function scheduleReturn(deadlinesKey, items, ttlMs, fromMs)
  if ttlMs > 0 then
    if not fromMs then
      now()
      fromMs = nowMs
    end
    -- One string for every member: redis.call would format a number score once per member.
    local at = format('%d', fromMs + ttlMs)
    local args = {}
    for i = 1, #items do
      args[2 * i - 1] = at
      args[2 * i] = items[i]
    end
    rcall('ZADD', deadlinesKey, unpack(args))
  else
    rcall('ZREM', deadlinesKey, unpack(items))
  end
end

-- Expiry for a lifetime in whole seconds (0 = never).
local function expiryIn(lifetime)
  if lifetime > 0 then return format('%d', now() + lifetime) end
  return '-1'
end

-- Local delivery (release.lua sets these): a hand-off to a ticket of the releasing instance itself
-- goes back in the release reply instead of through that instance's mailbox, which saves the
-- mailbox write and the blocking read it would wake. localInstance: that instance's id (nil: every
-- hand-off is posted); delivered: the messages kept for the reply.
local localInstance, delivered

-- The client's estimate of the server time in Unix ms (redis-clock.ts), set by the including
-- script from its ARGV (nil: none sent). A hand-off's deadline counts from it instead of a TIME
-- call; it only orders the deadline index, never decides who holds a lock.
local clockMs

-- THE hand-off: a key that comes back (release, free, GC reclaim, extend/assign) is offered here
-- to the first live waiter before the free list, so no newcomer can take it first. Waiters queue
-- only while the free list is empty, so callers ask only when it is (the uncontended path pays
-- nothing). Queue: sorted set "P|S|pool|waiters", score -priority, member the ticket's entry
-- "<15-digit arrival>|<ticket>|<instance>|<token>|<ttlMs>|<bindTtlMs>|<queuedAtMs>|<name>" (token
-- "" = a shared-mode waiter; queuedAtMs the server time, as the client estimates it), so the pop
-- reads the ticket with no second call; hash "P|S|pool|tickets" holds the same entry under the
-- ticket id (cancel, diagnostics), and a popped entry whose ticket has no data there is stale.
-- Tickets of dead instances (liveness key "P|S|pool|alive:<instance>" gone) are dropped on the way. An exclusive waiter gets the key locked
-- with "<token>@<fence>" and its TTL, kept allocated with `expiry`, its binding re-pointed: then true. It is an
-- exclusive allocation like malloc's, so it takes the next fence (INCR "P|S|pool|fence") and
-- records the lock's deadline in "P|S|pool|deadlines" (none without a TTL: as scheduleReturn). Shared-
-- mode waiters all get the key (fence 0), which still goes to the free list: false. Delivery:
-- "<ticket>|<fence>|<token>|<key>" pushed to the instance's mailbox "P|S|pool|mailbox:<instance>"
-- (or kept in `delivered` for the releasing instance itself, see above).
-- `allocated`: the entry already reads "#ALLOCATED||#ALLOCATED||<expiry>" (a key released with its
-- expiry kept), so it is not written again (one call less per hand-off) and `expiry` may be nil.
local function handOff(item, expiry, allocated)
  local base = sub(lockPrefix, 1, -2)
  local waitersKey, ticketsKey = base .. '|pool|waiters', base .. '|pool|tickets'
  while true do
    local first = rcall('ZPOPMIN', waitersKey)[1]
    if not first then return false end
    -- Plain finds, not a pattern: string.match cost 7 kilo-instructions per hand-off (callgrind).
    local a = find(first, '|', 17, true)
    local b = a and find(first, '|', a + 1, true)
    local c = b and find(first, '|', b + 1, true)
    local d = c and find(first, '|', c + 1, true)
    local e = d and find(first, '|', d + 1, true)
    local f = e and find(first, '|', e + 1, true)
    local ticket = sub(first, 17, (a or 0) - 1)
    local instance, token, ttl, bindTtl
    local named = f and f < #first -- an unnamed entry ends with its last separator
    if rcall('HDEL', ticketsKey, ticket) == 1 and f then
      instance, token, ttl = sub(first, a + 1, b - 1), sub(first, b + 1, c - 1), sub(first, c + 1, d - 1)
      if named then bindTtl = sub(first, d + 1, e - 1) end
    end
    -- The releasing instance is alive: its own tickets need no liveness check.
    if instance and (instance == localInstance or rcall('EXISTS', base .. '|pool|alive:' .. instance) == 1) then
      -- ttl and bindTtl stay text for SET (see format above); "0" = no expiry.
      local fence = '0'
      if token ~= '' then
        fence = format('%d', rcall('INCR', base .. '|pool|fence'))
        if ttl ~= '0' then
          rcall('SET', lockPrefix .. item, token .. '@' .. fence, 'PX', ttl)
          local fromMs = clockMs
          if not fromMs then
            now()
            fromMs = nowMs
          end
          rcall('ZADD', base .. '|pool|deadlines', format('%d', fromMs + ttl), item)
        else
          rcall('SET', lockPrefix .. item, token .. '@' .. fence)
          rcall('ZREM', base .. '|pool|deadlines', item) -- a lock without expiry has no deadline
        end
        if not allocated then rcall('HSET', poolKey, item, ALLOCATED_PREFIX .. expiry) end
      end
      if named then
        local bindKey = base .. '-cache:bind:' .. sub(first, f + 1)
        if bindTtl ~= '0' then
          rcall('SET', bindKey, item, 'PX', bindTtl)
        else
          rcall('SET', bindKey, item)
        end
      end
      local message = ticket .. '|' .. fence .. '|' .. token .. '|' .. item
      if instance == localInstance then
        delivered[#delivered + 1] = message
      else
        local mailbox = base .. '|pool|mailbox:' .. instance
        -- A mailbox outlives a dead instance by a minute at most. The expiry is set when the push
        -- creates the list: a live reader empties it (deleting it) within a read or two.
        if rcall('RPUSH', mailbox, message) == 1 then rcall('PEXPIRE', mailbox, '60000') end
      end
      if token ~= '' then return true end
    end
  end
end

-- Returns allocated entries to the tail of the free list, in the given order (free, release,
-- shared-mode rotation). Free nodes are left alone (F2); entries keep their expiry unless
-- newExpiry is given (F11). items must be distinct. Returns the number pushed back. Calls for
-- any number of items: GET tail, one HMGET (the old tail and the entries), one HSET writing every
-- entry and the old tail, SET tail (+ SET head when the list was empty).
-- With `offer` (a key coming back, not a rotation) and an empty free list, the entries go to
-- queued waiters first (handOff), in order, until no waiter takes one; they count as pushed back.
-- heldLocks (release): the lock keys of items, still held by the caller. A hand-off overwrites its
-- key's lock; the others are deleted here, in one DEL (none when every key was handed over).
local function returnToFreeList(items, newExpiry, offer, heldLocks)
  local tail = rcall('GET', tailKey) or ''
  local handed = 0
  local rest = 1 -- items before this one are settled (handed over, or not pool members)
  if offer and tail == '' then
    local current = rcall('HMGET', poolKey, unpack(items))
    local locks = {}
    while rest <= #items do
      local value = current[rest]
      if value and find(value, ALLOCATED_PREFIX, 1, true) == 1 then
        -- An entry whose expiry is kept already reads allocated: the hand-off leaves it alone.
        if not handOff(items[rest], newExpiry, not newExpiry) then break end
        handed = handed + 1
      elseif heldLocks then
        locks[#locks + 1] = heldLocks[rest]
      end
      rest = rest + 1
    end
    if heldLocks then
      for i = rest, #items do locks[#locks + 1] = heldLocks[i] end
      if #locks > 0 then rcall('DEL', unpack(locks)) end
    end
    if rest > #items then return handed end
    items = { unpack(items, rest) }
  elseif heldLocks then
    rcall('DEL', unpack(heldLocks))
  end
  -- values[1]: the old tail's entry (none for "": keys are never empty); values[i + 1]: items[i]'s.
  local values = rcall('HMGET', poolKey, tail, unpack(items))
  -- One pass: an entry pushed back is written once the next one (or the end) is known.
  local writes, count, first, pending, pendingPrev, pendingExpiry = {}, 0, nil, nil, nil, nil
  for i = 1, #items do
    local value = values[i + 1]
    if value and find(value, ALLOCATED_PREFIX, 1, true) == 1 then
      local item = items[i]
      if pending then
        writes[#writes + 1] = pending
        writes[#writes + 1] = pendingPrev .. '||' .. item .. '||' .. pendingExpiry
      end
      count = count + 1
      first = first or item
      pendingPrev = pending or tail
      pending = item
      pendingExpiry = newExpiry or sub(value, 25)
    end
  end
  if count == 0 then return handed end
  writes[#writes + 1] = pending
  writes[#writes + 1] = pendingPrev .. '||||' .. pendingExpiry
  if tail == '' then
    rcall('SET', headKey, first)
  else
    -- The old tail keeps its prev and expiry; its next becomes the first entry pushed back.
    local tailValue = values[1]
    local a = find(tailValue, '||', 1, true)
    local b = find(tailValue, '||', a + 2, true)
    writes[#writes + 1] = tail
    writes[#writes + 1] = sub(tailValue, 1, a + 1) .. first .. sub(tailValue, b)
  end
  rcall('HSET', poolKey, unpack(writes))
  rcall('SET', tailKey, pending)
  return count + handed
end
