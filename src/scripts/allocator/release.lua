-- release: free leases only while the caller's owner token still holds each lock.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  new lifetime in whole seconds; "" = keep each entry's expiry, "0" = never expires
-- ARGV[3], ARGV[4]  resource key and the owner token its lease was allocated with
-- ARGV[5], ARGV[6]  … more key/token pairs: the releases one allocator instance makes in the same
--                   tick are coalesced into one call (at most 64 pairs)
-- Returns  one number per pair: 1 when the lease was ours and is now freed, 0 when it was lost
--          (expired, freed, or re-allocated to another holder, whose lease is left intact: F3).
--
-- Any number of pairs costs the same six commands: MGET of the locks, DEL of the ones still
-- ours, then returnToFreeList's four.

-- @include pool

local pairsCount = (#ARGV - 2) / 2
local lockKeys = {}
for i = 1, pairsCount do lockKeys[i] = lockPrefix .. ARGV[2 * i + 1] end
local held = rcall('MGET', unpack(lockKeys))
local results, items, ours = {}, {}, {}
for i = 1, pairsCount do
  local item = ARGV[2 * i + 1]
  -- A second release of the same lease in this batch finds it already taken (at most 64 pairs).
  local repeated = false
  for j = 1, #items do
    if items[j] == item then repeated = true end
  end
  if held[i] == ARGV[2 * i + 2] and not repeated then
    items[#items + 1] = item
    ours[#ours + 1] = lockKeys[i]
    results[i] = 1
  else
    results[i] = 0
  end
end
if #items > 0 then
  rcall('DEL', unpack(ours))
  local newExpiry
  if ARGV[2] ~= '' then newExpiry = expiryIn(tonumber(ARGV[2])) end
  returnToFreeList(items, newExpiry, true)
end
return results
