-- Free-list editing helpers of an allocator pool (membership, GC, taking a given member), on top
-- of pool.lua (same KEYS/ARGV convention; a script including this one includes pool.lua first).
-- Off the hot path: malloc includes them inside a function it calls only when a rare path runs.

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

-- Appends an item that is not on the free list (absent or allocated) at the tail.
local function pushToTail(item, expiry)
  local tail = rcall('GET', tailKey) or ''
  local tailValue
  if tail ~= '' then tailValue = rcall('HGET', poolKey, tail) end
  linkAtTail(item, expiry, tail, tailValue)
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

-- Takes a pool member off the free list (if it is on it) and deletes its entry.
local function removeMember(item, value)
  local prev, nxt = decode(value)
  if prev ~= ALLOCATED then unlinkFree(item, prev, nxt) end
  rcall('HDEL', poolKey, item)
end

-- Adds a key (extend/assign) or, when it is already a member, only rewrites its expiry.
-- A key whose lock is still live is inserted as allocated: GC returns it when the lock ends, and
-- the live holder is never joined by a second one (upstream F6).
local function addMember(item, expiry)
  local value = rcall('HGET', poolKey, item)
  if value then
    local prev, nxt = decode(value)
    rcall('HSET', poolKey, item, encode(prev, nxt, expiry))
  elseif rcall('EXISTS', lockPrefix .. item) == 1 then
    markAllocated(item, expiry)
  else
    comeBack(item, expiry)
  end
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

-- Hands free keys to queued waiters, head first, while both exist: keys that reached the free list
-- without a hand-off (a Python process's free). Locked heads leave the list as in malloc's pop,
-- expired ones leave the pool; a key no exclusive waiter took is linked at the tail again.
local function serveQueue()
  local waitersKey = sub(lockPrefix, 1, -2) .. '|pool|waiters'
  while rcall('EXISTS', waitersKey) == 1 do
    local head = rcall('GET', headKey)
    if not head or head == '' then return end
    local value = rcall('HGET', poolKey, head)
    if not value then error('pool corrupt: head ' .. head .. ' has no entry') end
    local prev, nxt, expiry = decode(value)
    unlinkFree(head, prev, nxt)
    if isExpired(expiry) then
      rcall('HDEL', poolKey, head)
    else
      markAllocated(head, expiry)
      if rcall('EXISTS', lockPrefix .. head) == 0 and not handOff(head, expiry, true) then pushToTail(head, expiry) end
    end
  end
end

-- The deadline pop: returns up to `limit` keys whose deadline (deadlinesKey, score = Unix ms) has
-- passed, through the same path as a release (returnToFreeList, offering them to queued waiters
-- first), so whatever release does for a returning key happens here too. Its condition is that
-- of a GC reclaim (allocated entry, no lock), so a stale index entry is harmless, and stale entries
-- are expected: release and free leave their keys in the index (it is cleaned here, lazily). A
-- lock still there (the key was allocated again, renewed by a peer that does not index, cooling,
-- or in its last millisecond: PTTL 0) is re-scored to the lock's end, a lock without expiry or a
-- key already free (released) or gone just leaves the index, and an entry whose own lifetime
-- ended leaves the pool as in GC. Returns the number of keys put back or handed to waiters (about
-- `limit`; up to ten batches of `limit` entries are looked at). Calls per batch: ZRANGEBYSCORE,
-- MGET, HMGET, one ZREM, returnToFreeList's four, and a PTTL per key still locked.
-- atMs: the server time in Unix ms to compare deadlines with, when the caller has it without a
-- TIME call (malloc: the client's estimate; a wrong one only moves which entries are looked at,
-- since each key's lock is checked); nil = read TIME.
local function returnDue(deadlinesKey, limit, atMs)
  if not atMs then
    now()
    atMs = nowMs
  end
  local returned = 0
  -- Stale entries do not count against the limit: a pop that found few keys to return looks at
  -- up to ten batches, so a burst of releases cannot hold back an ended lease behind it.
  for _ = 1, 10 do
    local due = rcall('ZRANGEBYSCORE', deadlinesKey, '-inf', format('%d', atMs), 'LIMIT', '0', format('%d', limit))
    if #due == 0 then break end
    -- One MGET and one HMGET for the batch: most due entries are stale (a released key) and cost
    -- no further call; only a key still locked is asked its PTTL.
    local locks = {}
    for i = 1, #due do locks[i] = lockPrefix .. due[i] end
    local held = rcall('MGET', unpack(locks))
    local values = rcall('HMGET', poolKey, unpack(due))
    local gone, back = {}, {}
    for i = 1, #due do
      local item = due[i]
      local pttl = held[i] and rcall('PTTL', locks[i]) or -2
      if pttl >= 0 then
        rcall('ZADD', deadlinesKey, format('%d', atMs + math.max(pttl, 1)), item)
      else
        gone[#gone + 1] = item
        local value = pttl == -2 and values[i]
        if value and sub(value, 1, 24) == ALLOCATED_PREFIX then
          if isExpired(sub(value, 25)) then
            rcall('HDEL', poolKey, item)
          else
            back[#back + 1] = item
          end
        end
      end
    end
    -- Before the returns: a key handed to a waiter is indexed anew by handOff.
    if #gone > 0 then rcall('ZREM', deadlinesKey, unpack(gone)) end
    if #back > 0 then returned = returned + returnToFreeList(back, nil, true) end
    if #due < limit or returned >= limit then break end
  end
  return returned
end
