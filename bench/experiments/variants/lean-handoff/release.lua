-- EXPERIMENT (issue 9), not the library's script: release.lua with an inlined path in front for
-- one lease whose key goes straight to a queued waiter (no cooldown, expiry kept, a clock estimate
-- sent). No includes, closures or tables on that path: 120-124 kilo-instructions per hand-off
-- against 157-159 for the library's release before its one-lease path (145-151 after; callgrind,
-- handoff-lab.ts apart), 194-196 against 226-229 per contended acquisition. Paired rounds at 16 waiters read 1.000 ± 0.003 against 0.999 ± 0.003 for the
-- library's build: server time is not what holds the figure (README, "Waiting for a resource").
-- Other calls fall through to the library's release.lua (pasted at the @original line by
-- lua-text-hook.mjs), which reads the lock again.
-- Run: LAB_LUA_DIR=bench/experiments/variants/lean-handoff LAB_SCRIPT=handoff-lab.ts \
--        bench/experiments/callgrind-lab.sh 1000 16 local
local n = #ARGV
if (n == 6 or n == 7) and ARGV[3] == '0' and ARGV[2] == '' and ARGV[4] ~= '' then
  local call, find, sub = redis.call, string.find, string.sub
  local prefix, item = ARGV[1], ARGV[5]
  local lockKey = prefix .. item
  if call('GET', lockKey) == ARGV[6] and call('GET', KEYS[3]) == '' then
    local value = call('HGET', KEYS[1], item)
    if value and find(value, '#ALLOCATED||#ALLOCATED||', 1, true) == 1 then
      local base = sub(prefix, 1, -2)
      local me = ARGV[7]
      local out
      while true do
        local first = call('ZPOPMIN', base .. '|pool|waiters')[1]
        if not first then break end
        local a = find(first, '|', 17, true)
        local b = a and find(first, '|', a + 1, true)
        local c = b and find(first, '|', b + 1, true)
        local d = c and find(first, '|', c + 1, true)
        local e = d and find(first, '|', d + 1, true)
        local f = e and find(first, '|', e + 1, true)
        local ticket = sub(first, 17, (a or 0) - 1)
        if call('HDEL', base .. '|pool|tickets', ticket) == 1 and f then
          local instance, token, ttl = sub(first, a + 1, b - 1), sub(first, b + 1, c - 1), sub(first, c + 1, d - 1)
          if instance == me or call('EXISTS', base .. '|pool|alive:' .. instance) == 1 then
            local fence = string.format('%d', call('INCR', base .. '|pool|fence'))
            call('SET', lockKey, token .. '@' .. fence, 'PX', ttl)
            call('ZADD', base .. '|pool|deadlines', string.format('%d', ARGV[4] + ttl), item)
            local message = ticket .. '|' .. fence .. '|' .. token .. '|' .. item
            if instance == me then return { 1, message } end
            if call('RPUSH', base .. '|pool|mailbox:' .. instance, message) == 1 then
              call('PEXPIRE', base .. '|pool|mailbox:' .. instance, '60000')
            end
            return { 1 }
          end
        end
      end
    end
  end
end
-- @original
