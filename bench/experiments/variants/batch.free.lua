-- lab-call: keys=pool,head,tail args=lockPrefix,lifetime,keys
-- EXPERIMENT (issue 13, coalescing): frees #ARGV - 2 keys in one call, in order. Calls: one DEL of
-- every lock, GET tail, one HMGET of every entry and the old tail, one HSET, SET tail: 5 for any k
-- (+ SET head when the list was empty). ARGV[2] (a new lifetime) is ignored.
local rcall = redis.call
local poolKey, headKey, tailKey = KEYS[1], KEYS[2], KEYS[3]
local lockPrefix = ARGV[1]
local find, sub = string.find, string.sub
local locks, fields = {}, {}
for i = 3, #ARGV do
  locks[#locks + 1] = lockPrefix .. ARGV[i]
  fields[#fields + 1] = ARGV[i]
end
rcall('DEL', unpack(locks))
local tail = rcall('GET', tailKey) or ''
local n = #fields
if tail ~= '' then fields[n + 1] = tail end
local values = rcall('HMGET', poolKey, unpack(fields))
-- Only allocated entries go back (F2), in the given order, each keeping its expiry.
local items, expiries = {}, {}
for i = 1, n do
  local value = values[i]
  if value and sub(value, 1, 24) == '#ALLOCATED||#ALLOCATED||' then
    items[#items + 1] = fields[i]
    expiries[#items] = sub(value, 25)
  end
end
local m = #items
if m == 0 then return 0 end
local writes = {}
for i = 1, m do
  local prev = i == 1 and tail or items[i - 1]
  local nxt = i == m and '' or items[i + 1]
  writes[#writes + 1] = items[i]
  writes[#writes + 1] = prev .. '||' .. nxt .. '||' .. expiries[i]
end
if tail ~= '' then
  local tv = values[n + 1]
  local a = find(tv, '||', 1, true)
  local b = find(tv, '||', a + 2, true)
  writes[#writes + 1] = tail
  writes[#writes + 1] = sub(tv, 1, a + 1) .. items[1] .. sub(tv, b)
else
  rcall('SET', headKey, items[1])
end
rcall('HSET', poolKey, unpack(writes))
rcall('SET', tailKey, items[m])
return m
