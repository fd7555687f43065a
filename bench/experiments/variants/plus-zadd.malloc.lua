-- EXPERIMENT (issue 13): malloc.lua with one extra ZADD after the lock is taken, to price what
-- issues 9/10 add (fence INCR, deadline index ZADD, waiter-queue EXISTS).
-- malloc: allocate one resource key (exclusive: lock it; shared: rotate it to the tail).
--
-- KEYS[1]  pool hash          KEYS[2]  head pointer     KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (HSCAN cursor of the incremental GC)
-- KEYS[5]  GC gate: while it exists, mallocs skip the GC step (SET NX PX ARGV[6])
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  "1" shared mode, "0" exclusive mode
-- ARGV[3]  lock TTL in milliseconds, "0" = no expiry (exclusive mode only)
-- ARGV[4]  owner token written as the lock value (exclusive mode only)
-- ARGV[5]  GC step size folded into this call; absent or "0" = no GC (the policy folds GC in here)
-- ARGV[6]  GC gate in milliseconds: at most one GC step per gate period across all callers;
--          absent or "0" = a GC step on every call (with ARGV[5] > 0)
-- ARGV[7]  soft-binding name; absent or "" = no binding
-- ARGV[8]  soft-binding key prefix "P|S-cache:bind:" (with a name)
-- ARGV[9]  soft-binding TTL in milliseconds, "0" = no expiry (with a name)
-- Returns  the allocated key, or nil (false) when no key is free.
--
-- Trailing arguments are optional, so the common call (no GC, no name) sends four: Redis builds
-- the ARGV table on every call, and each element costs server time.
--
-- GC rule: with ARGV[5] > 0, a call runs one GC step when it opens the gate, and always when the
-- free list is empty (then it retries the pop), so an exhausted pool still reclaims ended leases.
--
-- Soft binding: a name's bound key is handed out again when it is still a member, not expired
-- (F7) and not held. While another holder (e.g. a second worker with the same name) holds it,
-- this call gets a different key and the binding keeps pointing at the held key. A binding to a
-- key that left the pool, expired, or (shared mode) is quarantined is dropped and re-pointed.
--
-- Server time: the hot path (pop, lock) is written inline with as few local functions as it
-- can; the helpers of the rare paths (GC step, soft binding) are built only when one runs.

-- @include pool

local shared = ARGV[2] == '1'
local lockTtl = tonumber(ARGV[3])
local token = ARGV[4]
local gcCount = tonumber(ARGV[5] or '0')
local gcGate = tonumber(ARGV[6] or '0')
local name = ARGV[7] or ''

-- The list-editing helpers, built on first use: most calls need none of them.
local edit
local function editing()
  if not edit then
    -- @include pool-edit
    edit = { gcStep = gcStep, decode = decode, isExpired = isExpired, takeMember = takeMember }
  end
  return edit
end

local collected = false
if gcCount > 0 and (gcGate == 0 or rcall('SET', KEYS[5], '1', 'NX', 'PX', gcGate)) then
  editing().gcStep(KEYS[4], gcCount)
  collected = true
end

-- SET NX is both the "is it held?" test and the acquisition: one call instead of EXISTS + SET.
local function acquire(item)
  if lockTtl > 0 then
    return rcall('SET', lockPrefix .. item, token, 'NX', 'PX', lockTtl)
  end
  return rcall('SET', lockPrefix .. item, token, 'NX')
end

local bindKey, bind
local rebind = false
if name ~= '' then
  local e = editing()
  local bindTtl = tonumber(ARGV[9])
  bind = function(item)
    if bindTtl > 0 then
      rcall('SET', bindKey, item, 'PX', bindTtl)
    else
      rcall('SET', bindKey, item)
    end
  end
  bindKey = ARGV[8] .. name
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
          return bound
        end
      elseif acquire(bound) then
        e.takeMember(bound, prev, nxt, expiry)
        bind(bound)
        return bound
      else
        -- Held by someone else: do not steal the binding's target.
        rebind = false
      end
    end
    if rebind then rcall('DEL', bindKey) end
  end
end

-- Pops heads until one can be handed out; expired heads leave the pool, held or quarantined
-- heads stay allocated (GC returns them when their lock ends). Taking the head off the list:
-- SET head pointer, then one HSET writes the old head (allocated) and the new head (prev = "").
local function pop()
  while true do
    local head = rcall('GET', headKey)
    if not head or head == '' then return false end
    local value = rcall('HGET', poolKey, head)
    if not value then error('pool corrupt: head ' .. head .. ' has no entry') end
    local a = find(value, '||', 1, true)
    local b = find(value, '||', a + 2, true)
    local nxt, expiry = sub(value, a + 2, b - 1), sub(value, b + 2)
    local at = tonumber(expiry)
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
      -- The new head's value with prev = "": from its first separator on.
      local nextValue = rcall('HGET', poolKey, nxt)
      local c = find(nextValue, '||', 1, true)
      local newHead = sub(nextValue, c)
      if keep then
        rcall('HSET', poolKey, head, ALLOCATED_PREFIX .. expiry, nxt, newHead)
      else
        rcall('HDEL', poolKey, head)
        rcall('HSET', poolKey, nxt, newHead)
      end
    end
    if keep then
      if shared then
        -- A locked key is quarantined: it stays allocated. Otherwise it rotates to the tail.
        if rcall('EXISTS', lockPrefix .. head) == 0 then
          returnToFreeList(head, nil)
          return head
        end
      elseif acquire(head) then
        rcall('ZADD', poolKey .. '|deadlines', 1700000000 + lockTtl, head)
        return head
      end
    end
  end
end

local item = pop()
if not item and gcCount > 0 and not collected and editing().gcStep(KEYS[4], gcCount) > 0 then item = pop() end
if item and rebind then bind(item) end
return item
