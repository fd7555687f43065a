-- malloc: allocate resource keys (exclusive: lock each; shared: rotate one to the tail).
--
-- KEYS[1]  pool hash          KEYS[2]  head pointer     KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (HSCAN cursor of the incremental GC)
-- KEYS[5]  GC gate: while it exists, mallocs skip the GC step (SET NX PX, ARGV GC gate)
-- KEYS[6]  fence counter: one fence per exclusive allocation (INCRBY n before the first lock,
--          DECRBY of those left unused)
-- KEYS[7]  deadline index (sorted set, score = Unix ms at which a key's lock ends)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  "1" shared mode, "0" exclusive mode
-- ARGV[3]  lock TTL in milliseconds, "0" = no expiry (exclusive mode only)
-- ARGV[4]  the server time in Unix ms as the client estimates it, the clock of the deadline
--          index (redis-clock.ts); "" = read TIME and answer it (see Returns)
-- ARGV[5]  n, the number of owner tokens that follow (1, or more for coalesced exclusive
--          unnamed mallocs of one allocator instance)
-- ARGV[6..5+n]  owner tokens, one per caller in arrival order ("" in shared mode)
-- Then, optional (o = 5 + n):
-- ARGV[o+1]  GC step size folded into this call; absent or "0" = no GC (the policy folds GC in)
-- ARGV[o+2]  GC gate in milliseconds: at most one GC step per gate period across all callers;
--            absent or "0" = a GC step on every call (with a GC step size > 0)
-- ARGV[o+3]  soft-binding name; absent or "" = no binding (a name needs n = 1)
-- ARGV[o+4]  soft-binding key prefix "P|S-cache:bind:" (with a name)
-- ARGV[o+5]  soft-binding TTL in milliseconds, "0" = no expiry (with a name)
-- ARGV[o+6]  waiting only (n = 1): the ticket id "<instance>:<n>" to queue when no key is free
-- ARGV[o+7]  waiting only: the caller's allocator instance id (its mailbox gets the hand-off)
-- ARGV[o+8]  waiting only: queue score = -priority, a decimal integer
-- ARGV[o+9]  waiting only: liveness TTL of the instance in milliseconds; "" = leave the liveness
--            key alone (the client refreshed it recently)
-- Returns  { fence, key1, key2, … }: the allocated keys in token order, the i-th locked with the
--          i-th token and fenced fence + i - 1, its lock value "<token>@<fence + i - 1>" (FIFO
--          across the callers); fewer than n keys (down
--          to none) when the free list ran out. fence is 0 in shared mode and when no key was given.
--          When ARGV[4] is "" and a timed exclusive lease was recorded, the server time in Unix ms
--          follows the keys (an integer after the strings): the client calibrates its estimate.
--          A waiting call that finds no key queues its ticket (once: a ticket with data already
--          keeps its place; entry format in pool.lua handOff) and returns 1 (not a list): the key
--          will arrive in the instance's mailbox "P|S|pool|mailbox:<instance>" as
--          "<ticket>|<fence>|<token>|<key>", fenced by the hand-off (pool.lua handOff).
--
-- Waiters first (DESIGN.md §10) at no cost to the common call: tickets queue only when the free
-- list is empty, and every key that comes back while it is empty is handed to the queue (pool.lua
-- handOff), so while anyone waits the free list stays empty and a newcomer finds nothing: it
-- queues behind them (waiting) or gets none. A named caller also skips its bound key while
-- waiters are queued. Keys that reach the free list without a hand-off (a Python process's free)
-- are handed to the queue by the drain script within about a second. The queue keys derive from
-- ARGV[1] (pool.lua header).
--
-- Trailing arguments are optional, so the common call (one caller, no GC, no name) sends six:
-- Redis builds the ARGV table on every call, and each element costs server time.
--
-- GC rule: with a GC step size > 0, a call that opens the gate first returns up to DUE_BATCH keys
-- whose deadline passed (the deadline index), then runs one GC step. A call whose free list runs
-- out before every caller has a key returns due keys and pops again, and with a GC step size > 0
-- also runs a GC step (for entries nobody indexed: Python peers) and pops again, so an exhausted
-- pool still reclaims ended leases.
--
-- Soft binding: a name's bound key is handed out again when it is still a member, not expired
-- (F7) and not held. While another holder (e.g. a second worker with the same name) holds it,
-- this call gets a different key and the binding keeps pointing at the held key. A binding to a
-- key that left the pool, expired, or (shared mode) is quarantined is dropped and re-pointed.
--
-- Server time: the hot path (pop, lock) is written inline with as few local functions as it
-- can; the helpers of the rare paths (GC step, soft binding) are built only when one runs. n
-- exclusive pops cost 2n + 4 commands (a HGET and a SET NX per key, then one SET head, one HGET
-- of the new head and one HSET for every entry written), not 6n.

-- A waiting call (n = 1, so o = 6: ticket ARGV[12]) that finds nothing free queues its ticket here.
local queueTicket
if ARGV[5] == '1' and ARGV[12] and ARGV[12] ~= '' then
  -- Queues the ticket and marks its instance alive (its mailbox loop keeps it so). The free list is
  -- empty, so every key that comes back is offered to the queue (pool.lua handOff). queuedAt: the
  -- server time in Unix ms, as text (diagnostics only). Returns 1.
  queueTicket = function(queuedAt)
    local call, ticket = redis.call, ARGV[12]
    local base = string.sub(ARGV[1], 1, -2)
    local arrival = string.format('%015d', call('INCR', base .. '|pool|waiters_arrival'))
    -- The queue member carries the ticket's data, so the hand-off reads it with its pop (pool.lua
    -- handOff); the ticket hash holds the same string under the ticket id (cancel, diagnostics).
    local entry = arrival .. '|' .. ticket .. '|' .. ARGV[13] .. '|' .. ARGV[6] .. '|' .. ARGV[3] .. '|'
      .. ARGV[11] .. '|' .. queuedAt .. '|' .. ARGV[9]
    -- The same call again (a reconnecting client re-sends what was in flight, and a restart with
    -- AOF kept the first one): the ticket keeps its first place, never a second queue entry.
    if call('HSETNX', base .. '|pool|tickets', ticket, entry) == 1 then
      call('ZADD', base .. '|pool|waiters', ARGV[14], entry)
    end
    -- "" = the client refreshed the liveness key recently enough (waiting-room.ts).
    if ARGV[15] ~= '' then call('SET', base .. '|pool|alive:' .. ARGV[13], '1', 'PX', ARGV[15]) end
    return 1
  end
  -- The fast path, before the helpers below are built (their closures and locals cost about 10
  -- kilo-instructions per call, callgrind): an unnamed call without a GC step that finds the free
  -- list empty and no deadline due queues at once. Anything else takes the full path, which looks
  -- again.
  if ARGV[9] == '' and ARGV[7] == '0' then
    local head = redis.call('GET', KEYS[2])
    if not head or head == '' then
      local clock = ARGV[4]
      if clock == '' then
        local time = redis.call('TIME') -- pool.lua's now(), which is not built yet here
        clock = string.format('%d', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
      end
      if not redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', clock, 'LIMIT', '0', '1')[1] then
        return queueTicket(clock)
      end
    end
  end
end

-- The uncontended fast path, before the helpers below are built (their closures and tables cost
-- about 37 kilo-instructions per malloc, callgrind: 139 -> 102): one unnamed exclusive caller with
-- a timed lock and a clock estimate, owing no GC step, whose head entry is live and not held, takes
-- it with the full path's commands (GET head, HGET, INCR fence, SET NX, SET head, HGET of the new
-- head, one HSET, ZADD deadline; the GC gate's SET NX first when a GC step size is given). Anything
-- else (an empty free list, an expired or held head, a GC step due, a name, shared mode, several
-- callers) takes the full path, which looks again; a held head's fence goes back first, so fences
-- stay consecutive. Expiry and deadline as in the full path: the deadline counts from the server
-- time when the expiry check read it, else from the estimate.
local fast = ARGV[2] == '0' and ARGV[5] == '1' and ARGV[3] ~= '0' and ARGV[4] ~= ''
  and (ARGV[9] or '') == ''
-- Set when the fast path's look at the GC gate opened it: the full path then runs the GC step (its
-- own SET NX would find the gate closed).
local gcGateOpened = false
if fast and (ARGV[7] or '0') ~= '0' then
  if ARGV[8] == '0' then
    fast = false -- a GC step on every call
  elseif redis.call('SET', KEYS[5], '1', 'NX', 'PX', ARGV[8]) then
    gcGateOpened, fast = true, false
  end
end
if fast then
  local call, find, sub, format = redis.call, string.find, string.sub, string.format
  local head = call('GET', KEYS[2])
  if head and head ~= '' then
    local value = call('HGET', KEYS[1], head)
    if not value then error('pool corrupt: head ' .. head .. ' has no entry') end
    local a = find(value, '||', 1, true)
    local b = find(value, '||', a + 2, true)
    local nxt, expiry = sub(value, a + 2, b - 1), sub(value, b + 2)
    local live, fromMs = true, ARGV[4]
    local at = expiry ~= '-1' and tonumber(expiry) -- "-1" (never expires) needs no parsing
    if at and at > 0 then
      local time = call('TIME')
      live = at > tonumber(time[1]) -- an expired head: the full path drops it
      fromMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    end
    if live then
      local fence = call('INCR', KEYS[6])
      if call('SET', ARGV[1] .. head, ARGV[6] .. '@' .. format('%d', fence), 'NX', 'PX', ARGV[3]) then
        call('SET', KEYS[2], nxt)
        if nxt == '' then
          call('SET', KEYS[3], '')
          call('HSET', KEYS[1], head, '#ALLOCATED||#ALLOCATED||' .. expiry)
        else
          -- The new head keeps its next and expiry; its prev becomes "".
          local nextValue = call('HGET', KEYS[1], nxt)
          local newHead = sub(nextValue, (find(nextValue, '||', 1, true)))
          call('HSET', KEYS[1], head, '#ALLOCATED||#ALLOCATED||' .. expiry, nxt, newHead)
        end
        call('ZADD', KEYS[7], format('%d', fromMs + ARGV[3]), head)
        return { fence, head }
      end
      call('DECR', KEYS[6])
    end
  end
end

-- @include pool

local shared = ARGV[2] == '1'
-- Arguments are compared as text and made numbers only where arithmetic needs them: tonumber is a
-- strtod call (callgrind: about a kilo-instruction). The clock estimate (clockMs, pool.lua) is set
-- before each helper that counts from it.
local timedLock = ARGV[3] ~= '0'
local wanted = ARGV[5] == '1' and 1 or tonumber(ARGV[5])
local o = 5 + wanted
local gcCount = ARGV[o + 1] or '0'
local gcGate = ARGV[o + 2] or '0'
local name = ARGV[o + 3] or ''
if wanted ~= 1 and (shared or name ~= '') then error('malloc: several tokens need exclusive, unnamed mode') end
local out = {}

-- The list-editing helpers, built on first use: most calls need none of them.
local edit
local function editing()
  if not edit then
    -- @include pool-edit
    edit = {
      gcStep = gcStep,
      decode = decode,
      isExpired = isExpired,
      takeMember = takeMember,
      returnDue = returnDue,
    }
  end
  return edit
end

-- Keys returned per deadline pop: bounds the script's time when many leases end at once.
local DUE_BATCH = 100

local collected = false
local gcDue = gcCount ~= '0'
  and (gcGate == '0' or gcGateOpened or rcall('SET', KEYS[5], '1', 'NX', 'PX', ARGV[o + 2]))
if gcDue then
  local e = editing()
  clockMs = tonumber(ARGV[4])
  e.returnDue(KEYS[7], DUE_BATCH, clockMs)
  e.gcStep(KEYS[4], tonumber(gcCount))
  collected = true
end


-- Locks item for the next caller without a key. SET NX is both the "is it held?" test and the
-- acquisition: one call instead of EXISTS + SET. The lock value is the caller's token and its
-- fence, "<token>@<fence>" (pool.lua header), so the fences are taken before the first lock: all
-- `wanted` at once; those a short free list (or a held bound key) leaves unused go back below.
local fenceBase
local function acquire(item)
  fenceBase = fenceBase or (rcall('INCRBY', KEYS[6], ARGV[5]) - wanted)
  local value = ARGV[6 + #out] .. '@' .. format('%d', fenceBase + #out + 1)
  local locked
  if timedLock then
    locked = rcall('SET', lockPrefix .. item, value, 'NX', 'PX', ARGV[3])
  else
    locked = rcall('SET', lockPrefix .. item, value, 'NX')
  end
  if locked then out[#out + 1] = item end
  return locked
end

local bindKey, bind
local rebind = false
if name ~= '' and rcall('EXISTS', sub(lockPrefix, 1, -2) .. '|pool|waiters') == 0 then
  local e = editing()
  local bindTtl = tonumber(ARGV[o + 5])
  bind = function(item)
    if bindTtl > 0 then
      rcall('SET', bindKey, item, 'PX', ARGV[o + 5])
    else
      rcall('SET', bindKey, item)
    end
  end
  bindKey = ARGV[o + 4] .. name
  rebind = true
  local bound = rcall('GET', bindKey)
  if bound then
    local value = rcall('HGET', poolKey, bound)
    local prev, nxt, expiry
    if value then prev, nxt, expiry = e.decode(value) end
    if value and not e.isExpired(expiry) then
      if shared then
        if rcall('EXISTS', lockPrefix .. bound) == 0 then
          bind(bound)
          return { 0, bound }
        end
      elseif acquire(bound) then
        e.takeMember(bound, prev, nxt, expiry)
        bind(bound)
        rebind = false -- served: skip the pops below, straight to the fences
      else
        -- Held by someone else: do not steal the binding's target.
        rebind = false
      end
    end
    if rebind then rcall('DEL', bindKey) end
  end
end

-- Shared mode: pops heads until one can be handed out; expired heads leave the pool, quarantined
-- (locked) heads stay allocated (GC returns them when their lock ends), a free one rotates to the
-- tail.
local pop
if shared then
pop = function()
  while true do
    local head = rcall('GET', headKey)
    if not head or head == '' then return end
    local value = rcall('HGET', poolKey, head)
    if not value then error('pool corrupt: head ' .. head .. ' has no entry') end
    local a = find(value, '||', 1, true)
    local b = find(value, '||', a + 2, true)
    local nxt, expiry = sub(value, a + 2, b - 1), sub(value, b + 2)
    local at = expiry ~= '-1' and tonumber(expiry) -- "-1" (never expires) needs no parsing
    local keep = not (at and at > 0 and at <= now())
    rcall('SET', headKey, nxt)
    if nxt == '' then
      rcall('SET', tailKey, '')
      if keep then
        rcall('HSET', poolKey, head, ALLOCATED_PREFIX .. expiry)
      else
        rcall('HDEL', poolKey, head)
      end
    else
      local nextValue = rcall('HGET', poolKey, nxt)
      local c = find(nextValue, '||', 1, true)
      if keep then
        rcall('HSET', poolKey, head, ALLOCATED_PREFIX .. expiry, nxt, sub(nextValue, c))
      else
        rcall('HDEL', poolKey, head)
        rcall('HSET', poolKey, nxt, sub(nextValue, c))
      end
    end
    if keep and rcall('EXISTS', lockPrefix .. head) == 0 then
      returnToFreeList({ head }, nil)
      out[1] = head
      return
    end
  end
end

else
-- Exclusive mode: walks the free list from the head until every caller has a key. Expired nodes
-- leave the pool; every other node walked becomes allocated, locked for the next caller, or left
-- allocated when someone already holds its lock (GC returns it when that lock ends). The writes
-- go out together: SET head, one HSET (allocated entries + the new head's prev = ""), one HDEL.
pop = function()
  local head = rcall('GET', headKey)
  if not head or head == '' then return end
  local writes, dropped = {}, nil
  while #out < wanted and head ~= '' do
    local value = rcall('HGET', poolKey, head)
    if not value then error('pool corrupt: head ' .. head .. ' has no entry') end
    local a = find(value, '||', 1, true)
    local b = find(value, '||', a + 2, true)
    local nxt, expiry = sub(value, a + 2, b - 1), sub(value, b + 2)
    local at = expiry ~= '-1' and tonumber(expiry) -- "-1" (never expires) needs no parsing
    if at and at > 0 and at <= now() then
      dropped = dropped or {}
      dropped[#dropped + 1] = head
    else
      writes[#writes + 1] = head
      writes[#writes + 1] = ALLOCATED_PREFIX .. expiry
      acquire(head)
    end
    head = nxt
  end
  rcall('SET', headKey, head)
  if head == '' then
    rcall('SET', tailKey, '')
  else
    local value = rcall('HGET', poolKey, head)
    writes[#writes + 1] = head
    writes[#writes + 1] = sub(value, (find(value, '||', 1, true)))
  end
  if #writes > 0 then rcall('HSET', poolKey, unpack(writes)) end
  if dropped then rcall('HDEL', poolKey, unpack(dropped)) end
end
end

if #out < wanted then pop() end
if #out < wanted and not collected then
  -- A look first: building the list-editing helpers costs several times more than the look
  -- (callgrind: 18 kilo-instructions per queueing malloc), and usually nothing is due.
  local dueBy = ARGV[4]
  if dueBy == '' then
    now()
    dueBy = format('%d', nowMs)
  end
  if rcall('ZRANGEBYSCORE', KEYS[7], '-inf', dueBy, 'LIMIT', '0', '1')[1] then
    clockMs = tonumber(ARGV[4])
    if editing().returnDue(KEYS[7], DUE_BATCH, clockMs) > 0 then pop() end
  end
end
if #out < wanted and gcCount ~= '0' and not collected then
  clockMs = tonumber(ARGV[4])
  if editing().gcStep(KEYS[4], tonumber(gcCount)) > 0 then pop() end
end
if out[1] and rebind then bind(out[1]) end
-- Fences taken for callers left without a key go back (the script is atomic: nobody saw them), so
-- the fences of a pool stay consecutive.
if fenceBase and #out < wanted then rcall('DECRBY', KEYS[6], format('%d', wanted - #out)) end
local ticket = ARGV[o + 6]
if out[1] or not ticket or ticket == '' then
  -- An exclusive allocation records its deadlines; its fences were taken by acquire.
  if shared or #out == 0 then return { 0, unpack(out) } end
  -- The deadlines count from the real server time when this call read it anyway (an expiring
  -- entry), else from the client's estimate; without either, TIME is read and answered.
  scheduleReturn(KEYS[7], out, tonumber(ARGV[3]), nowMs or tonumber(ARGV[4]))
  if ARGV[4] == '' and timedLock then
    out[#out + 1] = nowMs
  end
  return { fenceBase + 1, unpack(out) }
end
-- Nothing free: queue this caller's ticket (queuedAt: the client's clock estimate when it sent one).
local queuedAt = ARGV[4]
if queuedAt == '' then
  now()
  queuedAt = format('%d', nowMs)
end
if not queueTicket then error('malloc: a waiting call needs exactly one token') end
return queueTicket(queuedAt)
