-- extend: add resource keys to the pool, or refresh the expiry of keys already in it.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  lifetime in whole seconds, "0" = never expires
-- ARGV[3..] resource keys, appended at the tail in this order
-- Returns  the pool size afterwards.
--
-- A member keeps its position and state; only its expiry changes. A new key whose lock is still
-- live enters as allocated (F6): GC frees it when the holder is done.

-- @include pool
-- @include pool-edit

local expiry = expiryIn(tonumber(ARGV[2]))
for i = 3, #ARGV do
  addMember(ARGV[i], expiry)
end
return rcall('HLEN', poolKey)
