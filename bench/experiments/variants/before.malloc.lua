-- lab-call: keys=pool,head,tail,gcCursor,gcGate args=lockPrefix,bindPrefix,shared,ttl,token,name,bindTtl,gcCount,gcGate
-- The malloc.lua of commit 17bc29a (before issue 13), composed.
-- malloc: allocate one resource key (exclusive: lock it; shared: rotate it to the tail).
--
-- KEYS[1]  pool hash          KEYS[2]  head pointer     KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (HSCAN cursor of the incremental GC)
-- KEYS[5]  GC gate: while it exists, mallocs skip the GC step (SET NX PX ARGV[9])
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  soft-binding key prefix "P|S-cache:bind:"
-- ARGV[3]  "1" shared mode, "0" exclusive mode
-- ARGV[4]  lock TTL in milliseconds, "0" = no expiry (exclusive mode only)
-- ARGV[5]  owner token written as the lock value (exclusive mode only)
-- ARGV[6]  soft-binding name, "" = no binding
-- ARGV[7]  soft-binding TTL in milliseconds, "0" = no expiry
-- ARGV[8]  GC step size folded into this call, "0" = no GC (the policy folds GC in here)
-- ARGV[9]  GC gate in milliseconds: at most one GC step per gate period across all callers;
--          "0" = a GC step on every call
-- Returns  the allocated key, or nil (false) when no key is free.
--
-- GC rule: with ARGV[8] > 0, a call runs one GC step when it opens the gate, and always when the
-- free list is empty (then it retries the pop), so an exhausted pool still reclaims ended leases.
--
-- Soft binding: a name's bound key is handed out again when it is still a member, not expired
-- (F7) and not held. While another holder (e.g. a second worker with the same name) holds it,
-- this call gets a different key and the binding keeps pointing at the held key. A binding to a
-- key that left the pool, expired, or (shared mode) is quarantined is dropped and re-pointed.

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

-- Server time in whole seconds, read at most once per script call (only expiring entries need it).
local nowCache
local function now()
  if not nowCache then nowCache = tonumber(rcall('TIME')[1]) end
  return nowCache
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

local bindPrefix = ARGV[2]
local shared = ARGV[3] == '1'
local lockTtl = tonumber(ARGV[4])
local token = ARGV[5]
local name = ARGV[6]
local bindTtl = tonumber(ARGV[7])
local gcCount = tonumber(ARGV[8])
local gcGate = tonumber(ARGV[9])

local collected = false
if gcCount > 0 and (gcGate == 0 or rcall('SET', KEYS[5], '1', 'NX', 'PX', gcGate)) then
  gcStep(KEYS[4], gcCount)
  collected = true
end

-- SET NX is both the "is it held?" test and the acquisition: one call instead of EXISTS + SET.
local function acquire(item)
  if lockTtl > 0 then
    return rcall('SET', lockPrefix .. item, token, 'NX', 'PX', lockTtl)
  end
  return rcall('SET', lockPrefix .. item, token, 'NX')
end

local function bind(bindKey, item)
  if bindTtl > 0 then
    rcall('SET', bindKey, item, 'PX', bindTtl)
  else
    rcall('SET', bindKey, item)
  end
end

local bindKey
local rebind = false
if name ~= '' then
  bindKey = bindPrefix .. name
  rebind = true
  local bound = rcall('GET', bindKey)
  if bound then
    local value = rcall('HGET', poolKey, bound)
    local prev, nxt, expiry
    if value then prev, nxt, expiry = decode(value) end
    if value and not isExpired(expiry) then
      if shared then
        if rcall('EXISTS', lockPrefix .. bound) == 0 then
          bind(bindKey, bound)
          return bound
        end
      elseif acquire(bound) then
        takeMember(bound, prev, nxt, expiry)
        bind(bindKey, bound)
        return bound
      else
        -- Held by someone else: do not steal the binding's target.
        rebind = false
      end
    end
    if rebind then rcall('DEL', bindKey) end
  end
end

-- Pops heads until one can be handed out; expired heads leave the pool, held or quarantined
-- heads stay allocated (GC returns them when their lock ends).
local function pop()
  while true do
    local head = rcall('GET', headKey)
    if not head or head == '' then return false end
    local value = rcall('HGET', poolKey, head)
    if not value then error('pool corrupt: head ' .. head .. ' has no entry') end
    local _, nxt, expiry = decode(value)
    if isExpired(expiry) then
      detachHead(head, nxt, expiry, false)
    elseif shared then
      local quarantined = rcall('EXISTS', lockPrefix .. head) == 1
      detachHead(head, nxt, expiry, true)
      if not quarantined then
        pushToTail(head, expiry)
        return head
      end
    else
      detachHead(head, nxt, expiry, true)
      if acquire(head) then return head end
    end
  end
end

local item = pop()
if not item and gcCount > 0 and not collected and gcStep(KEYS[4], gcCount) > 0 then item = pop() end
if item and rebind then bind(bindKey, item) end
return item
