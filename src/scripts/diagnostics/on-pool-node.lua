-- on-pool-node: one read-only server command run on the node that holds the pool. A cluster
-- routes a script by its KEYS, so SCAN, INFO and SLOWLOG reach the pool's node the same way with
-- every client family (a keyless command would go to any node).
--
-- KEYS[1]  pool hash (routing only; not read)
-- ARGV[1]  'scan':    ARGV[2] cursor, ARGV[3] MATCH pattern, ARGV[4] COUNT hint
--                     → { nextCursor, { key, … } }
--          'info':    ARGV[2…] INFO sections → { text of section 1, text of section 2, … }
--          'slowlog': ARGV[2] most entries → the SLOWLOG GET reply
-- Read-only; each call is bounded (one SCAN page, INFO, SLOWLOG of ARGV[2] entries).

local rcall = redis.call
local what = ARGV[1]
if what == 'scan' then
  return rcall('SCAN', ARGV[2], 'MATCH', ARGV[3], 'COUNT', ARGV[4])
elseif what == 'info' then
  local texts = {}
  for i = 2, #ARGV do texts[#texts + 1] = rcall('INFO', ARGV[i]) end
  return texts
elseif what == 'slowlog' then
  return rcall('SLOWLOG', 'GET', ARGV[2])
end
return redis.error_reply('on-pool-node: unknown request ' .. tostring(what))
