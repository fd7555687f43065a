-- lab-call: keys=pool,head,tail,deadlines args=lockPrefix,lifetime,keys
-- EXPERIMENT (issue 10): free.lua of branch waiting (605adde), composed: every fence and deadline-index
-- command of that round (ZREM in release/free), the "before" of the lazy-deadline change.
-- free: administrative, unconditional free of resource keys (the spec's free_keys).
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  deadline index (sorted set, score = Unix ms at which a key's lock ends)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  new lifetime in whole seconds for the freed entries; "" = keep each entry's expiry
--          (F11), "0" = never expires
-- ARGV[3..] resource keys
-- Returns  the number of keys put back on the free list or handed to queued waiters (pool.lua
--          handOff: while the free list is empty, a returning key goes to the first live waiter).
--
-- Each key's lock is deleted whoever holds it; only allocated pool members return to the free
-- list (a free node that held a lock just loses the lock: F2; a key evicted from the pool stays out).
-- The keys leave the deadline index: nothing is left to return.
-- Any number of keys (the frees one allocator instance makes in the same tick are coalesced into
-- one call) costs the same six commands per 1000 keys: one DEL, one ZREM, then returnToFreeList's
-- four.

local rcall = redis.call
local poolKey, headKey, tailKey = KEYS[1], KEYS[2], KEYS[3]
local lockPrefix = ARGV[1]
local ALLOCATED = '#ALLOCATED'

-- String functions as locals: a global lookup plus a field lookup per use otherwise.
local find, sub = string.find, string.sub

-- The value of an allocated entry is this prefix followed by its expiry.
local ALLOCATED_PREFIX = '#ALLOCATED||#ALLOCATED||'

-- Server time in whole seconds, read at most once per script call (only expiring entries need it).
local nowCache
local function now()
  if not nowCache then nowCache = tonumber(rcall('TIME')[1]) end
  return nowCache
end

-- Expiry for a lifetime in whole seconds (0 = never).
local function expiryIn(lifetime)
  if lifetime > 0 then return tostring(now() + lifetime) end
  return '-1'
end

-- THE hand-off: a key that comes back (release, free, GC reclaim, extend/assign) is offered here
-- to the first live waiter before the free list, so no newcomer can take it first. Waiters queue
-- only while the free list is empty, so callers ask only when it is (the uncontended path pays
-- nothing). Queue: sorted set "P|S|pool|waiters", member "<15-digit arrival>|<ticket>", score
-- -priority; ticket data in hash "P|S|pool|tickets": "<arrival>|<instance>|<token>|<ttlMs>|
-- <bindTtlMs>|<name>" (token "" = a shared-mode waiter). Tickets of dead instances (liveness key
-- "P|S|pool|alive:<instance>" gone) are dropped on the way. An exclusive waiter gets the key locked
-- with its token and TTL, kept allocated with `expiry`, its binding re-pointed: then true. It is an
-- exclusive allocation like malloc's, so it takes the next fence (INCR "P|S|pool|fence") and
-- records the lock's deadline in "P|S|pool|deadlines" (none without a TTL: as scheduleReturn). Shared-
-- mode waiters all get the key (fence 0), which still goes to the free list: false. Delivery:
-- "<ticket>|<fence>|<token>|<key>" pushed to the instance's mailbox "P|S|pool|mailbox:<instance>".
local function handOff(item, expiry)
  local base = sub(lockPrefix, 1, -2)
  local waitersKey, ticketsKey = base .. '|pool|waiters', base .. '|pool|tickets'
  while true do
    local first = rcall('ZPOPMIN', waitersKey)[1]
    if not first then return false end
    local ticket = sub(first, 17)
    local data = rcall('HGET', ticketsKey, ticket)
    rcall('HDEL', ticketsKey, ticket)
    local instance, token, ttl, bindTtl, name
    if data then
      instance, token, ttl, bindTtl, name = string.match(data, '^%d+|([^|]*)|([^|]*)|(%d+)|(%d+)|(.*)$')
    end
    if instance and rcall('EXISTS', base .. '|pool|alive:' .. instance) == 1 then
      ttl, bindTtl = tonumber(ttl), tonumber(bindTtl)
      local fence = 0
      if token ~= '' then
        if ttl > 0 then
          rcall('SET', lockPrefix .. item, token, 'PX', ttl)
          local time = rcall('TIME')
          local at = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + ttl
          rcall('ZADD', base .. '|pool|deadlines', at, item)
        else
          rcall('SET', lockPrefix .. item, token)
          rcall('ZREM', base .. '|pool|deadlines', item) -- a lock without expiry has no deadline
        end
        rcall('HSET', poolKey, item, ALLOCATED_PREFIX .. expiry)
        fence = rcall('INCR', base .. '|pool|fence')
      end
      if name ~= '' then
        local bindKey = base .. '-cache:bind:' .. name
        if bindTtl > 0 then
          rcall('SET', bindKey, item, 'PX', bindTtl)
        else
          rcall('SET', bindKey, item)
        end
      end
      local mailbox = base .. '|pool|mailbox:' .. instance
      rcall('RPUSH', mailbox, ticket .. '|' .. fence .. '|' .. token .. '|' .. item)
      rcall('PEXPIRE', mailbox, 60000) -- outlives a dead instance by a minute at most
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
local function returnToFreeList(items, newExpiry, offer)
  local tail = rcall('GET', tailKey) or ''
  local handed = 0
  if offer and tail == '' then
    local current = rcall('HMGET', poolKey, unpack(items))
    local i = 1
    while i <= #items do
      local value = current[i]
      if value and sub(value, 1, 24) == ALLOCATED_PREFIX then
        if not handOff(items[i], newExpiry or sub(value, 25)) then break end
        handed = handed + 1
      end
      i = i + 1
    end
    if i > #items then return handed end
    items = { unpack(items, i) }
  end
  -- values[1]: the old tail's entry (none for "": keys are never empty); values[i + 1]: items[i]'s.
  local values = rcall('HMGET', poolKey, tail, unpack(items))
  -- One pass: an entry pushed back is written once the next one (or the end) is known.
  local writes, count, first, pending, pendingPrev, pendingExpiry = {}, 0, nil, nil, nil, nil
  for i = 1, #items do
    local value = values[i + 1]
    if value and sub(value, 1, 24) == ALLOCATED_PREFIX then
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

-- Keys go in chunks: unpack() of one huge list would overflow Lua's C stack.
local CHUNK = 1000
local newExpiry
if ARGV[2] ~= '' then newExpiry = expiryIn(tonumber(ARGV[2])) end
local returned = 0
local seen = {}
for start = 3, #ARGV, CHUNK do
  local locks, items = {}, {}
  for i = start, math.min(#ARGV, start + CHUNK - 1) do
    local item = ARGV[i]
    locks[#locks + 1] = lockPrefix .. item
    if not seen[item] then
      seen[item] = true
      items[#items + 1] = item
    end
  end
  rcall('DEL', unpack(locks))
  if #items > 0 then
    rcall('ZREM', KEYS[4], unpack(items))
    returned = returned + returnToFreeList(items, newExpiry, true)
  end
end
return returned
