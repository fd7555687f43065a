/**
 * `diagnose`: one JSON-serialisable report of a pool, from one atomic snapshot (integrity,
 * counters, leases and holders all describe the same instant) plus bounded advisory scans
 * (bindings, orphan locks) and server facts. Read-only: it never writes to Redis.
 */
import { performance } from 'node:perf_hooks';
import type { RedisConnection } from '../client/index.js';
import { InvalidArgumentError, NotAPoolError } from '../errors.js';
import type { AllocatorKeys } from '../keys.js';
import { healthOf, recommend } from './recommendations.js';
import { keyType, poolSize, readSnapshot } from './redis-access.js';
import { integritySection, leasesSection, poolCounters } from './report-pool.js';
import { pressureSection, redisSection } from './report-redis.js';
import { bindingsSection, orphansSection } from './report-scans.js';
import type { IdentitySection, PoolReport } from './report-types.js';
import { waitersSection } from './report-waiters.js';
import type { ChunkedSnapshot } from './snapshot.js';

/** What `diagnose` needs of an allocator (a `RedisAllocator` or `RedisAllocatorCore` fits). */
export interface DiagnoseTarget {
  readonly connection: RedisConnection;
  readonly redisKeys: AllocatorKeys;
  readonly prefix: string;
  readonly suffix: string;
  readonly shared: boolean;
}

/** Options of `diagnose`. */
export interface DiagnoseOptions {
  /** Most entries in each sample list (leases, waiters, bindings, orphans, slow log). Default 20. */
  readonly sampleLimit?: number;
  /** Most keys each advisory SCAN collects (bindings, orphan locks). Default 1000. */
  readonly scanLimit?: number;
  /** The previous report of the same pool: adds `pressure` (rates between the two). */
  readonly previous?: PoolReport;
  /**
   * `0`: read the pool in one atomic script (every section describes one instant). `n > 0`: read
   * it in scripts of about `n` entries each, so a huge pool never blocks Redis for long; the
   * free-list walks (INV-1, INV-2) are then not checked, and counters may mix instants (see
   * `integrity.consistency`). `'auto'`: atomic up to `AUTO_CHUNK.threshold` entries, chunks of
   * `AUTO_CHUNK.size` above (one `HLEN` more). Default 0.
   */
  readonly chunkSize?: number | 'auto';
}

export const DIAGNOSE_DEFAULTS = { sampleLimit: 20, scanLimit: 1000, chunkSize: 0 } as const;

/**
 * `chunkSize: 'auto'`: pools above `threshold` entries are read in chunks of `size`. Measured: an
 * atomic read of 10 000 entries blocks Redis ~25–40 ms, of 100 000 ~0.5–0.9 s; chunks of 2000 stay
 * under ~50 ms.
 */
export const AUTO_CHUNK = { threshold: 10_000, size: 2000 } as const;

/**
 * Reports on the pool of `target`.
 * @throws InvalidArgumentError for bad options (before any Redis call);
 *         NotAPoolError when the pool key (or a pointer) holds another type.
 */
export async function diagnose(target: DiagnoseTarget, options: DiagnoseOptions = {}): Promise<PoolReport> {
  const sampleLimit = limit(options.sampleLimit, DIAGNOSE_DEFAULTS.sampleLimit, 'sampleLimit');
  const scanLimit = limit(options.scanLimit, DIAGNOSE_DEFAULTS.scanLimit, 'scanLimit');
  const chunkSize =
    options.chunkSize === 'auto'
      ? 'auto'
      : limit(options.chunkSize, DIAGNOSE_DEFAULTS.chunkSize, 'chunkSize');
  const previous = options.previous;
  if (previous !== undefined && previous.identity?.poolKey !== target.redisKeys.pool) {
    throw new InvalidArgumentError(
      `previous is a report of another pool (${String(previous.identity?.poolKey)})`,
    );
  }
  const started = performance.now();
  const exists = await assertPoolShape(target);
  const snapshotStarted = performance.now();
  const chunks =
    chunkSize === 'auto'
      ? (await poolSize(target.connection, target.redisKeys.pool)) > AUTO_CHUNK.threshold
        ? AUTO_CHUNK.size
        : 0
      : chunkSize;
  const snapshot = await readSnapshot(target, chunks);
  const snapshotMs = performance.now() - snapshotStarted;
  const facts = await buildSections(target, snapshot, exists, { sampleLimit, scanLimit }, previous);
  const recommendations = recommend(facts, snapshot.longestChunkMs);
  return {
    ...facts,
    health: healthOf(facts.integrity.ok, recommendations),
    recommendations,
    timing: {
      snapshotMs,
      snapshotCalls: snapshot.chunks,
      longestSnapshotCallMs: snapshot.longestChunkMs,
      totalMs: performance.now() - started,
    },
  };
}

/**
 * Every section but health, recommendations and timing. The one place a new section is added.
 */
async function buildSections(
  target: DiagnoseTarget,
  snapshot: ChunkedSnapshot,
  exists: boolean,
  limits: { sampleLimit: number; scanLimit: number },
  previous: PoolReport | undefined,
): Promise<Omit<PoolReport, 'health' | 'recommendations' | 'timing'>> {
  const { connection, redisKeys, shared } = target;
  const pool = poolCounters(snapshot, shared);
  const redisFacts = await redisSection(connection, redisKeys.pool, limits.sampleLimit);
  return {
    version: 1,
    timestamp: snapshot.now,
    generatedAt: new Date(snapshot.now * 1000).toISOString(),
    identity: identitySection(target, exists, snapshot.fence ?? 0),
    integrity: integritySection(snapshot, shared, limits.sampleLimit, snapshot.chunks > 1),
    pool,
    leases: leasesSection(snapshot, limits.sampleLimit),
    waiters: waitersSection(snapshot, limits.sampleLimit),
    bindings: await bindingsSection(connection, redisKeys, snapshot, limits),
    orphans: await orphansSection(connection, redisKeys, snapshot, limits),
    redis: redisFacts,
    pressure: pressureSection({ timestamp: snapshot.now, redis: redisFacts, pool }, previous),
  };
}

function identitySection(target: DiagnoseTarget, exists: boolean, fence: number): IdentitySection {
  return {
    prefix: target.prefix,
    suffix: target.suffix,
    shared: target.shared,
    mode: target.shared ? 'shared' : 'exclusive',
    poolKey: target.redisKeys.pool,
    exists,
    fence,
  };
}

/** @returns whether the pool hash exists; throws when a pool key holds another type. */
async function assertPoolShape(target: DiagnoseTarget): Promise<boolean> {
  const { pool, head, tail } = target.redisKeys;
  const poolType = await keyType(target.connection, pool);
  if (poolType !== 'hash' && poolType !== 'none') throw new NotAPoolError(pool, poolType, 'a hash');
  for (const pointer of [head, tail]) {
    const type = await keyType(target.connection, pointer);
    if (type !== 'string' && type !== 'none') throw new NotAPoolError(pointer, type, 'a string');
  }
  return poolType === 'hash';
}

function limit(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}
