-- lab-call: keys=pool,head,tail args=lockPrefix,ttl,token
-- EXPERIMENT (not used by the library): a bound, not a design. The exclusive, unnamed, GC-free
-- path of malloc only, written inline: no local function at all, three ARGV. What a script with
-- today's six redis.call()s costs at the least; the shipped malloc.lua handles every mode.
local rcall = redis.call
local poolKey, headKey, tailKey = KEYS[1], KEYS[2], KEYS[3]
local lockPrefix, lockTtl, token = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local find, sub = string.find, string.sub
local nowSec
while true do
  local head = rcall('GET', headKey)
  if not head or head == '' then return false end
  local value = rcall('HGET', poolKey, head)
  local a = find(value, '||', 1, true)
  local b = find(value, '||', a + 2, true)
  local nxt, expiry = sub(value, a + 2, b - 1), sub(value, b + 2)
  local nextValue
  if nxt ~= '' then nextValue = rcall('HGET', poolKey, nxt) end
  local at = tonumber(expiry)
  local expired = false
  if at and at > 0 then
    nowSec = nowSec or tonumber(rcall('TIME')[1])
    expired = at <= nowSec
  end
  if nextValue then
    local c = find(nextValue, '||', 1, true)
    if expired then
      rcall('HDEL', poolKey, head)
      rcall('HSET', poolKey, nxt, sub(nextValue, c))
    else
      rcall('HSET', poolKey, head, '#ALLOCATED||#ALLOCATED||' .. expiry, nxt, sub(nextValue, c))
    end
  else
    rcall('SET', tailKey, '')
    if expired then
      rcall('HDEL', poolKey, head)
    else
      rcall('HSET', poolKey, head, '#ALLOCATED||#ALLOCATED||' .. expiry)
    end
  end
  rcall('SET', headKey, nxt)
  if not expired and rcall('SET', lockPrefix .. head, token, 'NX', 'PX', lockTtl) then return head end
end
