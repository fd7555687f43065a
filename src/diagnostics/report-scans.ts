/**
 * The advisory sections: soft bindings and orphan locks. They come from bounded SCANs after the
 * snapshot (not atomic with it: a key allocated or freed in between can be miscounted once), and
 * every list is capped.
 */

import type { RedisConnection } from '../client/index.js';
import type { AllocatorKeys } from '../keys.js';
import { areMembers, readValues, scanMatching } from './redis-access.js';
import type { BindingSample, BindingsSection, OrphansSection } from './report-types.js';
import { isEntryExpired, type PoolSnapshot } from './snapshot.js';

/** `text` as a literal inside a SCAN MATCH glob (prefixes may contain `*`, `?`, `[`, `\`). */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Bindings of both shapes (`P|S-cache:bind:*` and upstream's legacy `P|S:P|S-cache:bind:*`).
 * Stale: missing value, not a pool member, or an expired entry. A binding to a held key is not
 * stale: its holder is using it (F20).
 */
export async function bindingsSection(
  connection: RedisConnection,
  keys: AllocatorKeys,
  snapshot: PoolSnapshot,
  limits: { sampleLimit: number; scanLimit: number },
): Promise<BindingsSection> {
  const found: { redisKey: string; name: string; legacy: boolean }[] = [];
  let scanned = 0;
  let truncated = false;
  for (const [prefix, legacy] of [
    [keys.bindPrefix, false],
    [keys.legacyBindPrefix, true],
  ] as const) {
    const scan = await scanMatching(connection, keys.pool, `${globEscape(prefix)}*`, limits.scanLimit);
    scanned += scan.scanned;
    truncated ||= scan.truncated;
    for (const redisKey of scan.keys) found.push({ redisKey, name: redisKey.slice(prefix.length), legacy });
  }
  const values = await readValues(
    connection,
    found.map((f) => f.redisKey),
  );
  let stale = 0;
  const samples: BindingSample[] = [];
  found.forEach((binding, i) => {
    const key = values[i] ?? null;
    const entry = key === null ? undefined : snapshot.entries.get(key);
    const isStale = entry === undefined || isEntryExpired(entry, snapshot.now);
    if (isStale) stale++;
    if (samples.length < limits.sampleLimit)
      samples.push({ name: binding.name, key, stale: isStale, legacy: binding.legacy });
  });
  return { total: found.length, stale, scanned, truncated, samples };
}

/**
 * Keys under the lock prefix `P|S:` that are not pool members. Skipped: legacy bindings (they live
 * under the same prefix) and the default policy's refresh lock (upstream counted it: F20).
 * Candidates are confirmed against the pool hash at the time of the check, not the snapshot.
 */
export async function orphansSection(
  connection: RedisConnection,
  keys: AllocatorKeys,
  snapshot: PoolSnapshot,
  limits: { sampleLimit: number; scanLimit: number },
): Promise<OrphansSection> {
  const scan = await scanMatching(connection, keys.pool, `${globEscape(keys.lockPrefix)}*`, limits.scanLimit);
  const candidates = scan.keys.filter(
    (redisKey) =>
      redisKey !== keys.policyLock &&
      !redisKey.startsWith(keys.legacyBindPrefix) &&
      !snapshot.entries.has(redisKey.slice(keys.lockPrefix.length)),
  );
  const members = await areMembers(
    connection,
    keys.pool,
    candidates.map((redisKey) => redisKey.slice(keys.lockPrefix.length)),
  );
  const orphans = candidates.filter((_, i) => !members[i]);
  return {
    count: orphans.length,
    scanned: scan.scanned,
    truncated: scan.truncated,
    samples: orphans.slice(0, limits.sampleLimit),
  };
}
