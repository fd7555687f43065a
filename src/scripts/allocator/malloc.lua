-- malloc: allocate one resource key (exclusive: lock it; shared: rotate it to the tail).
--
-- KEYS[1]  pool hash          KEYS[2]  head pointer     KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (HSCAN cursor of the incremental GC)
-- KEYS[5]  GC gate: while it exists, mallocs skip the GC step (SET NX PX ARGV[9])
-- KEYS[6]  fence counter: INCR'd once per exclusive allocation
-- KEYS[7]  deadline index (sorted set, score = Unix ms at which a key's lock ends)
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
-- Returns  { key, fence } (fence: the pool's new fence number; 0 in shared mode), or nil (false)
--          when no key is free.
--
-- GC rule: with ARGV[8] > 0, a call that opens the gate first returns up to DUE_BATCH keys whose
-- deadline passed, then runs one GC step. Every call that finds the free list empty returns due
-- keys and retries the pop, and with ARGV[8] > 0 also runs a GC step (for entries nobody indexed:
-- Python peers) and retries, so an exhausted pool still reclaims ended leases.
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

-- Keys returned per deadline pop: bounds the script's time when many leases end at once.
local DUE_BATCH = 100

local collected = false
if gcCount > 0 and (gcGate == 0 or rcall('SET', KEYS[5], '1', 'NX', 'PX', gcGate)) then
  returnDue(DUE_BATCH)
  gcStep(KEYS[4], gcCount)
  collected = true
end

-- An exclusive allocation gets the next fence and a deadline; a shared rotation neither.
local function granted(item)
  if shared then return { item, 0 } end
  if lockTtl > 0 then scheduleReturn(item, lockTtl) end
  return { item, rcall('INCR', KEYS[6]) }
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
if name ~= '' then
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
          return granted(bound)
        end
      elseif acquire(bound) then
        takeMember(bound, prev, nxt, expiry)
        bind(bindKey, bound)
        return granted(bound)
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
if not item and not collected and returnDue(DUE_BATCH) > 0 then item = pop() end
if not item and gcCount > 0 and not collected and gcStep(KEYS[4], gcCount) > 0 then item = pop() end
if not item then return false end
if rebind then bind(bindKey, item) end
return granted(item)
