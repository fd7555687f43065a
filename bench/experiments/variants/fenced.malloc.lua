-- lab-call: keys=pool,head,tail,gcCursor,gcGate,fence,deadlines args=lockPrefix,shared,ttl,count,tokens
-- EXPERIMENT (issue 10): malloc.lua of branch waiting (605adde), composed: every fence and deadline-index
-- command of that round (ZREM in release/free), the "before" of the lazy-deadline change.
-- malloc: allocate resource keys (exclusive: lock each; shared: rotate one to the tail).
--
-- KEYS[1]  pool hash          KEYS[2]  head pointer     KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (HSCAN cursor of the incremental GC)
-- KEYS[5]  GC gate: while it exists, mallocs skip the GC step (SET NX PX, ARGV GC gate)
-- KEYS[6]  fence counter: INCRBY n once per call, one fence per exclusive allocation
-- KEYS[7]  deadline index (sorted set, score = Unix ms at which a key's lock ends)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  "1" shared mode, "0" exclusive mode
-- ARGV[3]  lock TTL in milliseconds, "0" = no expiry (exclusive mode only)
-- ARGV[4]  n, the number of owner tokens that follow (1, or more for coalesced exclusive
--          unnamed mallocs of one allocator instance)
-- ARGV[5..4+n]  owner tokens, one per caller in arrival order ("" in shared mode)
-- Then, optional (o = 4 + n):
-- ARGV[o+1]  GC step size folded into this call; absent or "0" = no GC (the policy folds GC in)
-- ARGV[o+2]  GC gate in milliseconds: at most one GC step per gate period across all callers;
--            absent or "0" = a GC step on every call (with a GC step size > 0)
-- ARGV[o+3]  soft-binding name; absent or "" = no binding (a name needs n = 1)
-- ARGV[o+4]  soft-binding key prefix "P|S-cache:bind:" (with a name)
-- ARGV[o+5]  soft-binding TTL in milliseconds, "0" = no expiry (with a name)
-- ARGV[o+6]  waiting only (n = 1): the ticket id "<instance>:<n>" to queue when no key is free
-- ARGV[o+7]  waiting only: the caller's allocator instance id (its mailbox gets the hand-off)
-- ARGV[o+8]  waiting only: queue score = -priority, a decimal integer
-- ARGV[o+9]  waiting only: liveness TTL of the instance in milliseconds
-- Returns  { fence, key1, key2, … }: the allocated keys in token order, the i-th locked with the
--          i-th token (FIFO across the callers) and fenced fence + i - 1; fewer than n keys (down
--          to none) when the free list ran out. fence is 0 in shared mode and when no key was given.
--          A waiting call that finds no key queues its ticket and returns 1 (not a list): the key
--          will arrive in the instance's mailbox "P|S|pool|mailbox:<instance>" as
--          "<ticket>|<fence>|<token>|<key>", fenced by the hand-off (pool.lua handOff).
--
-- Waiters first (DESIGN.md §10) at no cost to the common call: tickets queue only when the free
-- list is empty, and every key that comes back while it is empty is handed to the queue (pool.lua
-- handOff), so while anyone waits the free list stays empty and a newcomer finds nothing: it
-- queues behind them (waiting) or gets none. A named caller also skips its bound key while
-- waiters are queued. Keys that reach the free list without a hand-off (a Python process's free)
-- are handed to the queue by the drain script within about a second. The queue keys derive from
-- ARGV[1] (pool.lua header).
--
-- Trailing arguments are optional, so the common call (one caller, no GC, no name) sends five:
-- Redis builds the ARGV table on every call, and each element costs server time.
--
-- GC rule: with a GC step size > 0, a call that opens the gate first returns up to DUE_BATCH keys
-- whose deadline passed (the deadline index), then runs one GC step. A call whose free list runs
-- out before every caller has a key returns due keys and pops again, and with a GC step size > 0
-- also runs a GC step (for entries nobody indexed: Python peers) and pops again, so an exhausted
-- pool still reclaims ended leases.
--
-- Soft binding: a name's bound key is handed out again when it is still a member, not expired
-- (F7) and not held. While another holder (e.g. a second worker with the same name) holds it,
-- this call gets a different key and the binding keeps pointing at the held key. A binding to a
-- key that left the pool, expired, or (shared mode) is quarantined is dropped and re-pointed.
--
-- Server time: the hot path (pop, lock) is written inline with as few local functions as it
-- can; the helpers of the rare paths (GC step, soft binding) are built only when one runs. n
-- exclusive pops cost 2n + 4 commands (a HGET and a SET NX per key, then one SET head, one HGET
-- of the new head and one HSET for every entry written), not 6n.

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

-- Records in the deadline index (sorted set deadlinesKey, score = Unix ms at which a key's lock
-- ends) that the locks of items end ttlMs from now, in one ZADD, so the deadline pop returns them
-- promptly; a lock without expiry (ttlMs 0) has no deadline. The index only speeds up GC: an
-- entry that outlives its lease is harmless (the pop checks the lock).
local function scheduleReturn(deadlinesKey, items, ttlMs)
  if ttlMs > 0 then
    local time = rcall('TIME')
    local at = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + ttlMs
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

local shared = ARGV[2] == '1'
local lockTtl = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
local o = 4 + wanted
local gcCount = tonumber(ARGV[o + 1] or '0')
local gcGate = tonumber(ARGV[o + 2] or '0')
local name = ARGV[o + 3] or ''
if wanted ~= 1 and (shared or name ~= '') then error('malloc: several tokens need exclusive, unnamed mode') end
local out = {}

-- The list-editing helpers, built on first use: most calls need none of them.
local edit
local function editing()
  if not edit then
local function decode(value)
  local a = string.find(value, '||', 1, true)
  local b = string.find(value, '||', a + 2, true)
  return string.sub(value, 1, a - 1), string.sub(value, a + 2, b - 1), string.sub(value, b + 2)
end

local function encode(prev, nxt, expiry)
  return prev .. '||' .. nxt .. '||' .. expiry
end

-- An entry value with new links (nil keeps a link) and the same expiry.
local function withLinks(value, prev, nxt)
  local oldPrev, oldNext, expiry = decode(value)
  return encode(prev or oldPrev, nxt or oldNext, expiry)
end

-- An entry expires at exactly its expiry second; -1 (or anything <= 0) never expires.
local function isExpired(expiry)
  local at = tonumber(expiry)
  return at ~= nil and at > 0 and at <= now()
end

local function setLink(item, prev, nxt)
  rcall('HSET', poolKey, item, withLinks(rcall('HGET', poolKey, item), prev, nxt))
end

local function markAllocated(item, expiry)
  rcall('HSET', poolKey, item, encode(ALLOCATED, ALLOCATED, expiry))
end

-- Splices a free node out of the list. Whenever the head changes the new head's prev becomes ""
-- in this same call, and an emptied list has both pointers "" (upstream lessons L1, L14).
local function unlinkFree(item, prev, nxt)
  if prev == '' and nxt == '' then
    rcall('SET', headKey, '')
    rcall('SET', tailKey, '')
  elseif prev == '' then
    rcall('SET', headKey, nxt)
    setLink(nxt, '', nil)
  elseif nxt == '' then
    rcall('SET', tailKey, prev)
    setLink(prev, nil, '')
  else
    local values = rcall('HMGET', poolKey, prev, nxt)
    rcall('HSET', poolKey, prev, withLinks(values[1], nil, nxt), nxt, withLinks(values[2], prev, nil))
  end
end

-- Takes a member off the free list if it is on it; either way it ends allocated with its expiry.
local function takeMember(item, prev, nxt, expiry)
  if prev ~= ALLOCATED then
    unlinkFree(item, prev, nxt)
    markAllocated(item, expiry)
  end
end

-- Writes a node that is not on the free list as the new tail, after `tail` (whose entry is
-- tailValue), or as the only node when tail is "". One HSET writes both entries.
local function linkAtTail(item, expiry, tail, tailValue)
  if tail == '' then
    rcall('HSET', poolKey, item, encode('', '', expiry))
    rcall('SET', headKey, item)
  else
    rcall('HSET', poolKey, item, encode(tail, '', expiry), tail, withLinks(tailValue, nil, item))
  end
  rcall('SET', tailKey, item)
end

-- Puts a key that is not on the free list back into circulation (GC reclaim, a key added by
-- extend/assign): to the first waiter when the free list is empty (pool.lua handOff), else at the
-- tail.
local function comeBack(item, expiry)
  local tail = rcall('GET', tailKey) or ''
  if tail == '' then
    if not handOff(item, expiry) then linkAtTail(item, expiry, '', nil) end
    return
  end
  linkAtTail(item, expiry, tail, rcall('HGET', poolKey, tail))
end

-- GC of one entry (DESIGN.md §4, upstream §3.7.8). Returns 1 when a lease was reclaimed.
--   expired            -> leaves the pool (its lock, if any, runs out by itself)
--   free + locked      -> taken off the free list (self-heal; shared-mode quarantine)
--   allocated, no lock -> back to the free list with its expiry (reclaim)
local function collectEntry(item, value)
  local prev, nxt, expiry = decode(value)
  local free = prev ~= ALLOCATED
  if isExpired(expiry) then
    if free then unlinkFree(item, prev, nxt) end
    rcall('HDEL', poolKey, item)
    return 0
  end
  local locked = rcall('EXISTS', lockPrefix .. item) == 1
  if free then
    if locked then takeMember(item, prev, nxt, expiry) end
    return 0
  end
  if locked then return 0 end
  comeBack(item, expiry)
  return 1
end

-- One incremental GC step over about `count` entries, resuming at the stored HSCAN cursor.
-- Entries are re-read because earlier steps rewrite their neighbours' links, and a field that
-- vanished since the scan is skipped (upstream F24). Returns the number of leases reclaimed.
local function gcStep(cursorKey, count)
  local cursor = rcall('GET', cursorKey)
  if not cursor or cursor == '' then cursor = '0' end
  local scan = rcall('HSCAN', poolKey, cursor, 'COUNT', count)
  local fields = scan[2]
  local reclaimed = 0
  for i = 1, #fields, 2 do
    local item = fields[i]
    local value = rcall('HGET', poolKey, item)
    if value then reclaimed = reclaimed + collectEntry(item, value) end
  end
  rcall('SET', cursorKey, scan[1])
  return reclaimed
end

-- The deadline pop: returns up to `limit` keys whose deadline (deadlinesKey, score = Unix ms) has
-- passed, through the same path as a release (returnToFreeList, offering them to queued waiters
-- first), so whatever release does for a returning key happens here too. Its condition is that
-- of a GC reclaim (allocated entry, no lock), so a stale index entry is harmless: a lock still there (renewed by a peer that does not
-- index, or in its last millisecond: PTTL 0) is looked at again when it ends, a lock without
-- expiry or a key already free just leaves the index, and an entry whose own lifetime ended leaves
-- the pool as in GC. Returns the number of keys put back or handed to waiters.
local function returnDue(deadlinesKey, limit)
  local time = rcall('TIME')
  local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local due = rcall('ZRANGEBYSCORE', deadlinesKey, '-inf', nowMs, 'LIMIT', 0, limit)
  local returned = 0
  for i = 1, #due do
    local item = due[i]
    local pttl = rcall('PTTL', lockPrefix .. item)
    if pttl >= 0 then
      rcall('ZADD', deadlinesKey, nowMs + math.max(pttl, 1), item)
    else
      rcall('ZREM', deadlinesKey, item)
      local value = pttl == -2 and rcall('HGET', poolKey, item)
      if value then
        local prev, _, expiry = decode(value)
        if prev == ALLOCATED then
          if isExpired(expiry) then
            rcall('HDEL', poolKey, item)
          else
            returned = returned + returnToFreeList({ item }, nil, true)
          end
        end
      end
    end
  end
  return returned
end

    edit = {
      gcStep = gcStep,
      decode = decode,
      isExpired = isExpired,
      takeMember = takeMember,
      returnDue = returnDue,
    }
  end
  return edit
end

-- Keys returned per deadline pop: bounds the script's time when many leases end at once.
local DUE_BATCH = 100

local collected = false
if gcCount > 0 and (gcGate == 0 or rcall('SET', KEYS[5], '1', 'NX', 'PX', gcGate)) then
  local e = editing()
  e.returnDue(KEYS[7], DUE_BATCH)
  e.gcStep(KEYS[4], gcCount)
  collected = true
end


-- Locks item for the next caller without a key. SET NX is both the "is it held?" test and the
-- acquisition: one call instead of EXISTS + SET.
local function acquire(item)
  local token = ARGV[5 + #out]
  local locked
  if lockTtl > 0 then
    locked = rcall('SET', lockPrefix .. item, token, 'NX', 'PX', lockTtl)
  else
    locked = rcall('SET', lockPrefix .. item, token, 'NX')
  end
  if locked then out[#out + 1] = item end
  return locked
end

local bindKey, bind
local rebind = false
if name ~= '' and rcall('EXISTS', sub(lockPrefix, 1, -2) .. '|pool|waiters') == 0 then
  local e = editing()
  local bindTtl = tonumber(ARGV[o + 5])
  bind = function(item)
    if bindTtl > 0 then
      rcall('SET', bindKey, item, 'PX', bindTtl)
    else
      rcall('SET', bindKey, item)
    end
  end
  bindKey = ARGV[o + 4] .. name
  rebind = true
  local bound = rcall('GET', bindKey)
  if bound then
    local value = rcall('HGET', poolKey, bound)
    local prev, nxt, expiry
    if value then prev, nxt, expiry = e.decode(value) end
    if value and not e.isExpired(expiry) then
      if shared then
        if rcall('EXISTS', lockPrefix .. bound) == 0 then
          bind(bound)
          return { 0, bound }
        end
      elseif acquire(bound) then
        e.takeMember(bound, prev, nxt, expiry)
        bind(bound)
        rebind = false -- served: skip the pops below, straight to the fences
      else
        -- Held by someone else: do not steal the binding's target.
        rebind = false
      end
    end
    if rebind then rcall('DEL', bindKey) end
  end
end

-- Shared mode: pops heads until one can be handed out; expired heads leave the pool, quarantined
-- (locked) heads stay allocated (GC returns them when their lock ends), a free one rotates to the
-- tail.
local pop
if shared then
pop = function()
  while true do
    local head = rcall('GET', headKey)
    if not head or head == '' then return end
    local value = rcall('HGET', poolKey, head)
    if not value then error('pool corrupt: head ' .. head .. ' has no entry') end
    local a = find(value, '||', 1, true)
    local b = find(value, '||', a + 2, true)
    local nxt, expiry = sub(value, a + 2, b - 1), sub(value, b + 2)
    local at = tonumber(expiry)
    local keep = not (at and at > 0 and at <= now())
    rcall('SET', headKey, nxt)
    if nxt == '' then
      rcall('SET', tailKey, '')
      if keep then
        rcall('HSET', poolKey, head, ALLOCATED_PREFIX .. expiry)
      else
        rcall('HDEL', poolKey, head)
      end
    else
      local nextValue = rcall('HGET', poolKey, nxt)
      local c = find(nextValue, '||', 1, true)
      if keep then
        rcall('HSET', poolKey, head, ALLOCATED_PREFIX .. expiry, nxt, sub(nextValue, c))
      else
        rcall('HDEL', poolKey, head)
        rcall('HSET', poolKey, nxt, sub(nextValue, c))
      end
    end
    if keep and rcall('EXISTS', lockPrefix .. head) == 0 then
      returnToFreeList({ head }, nil)
      out[1] = head
      return
    end
  end
end

else
-- Exclusive mode: walks the free list from the head until every caller has a key. Expired nodes
-- leave the pool; every other node walked becomes allocated, locked for the next caller, or left
-- allocated when someone already holds its lock (GC returns it when that lock ends). The writes
-- go out together: SET head, one HSET (allocated entries + the new head's prev = ""), one HDEL.
pop = function()
  local head = rcall('GET', headKey)
  if not head or head == '' then return end
  local writes, dropped = {}, nil
  while #out < wanted and head ~= '' do
    local value = rcall('HGET', poolKey, head)
    if not value then error('pool corrupt: head ' .. head .. ' has no entry') end
    local a = find(value, '||', 1, true)
    local b = find(value, '||', a + 2, true)
    local nxt, expiry = sub(value, a + 2, b - 1), sub(value, b + 2)
    local at = tonumber(expiry)
    if at and at > 0 and at <= now() then
      dropped = dropped or {}
      dropped[#dropped + 1] = head
    else
      writes[#writes + 1] = head
      writes[#writes + 1] = ALLOCATED_PREFIX .. expiry
      acquire(head)
    end
    head = nxt
  end
  rcall('SET', headKey, head)
  if head == '' then
    rcall('SET', tailKey, '')
  else
    local value = rcall('HGET', poolKey, head)
    writes[#writes + 1] = head
    writes[#writes + 1] = sub(value, (find(value, '||', 1, true)))
  end
  if #writes > 0 then rcall('HSET', poolKey, unpack(writes)) end
  if dropped then rcall('HDEL', poolKey, unpack(dropped)) end
end
end

if #out < wanted then pop() end
if #out < wanted and not collected and editing().returnDue(KEYS[7], DUE_BATCH) > 0 then pop() end
if #out < wanted and gcCount > 0 and not collected and editing().gcStep(KEYS[4], gcCount) > 0 then pop() end
if out[1] and rebind then bind(out[1]) end
local ticket = ARGV[o + 6]
if out[1] or not ticket or ticket == '' then
  -- An exclusive allocation takes the next fences and records its deadlines.
  if shared or #out == 0 then return { 0, unpack(out) } end
  scheduleReturn(KEYS[7], out, lockTtl)
  return { rcall('INCRBY', KEYS[6], #out) - #out + 1, unpack(out) }
end
-- Nothing free: queue this caller's ticket and mark its instance alive (its mailbox loop keeps
-- it so). The free list is empty now, so every key that comes back is offered to the queue.
local base = sub(lockPrefix, 1, -2)
local arrival = string.format('%015d', rcall('INCR', base .. '|pool|waiters_arrival'))
rcall('ZADD', base .. '|pool|waiters', ARGV[o + 8], arrival .. '|' .. ticket)
rcall('HSET', base .. '|pool|tickets', ticket,
  arrival .. '|' .. ARGV[o + 7] .. '|' .. ARGV[5] .. '|' .. ARGV[3] .. '|' .. (ARGV[o + 5] or '0') .. '|' .. name)
rcall('SET', base .. '|pool|alive:' .. ARGV[o + 7], '1', 'PX', ARGV[o + 9])
return 1
