-- conditional: compare a number with a key's current value, then set or delete the key
-- (setgt/setlt/setge/setle/seteq/setne and delgt/…/delne). Comparison is "argument OP current".
--
-- KEYS[1]  the lock key "P|S:<key>"
-- ARGV[1]  operator: one of  >  <  >=  <=  ==  !=
-- ARGV[2]  the compared argument, decimal number text
-- ARGV[3]  eps, decimal number text (tolerance of >=, <=, ==, !=)
-- ARGV[4]  text to store when the condition holds; "" = delete the key instead
-- ARGV[5]  TTL of the stored text in milliseconds; "0" = no expiry (any existing TTL is cleared)
-- Returns  1 when the condition held (the key was then written or deleted), 0 otherwise.
--
-- A missing key, or a current value that is not a finite number, satisfies every condition.

local rcall = redis.call
local lockKey = KEYS[1]
local op = ARGV[1]
local argument = tonumber(ARGV[2])
local eps = tonumber(ARGV[3])
local store = ARGV[4]
local ttlMs = tonumber(ARGV[5])

local function holds(v, c)
  if op == '>' then return v > c end
  if op == '<' then return v < c end
  if op == '>=' then return v >= c - eps end
  if op == '<=' then return v <= c + eps end
  if op == '==' then return math.abs(v - c) < eps end
  if op == '!=' then return math.abs(v - c) > eps end
  return error('conditional: unknown operator ' .. tostring(op))
end

local current = tonumber(rcall('GET', lockKey))
-- inf and nan are not numbers here (nan ~= nan; inf - inf is nan)
if current ~= nil and (current ~= current or current - current ~= 0) then current = nil end

if current ~= nil and not holds(argument, current) then return 0 end

if store == '' then
  rcall('DEL', lockKey)
elseif ttlMs > 0 then
  rcall('SET', lockKey, store, 'PX', ARGV[5]) -- text: see pool.lua int()
else
  rcall('SET', lockKey, store)
end
return 1
