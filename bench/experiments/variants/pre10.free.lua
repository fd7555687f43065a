-- lab-call: keys=pool,head,tail args=lockPrefix,lifetime,keys
-- free: administrative, unconditional free of resource keys (the spec's free_keys).
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  new lifetime in whole seconds for the freed entries; "" = keep each entry's expiry
--          (F11), "0" = never expires
-- ARGV[3..] resource keys
-- Returns  the number of keys put back on the free list.
--
-- Each key's lock is deleted whoever holds it; only allocated pool members return to the free
-- list (a free node that held a lock just loses the lock: F2; a key evicted from the pool stays out).
-- Any number of keys (the frees one allocator instance makes in the same tick are coalesced into
-- one call) costs the same five commands per 1000 keys: one DEL, then returnToFreeList's four.

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
  if #items > 0 then returned = returned + returnToFreeList(items, newExpiry) end
end
return returned
