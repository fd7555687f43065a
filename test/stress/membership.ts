/**
 * The membership ledger of the crash stress: only the test itself may take members out of a pool
 * (shrink, or an entry lifetime that runs out), and each removal is licensed in Redis first. A
 * member may come back only on a license; a member that is missing without one disappeared by a
 * library fault. So the watcher never hides a lost member by re-adding it blindly.
 *
 * A license is one `HINCRBY` on `removalsKey(prefix)`, written BEFORE the removal (so a SIGKILL
 * between the two leaves a spare license, never a removal without one). A restore consumes one
 * license, atomically with the check that the member is really missing. Spare licenses (a shrink of
 * a key that was already out, two expiring extends of one entry) only make the check weaker for
 * that key, never raise a false alarm.
 */
import type { Redis } from 'ioredis';

/** Redis hash: field = resource key, value = removals licensed and not yet restored. */
export function removalsKey(prefix: string): string {
  return `oracle:${prefix}|removals`;
}

// KEYS[1] pool hash  KEYS[2] removal ledger
// ARGV    candidate keys (members the caller saw missing)
// Returns {restore, unexplained}: keys still missing with a license (one license consumed each),
// and keys still missing without one. Keys that are back in the pool are in neither list.
const CLAIM_RESTORES = `
local restore, unexplained = {}, {}
for _, key in ipairs(ARGV) do
  if redis.call('HEXISTS', KEYS[1], key) == 0 then
    if tonumber(redis.call('HGET', KEYS[2], key) or '0') > 0 then
      redis.call('HINCRBY', KEYS[2], key, -1)
      restore[#restore + 1] = key
    else
      unexplained[#unexplained + 1] = key
    end
  end
end
return {restore, unexplained}
`;

/** Licenses one removal of `key` (call it before the shrink or the expiring extend). */
export async function licenseRemoval(redis: Redis, prefix: string, key: string): Promise<void> {
  await redis.hincrby(removalsKey(prefix), key, 1);
}

/**
 * For the members in `missing`: which ones may be restored now (each consumed a license) and
 * which ones disappeared without a licensed removal.
 */
export async function claimRestores(
  redis: Redis,
  prefix: string,
  pool: string,
  missing: readonly string[],
): Promise<{ restore: string[]; unexplained: string[] }> {
  if (missing.length === 0) return { restore: [], unexplained: [] };
  const [restore, unexplained] = (await redis.eval(
    CLAIM_RESTORES,
    2,
    pool,
    removalsKey(prefix),
    ...missing,
  )) as [string[], string[]];
  return { restore, unexplained };
}
