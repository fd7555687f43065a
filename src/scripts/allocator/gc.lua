-- gc: one incremental garbage-collection step over about ARGV[2] pool entries.
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (HSCAN cursor, "0" = start of a pass)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  step size (HSCAN COUNT hint, > 0); small listpack hashes are scanned whole
-- Returns  the number of leases reclaimed (allocated entries without a lock put back on the free list).

-- @include pool
-- @include pool-edit

return gcStep(KEYS[4], tonumber(ARGV[2]))
