-- malloc: allocate one resource key (exclusive: lock it; shared: rotate it to the tail).
--
-- KEYS[1]  pool hash          KEYS[2]  head pointer     KEYS[3]  tail pointer
-- KEYS[4]  GC cursor (HSCAN cursor of the incremental GC)
-- ARGV[1]  lock-key prefix "P|S:"
-- ARGV[2]  soft-binding key prefix "P|S-cache:bind:"
-- ARGV[3]  "1" shared mode, "0" exclusive mode
-- ARGV[4]  lock TTL in milliseconds, "0" = no expiry (exclusive mode only)
-- ARGV[5]  owner token written as the lock value (exclusive mode only)
-- ARGV[6]  soft-binding name, "" = no binding
-- ARGV[7]  soft-binding TTL in milliseconds, "0" = no expiry
-- ARGV[8]  GC step size run before allocating, "0" = no GC (the policy folds GC in here)
-- Returns  the allocated key, or nil (false) when no key is free.
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

if gcCount > 0 then gcStep(KEYS[4], gcCount) end

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

while true do
  local head = rcall('GET', headKey)
  if not head or head == '' then return false end
  local value = rcall('HGET', poolKey, head)
  if not value then return redis.error_reply('ERR pool corrupt: head ' .. head .. ' has no entry') end
  local _, nxt, expiry = decode(value)
  unlinkFree(head, '', nxt)
  if isExpired(expiry) then
    rcall('HDEL', poolKey, head)
  elseif shared then
    if rcall('EXISTS', lockPrefix .. head) == 1 then
      markAllocated(head, expiry) -- quarantined: GC returns it when the lock ends
    else
      pushToTail(head, expiry)
      if rebind then bind(bindKey, head) end
      return head
    end
  else
    markAllocated(head, expiry) -- held or quarantined heads too: GC returns them when the lock ends
    if acquire(head) then
      if rebind then bind(bindKey, head) end
      return head
    end
  end
end
