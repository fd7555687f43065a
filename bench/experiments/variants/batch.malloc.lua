-- lab-call: keys=pool,head,tail args=lockPrefix,ttl,tokens
-- EXPERIMENT (issue 13, coalescing): one call allocates #ARGV - 2 keys in FIFO order, one per
-- owner token (exclusive, unnamed, no GC). Calls: GET head, per key HGET + SET NX PX, then one
-- SET head, HGET of the new head and one HSET for every entry written: 2k + 4 instead of 6k.
local rcall = redis.call
local poolKey, headKey, tailKey = KEYS[1], KEYS[2], KEYS[3]
local lockPrefix, lockTtl = ARGV[1], tonumber(ARGV[2])
local find, sub = string.find, string.sub
local out, writes, dropped = {}, {}, {}
local wanted = #ARGV - 2
local head = rcall('GET', headKey) or ''
while #out < wanted and head ~= '' do
  local value = rcall('HGET', poolKey, head)
  local a = find(value, '||', 1, true)
  local b = find(value, '||', a + 2, true)
  local nxt, expiry = sub(value, a + 2, b - 1), sub(value, b + 2)
  local at = tonumber(expiry)
  if at and at > 0 and at <= tonumber(rcall('TIME')[1]) then
    dropped[#dropped + 1] = head
  else
    writes[#writes + 1] = head
    writes[#writes + 1] = '#ALLOCATED||#ALLOCATED||' .. expiry
    if rcall('SET', lockPrefix .. head, ARGV[#out + 3], 'NX', 'PX', lockTtl) then out[#out + 1] = head end
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
if #dropped > 0 then rcall('HDEL', poolKey, unpack(dropped)) end
return out
