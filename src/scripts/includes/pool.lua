-- Shared free-list primitives of an allocator pool (included by every allocator script).
--
-- Every including script declares the same leading keys and first argument:
--   KEYS[1]  pool hash     field = resource key, value = "prev||next||expiry"
--   KEYS[2]  head pointer  resource key at the head of the free list, "" when empty
--   KEYS[3]  tail pointer  resource key at the tail of the free list, "" when empty
--   ARGV[1]  lock-key prefix ("P|S:"); the allocation lock of key k is ARGV[1]..k
-- Pool scripts that hand out or take back leases also declare (see each script's header):
--   KEYS[6]  fence counter  INCR'd once per exclusive allocation ("P|S|pool|fence")
--   KEYS[7]  deadline index sorted set: member = resource key, score = Unix ms (Redis TIME) at
--            which its lock ends ("P|S|pool|deadlines"); an accelerator of GC, never the truth
--
-- A free node has real neighbours (or "") in prev/next; an allocated entry ("member, not on the
-- free list") has "#ALLOCATED" in both. expiry is absolute Unix seconds from Redis TIME, or -1.
-- Keys never contain "||" nor start or end with "|" (validated by the client), so the first two
-- separators are always the field boundaries.
--
-- Each paragraph below defines one helper. The loader includes only the paragraphs a script uses
-- (directly or through other helpers), because Redis re-creates every local function on every
-- call: unused helpers would cost server time on the hot path.

local rcall = redis.call
local poolKey, headKey, tailKey = KEYS[1], KEYS[2], KEYS[3]
local lockPrefix = ARGV[1]
local ALLOCATED = '#ALLOCATED'

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

-- Server time in whole seconds, read at most once per script call (only expiring entries and
-- deadlines need it); the same TIME reply gives nowMsCache, the time in milliseconds, for the
-- deadline index (read it after a call to now(): one closure fewer on the hot path).
local nowCache, nowMsCache
local function now()
  if not nowCache then
    local time = rcall('TIME')
    nowCache = tonumber(time[1])
    nowMsCache = nowCache * 1000 + math.floor(tonumber(time[2]) / 1000)
  end
  return nowCache
end

-- An entry expires at exactly its expiry second; -1 (or anything <= 0) never expires.
local function isExpired(expiry)
  local at = tonumber(expiry)
  return at ~= nil and at > 0 and at <= now()
end

-- Expiry for a lifetime in whole seconds (0 = never).
local function expiryIn(lifetime)
  if lifetime > 0 then return tostring(now() + lifetime) end
  return '-1'
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

-- The hot path of malloc: takes the head node off the list and either keeps it as allocated
-- (keep = true) or deletes it (expired). One HSET writes the old head and the new head's prev.
local function detachHead(head, nxt, expiry, keep)
  rcall('SET', headKey, nxt)
  if nxt == '' then
    rcall('SET', tailKey, '')
    if keep then markAllocated(head, expiry) else rcall('HDEL', poolKey, head) end
    return
  end
  local newHead = withLinks(rcall('HGET', poolKey, nxt), '', nil)
  if keep then
    rcall('HSET', poolKey, head, encode(ALLOCATED, ALLOCATED, expiry), nxt, newHead)
  else
    rcall('HDEL', poolKey, head)
    rcall('HSET', poolKey, nxt, newHead)
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
    pushToTail(item, expiry)
  end
end

-- Returns an allocated entry to the free list (free/release). Free nodes are left alone (F2);
-- the entry keeps its expiry unless newExpiry is given (F11). Returns 1 when pushed back.
-- HMGET reads the entry and the old tail's entry in one call.
local function returnToFreeList(item, newExpiry)
  local tail = rcall('GET', tailKey) or ''
  local value, tailValue
  if tail ~= '' then
    local values = rcall('HMGET', poolKey, item, tail)
    value, tailValue = values[1], values[2]
  else
    value = rcall('HGET', poolKey, item)
  end
  if not value then return 0 end
  local prev, _, expiry = decode(value)
  if prev ~= ALLOCATED then return 0 end
  linkAtTail(item, newExpiry or expiry, tail, tailValue)
  return 1
end

-- The lock value of a key resting after `release({ cooldown })`: a lock that names no holder, so
-- diagnostics tell a cooling key from a held one and Python peers (which test existence) skip it.
local COOLING = '#cooldown'

-- Records when `item`'s lock ends (ttlMs from now), so the deadline pop returns it promptly;
-- a lock without expiry (ttlMs 0) has no deadline. KEYS[7] is the deadline index.
local function scheduleReturn(item, ttlMs)
  if ttlMs > 0 then
    now()
    rcall('ZADD', KEYS[7], nowMsCache + ttlMs, item)
  else
    rcall('ZREM', KEYS[7], item)
  end
end

-- Returns up to `limit` keys whose deadline has passed, through the same path as a release
-- (returnToFreeList), so whatever release does for a returning key happens here too. Condition of
-- a return = that of a GC reclaim (allocated entry, no lock), so a stale index entry is harmless:
-- a lock renewed by a peer that does not index (Python, a plain lock update) is re-scored from its
-- PTTL, a lock without expiry or a key already free just leaves the index. An entry whose own
-- lifetime ended leaves the pool as in GC. Returns the number of keys put back.
local function returnDue(limit)
  now()
  local due = rcall('ZRANGEBYSCORE', KEYS[7], '-inf', nowMsCache, 'LIMIT', 0, limit)
  local returned = 0
  for i = 1, #due do
    local item = due[i]
    local pttl = rcall('PTTL', lockPrefix .. item)
    if pttl >= 0 then
      -- Still locked (a lock in its last millisecond answers 0): look again when it ends.
      rcall('ZADD', KEYS[7], nowMsCache + math.max(pttl, 1), item)
    else
      rcall('ZREM', KEYS[7], item)
      local value = pttl == -2 and rcall('HGET', poolKey, item)
      if value then
        local prev, _, expiry = decode(value)
        if prev == ALLOCATED then
          if isExpired(expiry) then
            rcall('HDEL', poolKey, item)
          else
            returned = returned + returnToFreeList(item)
          end
        end
      end
    end
  end
  return returned
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
  pushToTail(item, expiry)
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
