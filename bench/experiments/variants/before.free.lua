-- lab-call: keys=pool,head,tail,gcCursor,gcGate args=lockPrefix,lifetime,key
-- The free.lua of commit 17bc29a (before issue 13), composed.
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

-- Expiry for a lifetime in whole seconds (0 = never).
local function expiryIn(lifetime)
  if lifetime > 0 then return tostring(now() + lifetime) end
  return '-1'
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
local newExpiry
if ARGV[2] ~= '' then newExpiry = expiryIn(tonumber(ARGV[2])) end
local returned = 0
for i = 3, #ARGV do
  local item = ARGV[i]
  rcall('DEL', lockPrefix .. item)
  returned = returned + returnToFreeList(item, newExpiry)
end
return returned
