-- clear: empty the pool atomically: the hash goes and both pointers become "" (L14).
--
-- KEYS[1]  pool hash    KEYS[2]  head pointer    KEYS[3]  tail pointer
-- Returns  1.
--
-- Locks, soft bindings, the GC cursor and the policy lock stay (not a namespace scrubber).

redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '')
redis.call('SET', KEYS[3], '')
return 1
