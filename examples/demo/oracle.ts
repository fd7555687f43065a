/**
 * The double-allocation oracle: an independent record, next to the pool, of who is using which
 * proxy right now. After a worker gets proxy k it claims `<prefix>-oracle:k` with `SET NX`; a
 * claim that finds another worker's record means two workers hold k at once.
 *
 * No false alarms: a claim's TTL is capped below the remaining TTL of the lease it shadows, and a
 * worker deletes its own claim before it frees or quarantines the proxy. So a claim can only be
 * alive while the lease under it is alive; a killed worker's claim always ends before its lease.
 */
import type { Redis } from 'ioredis';

/** Outcome of a claim. */
export type ClaimResult =
  | { kind: 'claimed' }
  /** Another worker's live claim: a double allocation. */
  | { kind: 'taken'; holder: string }
  /** The lock no longer holds our token (or is about to end): nothing was claimed. */
  | { kind: 'lease-gone'; lockValue: string | null };

// KEYS[1] oracle key, KEYS[2] allocation lock key of the same proxy
// ARGV[1] claimant id, ARGV[2] our lease token, ARGV[3] TTL cap (ms), ARGV[4] margin before the lease ends (ms)
// Returns {1} claimed, {0, holder} taken, {-1, lockValue|false} lease gone.
const CLAIM = `
local lockValue = redis.call('GET', KEYS[2])
if lockValue ~= ARGV[2] then return {-1, lockValue} end
local ttl = tonumber(ARGV[3])
local leaseTtl = redis.call('PTTL', KEYS[2])
if leaseTtl >= 0 then ttl = math.min(ttl, leaseTtl - tonumber(ARGV[4])) end
if ttl <= 0 then return {-1, lockValue} end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ttl) then return {1} end
return {0, redis.call('GET', KEYS[1]) or ''}
`;

// KEYS[1] oracle key; ARGV[1] claimant id. Compare-and-delete: never removes another's claim.
const UNCLAIM = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** The oracle records of one demo run. */
export class AllocationOracle {
  constructor(
    private readonly redis: Redis,
    /** Demo key prefix; records live at `<prefix>-oracle:<proxy>`. */
    private readonly prefix: string,
  ) {}

  /** Oracle key of `proxy`. */
  keyOf(proxy: string): string {
    return `${this.prefix}-oracle:${proxy}`;
  }

  /**
   * Claims `proxy` for `claimant` while `lockKey` still holds `token`.
   * @param capSeconds upper bound of the claim's TTL
   * @param marginSeconds the claim ends at least this long before the lease
   */
  async claim(
    proxy: string,
    claimant: string,
    lock: { key: string; token: string },
    capSeconds: number,
    marginSeconds: number,
  ): Promise<ClaimResult> {
    const reply = (await this.redis.eval(
      CLAIM,
      2,
      this.keyOf(proxy),
      lock.key,
      claimant,
      lock.token,
      Math.round(capSeconds * 1000),
      Math.round(marginSeconds * 1000),
    )) as [number, (string | null)?];
    if (reply[0] === 1) return { kind: 'claimed' };
    if (reply[0] === 0) return { kind: 'taken', holder: String(reply[1]) };
    return { kind: 'lease-gone', lockValue: reply[1] ?? null };
  }

  /** Deletes `claimant`'s claim on `proxy` (no-op when it expired or is someone else's). */
  async unclaim(proxy: string, claimant: string): Promise<void> {
    await this.redis.eval(UNCLAIM, 1, this.keyOf(proxy), claimant);
  }
}
