-- malloc: allocate one resource key (exclusive: lock it; shared: rotate it to the tail).
--
-- KEYS[1]  pool hash          KEYS[2]  head pointer     KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (HSCAN cursor of the incremental GC)
-- KEYS[5]  GC gate: while it exists, mallocs skip the GC step (SET NX PX ARGV[9])
-- KEYS[6]  waiter queue (sorted set)   KEYS[7]  ticket data (hash)
-- KEYS[8]  arrival counter of the waiter queue (INCR); only passed by a waiting call
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  soft-binding key prefix "P|S-cache:bind:"
-- ARGV[3]  "1" shared mode, "0" exclusive mode
-- ARGV[4]  lock TTL in milliseconds, "0" = no expiry (exclusive mode only)
-- ARGV[5]  owner token written as the lock value (exclusive mode only)
-- ARGV[6]  soft-binding name, "" = no binding
-- ARGV[7]  soft-binding TTL in milliseconds, "0" = no expiry
-- ARGV[8]  GC step size folded into this call, "0" = no GC (the policy folds GC in here)
-- ARGV[9]  GC gate in milliseconds: at most one GC step per gate period across all callers;
--          "0" = a GC step on every call
-- ARGV[10] "1" = queue a ticket when no key can be had now (a waiting malloc), "0" = answer now
-- ARGV[11] ticket id "<instance>:<n>" (waiting only)
-- ARGV[12] instance id of the caller's allocator; its mailbox receives the hand-off
-- ARGV[13] queue score = -priority, a decimal integer (waiting only)
-- ARGV[14] liveness TTL of the instance in milliseconds (waiting only)
-- Returns  the allocated key; nil (false) when no key is free; 1 when a ticket was queued (the
--          key will arrive in the instance's mailbox as "<ticket>|<token>|<key>").
--
-- Waiters first (DESIGN.md §10) at no cost to the uncontended path: tickets queue only when the
-- free list is empty, and every key that comes back while it is empty is handed to the queue
-- (pool.lua handOff), so while anyone waits the free list stays empty and a newcomer finds
-- nothing: it queues behind them (waiting) or gets nil. Keys that reach the free list without a
-- hand-off (a Python process's free) are handed to the queue by the drain within about a second.
--
-- GC rule: with ARGV[8] > 0, a call runs one GC step when it opens the gate, and always when the
-- free list is empty (then it retries the pop), so an exhausted pool still reclaims ended leases.
--
-- Soft binding: a name's bound key is handed out again when it is still a member, not expired
-- (F7) and not held. While another holder (e.g. a second worker with the same name) holds it,
-- this call gets a different key and the binding keeps pointing at the held key. A binding to a
-- key that left the pool, expired, or (shared mode) is quarantined is dropped and re-pointed.

-- @include pool

local bindPrefix = ARGV[2]
local shared = ARGV[3] == '1'
local lockTtl = tonumber(ARGV[4])
local token = ARGV[5]
local name = ARGV[6]
local bindTtl = tonumber(ARGV[7])
local gcCount = tonumber(ARGV[8])
local gcGate = tonumber(ARGV[9])
local waiting = ARGV[10] == '1'

local collected = false
if gcCount > 0 and (gcGate == 0 or rcall('SET', KEYS[5], '1', 'NX', 'PX', gcGate)) then
  gcStep(KEYS[4], gcCount)
  collected = true
end

-- SET NX is both the "is it held?" test and the acquisition: one call instead of EXISTS + SET.
local function acquire(item)
  if lockTtl > 0 then
    return rcall('SET', lockPrefix .. item, token, 'NX', 'PX', lockTtl)
  end
  return rcall('SET', lockPrefix .. item, token, 'NX')
end

local function bind(bindKey, item)
  if bindTtl > 0 then
    rcall('SET', bindKey, item, 'PX', bindTtl)
  else
    rcall('SET', bindKey, item)
  end
end

local bindKey
local rebind = false
-- A bound key that came back without a hand-off yet (lease ended, GC not there) must not jump
-- the queue: with waiters queued, a named caller takes its turn like everyone else.
if name ~= '' and rcall('EXISTS', waitersKey) == 0 then
  bindKey = bindPrefix .. name
  rebind = true
  local bound = rcall('GET', bindKey)
  if bound then
    local value = rcall('HGET', poolKey, bound)
    local prev, nxt, expiry
    if value then prev, nxt, expiry = decode(value) end
    if value and not isExpired(expiry) then
      if shared then
        if rcall('EXISTS', lockPrefix .. bound) == 0 then
          bind(bindKey, bound)
          return bound
        end
      elseif acquire(bound) then
        takeMember(bound, prev, nxt, expiry)
        bind(bindKey, bound)
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
-- heads stay allocated (GC returns them when their lock ends).
local function pop()
  while true do
    local head = rcall('GET', headKey)
    if not head or head == '' then return false end
    local value = rcall('HGET', poolKey, head)
    if not value then error('pool corrupt: head ' .. head .. ' has no entry') end
    local _, nxt, expiry = decode(value)
    if isExpired(expiry) then
      detachHead(head, nxt, expiry, false)
    elseif shared then
      local quarantined = rcall('EXISTS', lockPrefix .. head) == 1
      detachHead(head, nxt, expiry, true)
      if not quarantined then
        pushToTail(head, expiry)
        return head
      end
    else
      detachHead(head, nxt, expiry, true)
      if acquire(head) then return head end
    end
  end
end

local item = pop()
if not item and gcCount > 0 and not collected and gcStep(KEYS[4], gcCount) > 0 then item = pop() end
if item and rebind then bind(bindKey, item) end
if item or not waiting then return item end
-- Nothing free: queue this caller's ticket and mark its instance alive (its mailbox loop keeps
-- it so). The free list is empty now, so every key that comes back is offered to the queue.
local ticket = ARGV[11]
local arrival = string.format('%015d', rcall('INCR', KEYS[8]))
rcall('ZADD', waitersKey, ARGV[13], arrival .. '|' .. ticket)
rcall('HSET', ticketsKey, ticket,
  arrival .. '|' .. ARGV[12] .. '|' .. token .. '|' .. ARGV[4] .. '|' .. ARGV[7] .. '|' .. name)
rcall('SET', string.sub(lockPrefix, 1, -2) .. '|pool|alive:' .. ARGV[12], '1', 'PX', ARGV[14])
return 1
