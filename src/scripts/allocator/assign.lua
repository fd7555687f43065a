-- assign: make the pool exactly the given keys.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  lifetime in whole seconds for every given key (kept ones too: F12), "0" = never
-- ARGV[3..] the new member keys; new ones are appended in this order (F12)
-- Returns  the pool size afterwards.
--
-- Members not given leave the pool; their locks and bindings stay (by design, as upstream).
-- Cost O(pool + keys).

-- @include pool
-- @include pool-edit

local wanted = {}
for i = 3, #ARGV do wanted[ARGV[i]] = true end
local members = rcall('HKEYS', poolKey)
for _, item in ipairs(members) do
  if not wanted[item] then removeMember(item, rcall('HGET', poolKey, item)) end
end
local expiry = expiryIn(tonumber(ARGV[2]))
for i = 3, #ARGV do
  addMember(ARGV[i], expiry)
end
return rcall('HLEN', poolKey)
