-- Shared free-list primitives of an allocator pool: the part every hot script (malloc, free,
-- release) runs. The helpers that edit the list in other ways are in pool-edit.lua.
--
-- Every including script declares the same leading keys and first argument:
--   KEYS[1]  pool hash     field = resource key, value = "prev||next||expiry"
--   KEYS[2]  head pointer  resource key at the head of the free list, "" when empty
--   KEYS[3]  tail pointer  resource key at the tail of the free list, "" when empty
--   ARGV[1]  lock-key prefix ("P|S:"); the allocation lock of key k is ARGV[1]..k
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
