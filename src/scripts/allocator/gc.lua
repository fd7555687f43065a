-- gc: return the keys whose deadline passed, then one incremental GC step over about ARGV[2]
-- pool entries.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (HSCAN cursor, "0" = start of a pass)
-- KEYS[5]  GC gate (unused here)    KEYS[6]  fence counter (unused here)
-- KEYS[7]  deadline index (sorted set, score = Unix ms at which a key's lock ends)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  step size (HSCAN COUNT hint, > 0; also the most keys taken from the deadline index);
--          small listpack hashes are scanned whole
-- Returns  the number of leases reclaimed (allocated entries without a lock put back on the free list).

-- @include pool
-- @include pool-edit

local count = tonumber(ARGV[2])
return returnDue(KEYS[7], count) + gcStep(KEYS[4], count)
