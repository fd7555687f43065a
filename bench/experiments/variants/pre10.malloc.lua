-- lab-call: keys=pool,head,tail,gcCursor,gcGate args=lockPrefix,shared,ttl,count,tokens
-- malloc: allocate resource keys (exclusive: lock each; shared: rotate one to the tail).
--
-- KEYS[1]  pool hash          KEYS[2]  head pointer     KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (HSCAN cursor of the incremental GC)
-- KEYS[5]  GC gate: while it exists, mallocs skip the GC step (SET NX PX, ARGV GC gate)
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
-- Returns  the allocated keys in token order: the i-th key is locked with the i-th token (FIFO
--          across the callers); fewer than n (down to none) when the free list ran out.
--
-- Trailing arguments are optional, so the common call (one caller, no GC, no name) sends five:
-- Redis builds the ARGV table on every call, and each element costs server time.
--
-- GC rule: with a GC step size > 0, a call runs one GC step when it opens the gate, and always
-- when the free list runs out before every caller has a key (then it pops again), so an exhausted
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

-- Returns allocated entries to the tail of the free list, in the given order (free, release,
-- shared-mode rotation). Free nodes are left alone (F2); entries keep their expiry unless
-- newExpiry is given (F11). items must be distinct. Returns the number pushed back. Calls for
-- any number of items: GET tail, one HMGET (the entries and the old tail), one HSET writing every
-- entry and the old tail, SET tail (+ SET head when the list was empty).
local function returnToFreeList(items, newExpiry)
  local n = #items
  local tail = rcall('GET', tailKey) or ''
  items[n + 1] = tail ~= '' and tail or nil
  local values = rcall('HMGET', poolKey, unpack(items))
  items[n + 1] = nil
  local back = {}
  for i = 1, n do
    local value = values[i]
    if value and sub(value, 1, 24) == ALLOCATED_PREFIX then back[#back + 1] = i end
  end
  local m = #back
  if m == 0 then return 0 end
  local writes = {}
  for j = 1, m do
    local i = back[j]
    local prev = j == 1 and tail or items[back[j - 1]]
    local nxt = j == m and '' or items[back[j + 1]]
    writes[#writes + 1] = items[i]
    writes[#writes + 1] = prev .. '||' .. nxt .. '||' .. (newExpiry or sub(values[i], 25))
  end
  local first = items[back[1]]
  if tail == '' then
    rcall('SET', headKey, first)
  else
    -- The old tail keeps its prev and expiry; its next becomes the first entry pushed back.
    local tailValue = values[n + 1]
    local a = find(tailValue, '||', 1, true)
    local b = find(tailValue, '||', a + 2, true)
    writes[#writes + 1] = tail
    writes[#writes + 1] = sub(tailValue, 1, a + 1) .. first .. sub(tailValue, b)
  end
  rcall('HSET', poolKey, unpack(writes))
  rcall('SET', tailKey, items[back[m]])
  return m
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

    edit = { gcStep = gcStep, decode = decode, isExpired = isExpired, takeMember = takeMember }
  end
  return edit
end

local collected = false
if gcCount > 0 and (gcGate == 0 or rcall('SET', KEYS[5], '1', 'NX', 'PX', gcGate)) then
  editing().gcStep(KEYS[4], gcCount)
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
if name ~= '' then
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
          return { bound }
        end
      elseif acquire(bound) then
        e.takeMember(bound, prev, nxt, expiry)
        bind(bound)
        return out
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

pop()
if #out < wanted and gcCount > 0 and not collected and editing().gcStep(KEYS[4], gcCount) > 0 then pop() end
if out[1] and rebind then bind(out[1]) end
return out
