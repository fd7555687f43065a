-- release: free leases only while the caller's owner token still holds each lock.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  deadline index (sorted set, score = Unix ms at which a key's lock ends); written only
--          with a cooldown (a freed key's entry is left for the deadline pop to drop)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  new lifetime in whole seconds; "" = keep each entry's expiry, "0" = never expires
-- ARGV[3]  cooldown in milliseconds, "0" = none. With a cooldown the released keys rest under a
--          "#cooldown" lock for that long, still allocated, and the deadline pop returns them.
-- ARGV[4]  the server time in Unix ms as the client estimates it (redis-clock.ts), the clock of
--          the deadlines this call records (a hand-off's lease, a cooldown); "" = read TIME
-- ARGV[5], ARGV[6]  resource key and the owner token its lease was allocated with
-- ARGV[7], ARGV[8]  … more key/token pairs: the releases one allocator instance makes in the same
--                   tick (with the same lifetime and cooldown) are coalesced into one call (at
--                   most 64 pairs)
-- ARGV[#ARGV]  optional, present when the count after ARGV[4] is odd: the releasing allocator
--              instance's id, sent while it has waiters of its own
-- Returns  one number per pair: 1 when the lease was ours and is now freed, 0 when it was lost
--          (expired, freed, or re-allocated to another holder, whose lease is left intact: F3).
--          A freed key goes to the first live queued waiter first (pool.lua handOff); a cooling
--          key does so when the deadline pop returns it. After the numbers, the hand-offs to the
--          releasing instance's own tickets, "<ticket>|<fence>|<token>|<key>" each (strings): they
--          skip its mailbox (pool.lua, local delivery).
--
-- Any number of pairs costs the same six commands: MGET of the locks (GET for one), then
-- returnToFreeList's five with the DEL of the locks still ours (a key handed to a waiter has its
-- lock overwritten instead: five then). Freed keys stay in the deadline index: a ZREM here cost
-- every release about 1 µs, and the deadline pop drops an entry whose key it finds free
-- (pool-edit.lua returnDue), so the index holds at most one (possibly stale) member per key.

-- @include pool

local pairsCount = math.floor((#ARGV - 4) / 2)
if #ARGV - 4 > 2 * pairsCount then
  localInstance = ARGV[#ARGV]
  delivered = {}
end
clockMs = tonumber(ARGV[4])

-- One lease without a cooldown, the common call: the steps below without the tables a batch needs
-- (a GET, not an MGET; no pair lists). Callgrind: 103 -> 97 kilo-instructions per release, 157 ->
-- 145-151 per release that hands its key to a waiter.
if pairsCount == 1 and ARGV[3] == '0' then
  local lockKey = lockPrefix .. ARGV[5]
  if rcall('GET', lockKey) ~= ARGV[6] then return { 0 } end
  local newExpiry
  if ARGV[2] ~= '' then newExpiry = expiryIn(tonumber(ARGV[2])) end
  returnToFreeList({ ARGV[5] }, newExpiry, true, { lockKey })
  local results = { 1 }
  if delivered then
    for i = 1, #delivered do results[1 + i] = delivered[i] end
  end
  return results
end

local lockKeys = {}
for i = 1, pairsCount do lockKeys[i] = lockPrefix .. ARGV[2 * i + 3] end
local held = rcall('MGET', unpack(lockKeys))
local results, items, ours = {}, {}, {}
for i = 1, pairsCount do
  local item = ARGV[2 * i + 3]
  -- A second release of the same lease in this batch finds it already taken (at most 64 pairs).
  local repeated = false
  for j = 1, #items do
    if items[j] == item then repeated = true end
  end
  if held[i] == ARGV[2 * i + 4] and not repeated then
    items[#items + 1] = item
    ours[#ours + 1] = lockKeys[i]
    results[i] = 1
  else
    results[i] = 0
  end
end
if #items > 0 then
  local newExpiry
  if ARGV[2] ~= '' then newExpiry = expiryIn(tonumber(ARGV[2])) end
  if ARGV[3] ~= '0' then
    -- Resting keys stay allocated under a cooldown lock; only a new lifetime is written now.
    for j = 1, #ours do rcall('SET', ours[j], COOLING, 'PX', ARGV[3]) end
    scheduleReturn(KEYS[4], items, tonumber(ARGV[3]), clockMs)
    if newExpiry then
      for j = 1, #items do
        if rcall('HEXISTS', poolKey, items[j]) == 1 then
          rcall('HSET', poolKey, items[j], ALLOCATED_PREFIX .. newExpiry)
        end
      end
    end
  else
    returnToFreeList(items, newExpiry, true, ours) -- deletes the locks of the keys not handed over
  end
end
if delivered then
  for i = 1, #delivered do results[pairsCount + i] = delivered[i] end
end
return results
