/**
 * INV-5 oracle: while a worker holds exclusive key k it owns `oracle:<prefix>:<k>` (SET NX). A
 * failed NX while the claimant's own lease is live means two live holders: a double allocation.
 *
 * The oracle key's TTL is computed in the same script from the holder's lock PTTL, so it always
 * expires at least ORACLE_MARGIN_MS before the lease. A killed holder therefore cannot leave an
 * oracle key behind that outlives its lease, and a new holder can never trip over it.
 */
import type { Redis } from 'ioredis';
import { doublesKey, ORACLE_MARGIN_MS, ORACLE_TTL_MS, oracleKey } from './config.js';

// KEYS[1] oracle key  KEYS[2] lock key  KEYS[3] doubles list
// ARGV[1] holder id  ARGV[2] owner token ("" = adopt the lock's value: mallocKey returns no token)
// ARGV[3] oracle TTL cap (ms)  ARGV[4] margin (ms)  ARGV[5] description of the allocation
// Returns {status, value, ttl}: {'ok', token, oracle TTL ms} | {'double', other holder}
//         | {'lost', lock value or ''}
const CLAIM = `
local lock = redis.call('GET', KEYS[2])
if not lock then return {'lost', ''} end
local token = ARGV[2]
if token == '' then token = lock end
if lock ~= token then return {'lost', lock} end
local ttl = math.min(tonumber(ARGV[3]), redis.call('PTTL', KEYS[2]) - tonumber(ARGV[4]))
if ttl <= 0 then return {'lost', lock} end
if redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'NX', 'PX', ttl) then return {'ok', token, ttl} end
local other = redis.call('GET', KEYS[1]) or '(expired)'
redis.call('RPUSH', KEYS[3], ARGV[5] .. ' while held by ' .. other)
return {'double', other}
`;

// KEYS[1] oracle key  KEYS[2] lock key
// ARGV[1] our oracle value  ARGV[2] owner token  ARGV[3] TTL cap (ms)  ARGV[4] margin (ms)
// Returns the new oracle TTL (ms), or -1 oracle no longer ours, -2 lock no longer ours, -3 too late.
const EXTEND = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return -2 end
local ttl = math.min(tonumber(ARGV[3]), redis.call('PTTL', KEYS[2]) - tonumber(ARGV[4]))
if ttl <= 0 then
  redis.call('DEL', KEYS[1])
  return -3
end
redis.call('PEXPIRE', KEYS[1], ttl)
return ttl
`;

// KEYS[1] oracle key  KEYS[2] lock key
// ARGV[1] our oracle value  ARGV[2] owner token
// Deletes the oracle key only if it is still ours. Returns the lock's PTTL (ms) when both were
// ours, -1 when the oracle key was not ours, -2 when the lock is not ours.
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return -2 end
return redis.call('PTTL', KEYS[2])
`;

export type ClaimResult =
  /** `ttlMs`: the oracle key's TTL, counted from (no earlier than) the claim's sending. */
  | { status: 'ok'; token: string; ttlMs: number }
  | { status: 'double'; other: string }
  | { status: 'lost'; lockValue: string };

/** The oracle, bound to one worker's connection and identity. */
export class Oracle {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Lock key prefix of the exclusive pool (`P|S:`). */
    private readonly lockPrefix: string,
    /** Unique per worker incarnation, e.g. `w3.17`. */
    private readonly holderId: string,
  ) {}

  /** Claims `key` right after allocating it; `token` "" adopts the lock's current value. */
  async claim(key: string, token: string): Promise<ClaimResult> {
    const detail = `${this.holderId} allocated ${key}`;
    const [status, value, ttl] = (await this.redis.eval(
      CLAIM,
      3,
      oracleKey(this.prefix, key),
      this.lockPrefix + key,
      doublesKey(this.prefix),
      this.holderId,
      token,
      ORACLE_TTL_MS,
      ORACLE_MARGIN_MS,
      detail,
    )) as [string, string, number?];
    if (status === 'ok') return { status, token: value, ttlMs: Number(ttl) };
    if (status === 'double') return { status, other: value };
    return { status: 'lost', lockValue: value };
  }

  /** After a successful renewLease: stretches the oracle key along with the lease. */
  async extend(key: string, token: string): Promise<number> {
    return (await this.redis.eval(
      EXTEND,
      2,
      oracleKey(this.prefix, key),
      this.lockPrefix + key,
      this.value(token),
      token,
      ORACLE_TTL_MS,
      ORACLE_MARGIN_MS,
    )) as number;
  }

  /** Before freeing: drops our oracle key; returns our lock's PTTL (ms) or a negative code. */
  async release(key: string, token: string): Promise<number> {
    return (await this.redis.eval(
      RELEASE,
      2,
      oracleKey(this.prefix, key),
      this.lockPrefix + key,
      this.value(token),
      token,
    )) as number;
  }

  private value(token: string): string {
    return `${this.holderId}:${token}`;
  }
}
