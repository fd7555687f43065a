-- lab-call: keys=pool,head,tail args=lockPrefix,lifetime,key
-- EXPERIMENT (not used by the library): a bound, not a design. free.lua written inline: no
-- local function; ARGV[2] (a new lifetime) is ignored, entries keep their expiry.
local rcall = redis.call
local poolKey, headKey, tailKey = KEYS[1], KEYS[2], KEYS[3]
local lockPrefix = ARGV[1]
local find, sub = string.find, string.sub
local returned = 0
for i = 3, #ARGV do
  local item = ARGV[i]
  rcall('DEL', lockPrefix .. item)
  local tail = rcall('GET', tailKey)
  local value, tailValue
  if tail and tail ~= '' then
    local values = rcall('HMGET', poolKey, item, tail)
    value, tailValue = values[1], values[2]
  else
    value = rcall('HGET', poolKey, item)
  end
  -- Only allocated entries ("#ALLOCATED||#ALLOCATED||expiry") go back, keeping their expiry.
  if value and sub(value, 1, 12) == '#ALLOCATED||' then
    local expiry = sub(value, 25)
    if tailValue then
      local a = find(tailValue, '||', 1, true)
      local b = find(tailValue, '||', a + 2, true)
      rcall('HSET', poolKey, item, tail .. '||||' .. expiry, tail, sub(tailValue, 1, a - 1) .. '||' .. item .. sub(tailValue, b))
    else
      rcall('HSET', poolKey, item, '||||' .. expiry)
      rcall('SET', headKey, item)
    end
    rcall('SET', tailKey, item)
    returned = returned + 1
  end
end
return returned
