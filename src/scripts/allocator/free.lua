-- free: administrative, unconditional free of resource keys (the spec's free_keys).
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  deadline index (sorted set, score = Unix ms at which a key's lock ends); not written
--          (kept in the calling convention: the pop cleans freed keys' entries lazily)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  new lifetime in whole seconds for the freed entries; "" = keep each entry's expiry
--          (F11), "0" = never expires
-- ARGV[3..] resource keys
-- Returns  the number of keys put back on the free list or handed to queued waiters (pool.lua
--          handOff: while the free list is empty, a returning key goes to the first live waiter).
--
-- Each key's lock is deleted whoever holds it; only allocated pool members return to the free
-- list (a free node that held a lock just loses the lock: F2; a key evicted from the pool stays out).
-- The keys stay in the deadline index: the pop drops an entry whose key it finds free or gone
-- (pool-edit.lua returnDue), which saves every free a ZREM (about 1 µs).
-- Any number of keys (the frees one allocator instance makes in the same tick are coalesced into
-- one call) costs the same five commands per 1000 keys: one DEL, then returnToFreeList's four.

-- @include pool

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
  if #items > 0 then
    returned = returned + returnToFreeList(items, newExpiry, true)
  end
end
return returned
