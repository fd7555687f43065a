/** `diagnose` / `allocator.inspect()` against a real Redis: each section, the F20 rules, limits, bad input. */
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import {
  AUTO_CHUNK,
  diagnose,
  InvalidArgumentError,
  NotAPoolError,
  RedisAllocator,
  RedisAllocatorCore,
} from '../../src/index.js';
import { startRedisServer } from '../../tools/redis-server.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';
import { keyspaceImage } from './helpers.js';

const redis = testClient();

async function pool(label: string, keys: string[], shared = false) {
  const allocator = new RedisAllocatorCore(redis, uniquePrefix(label), { shared });
  await allocator.extend(keys);
  return allocator;
}

describe('diagnose', () => {
  it('a fresh pool is healthy, every key free, nothing held', async () => {
    const allocator = await pool('fresh', ['a', 'b', 'c']);
    const report = await diagnose(allocator);
    expect(report.health).toBe('healthy');
    expect(report.identity).toMatchObject({ suffix: 'allocator', mode: 'exclusive', exists: true });
    expect(report.pool).toEqual({
      total: 3,
      free: 3,
      allocated: 0,
      locked: 0,
      held: 0,
      quarantined: 0,
      cooling: 0,
      expired: 0,
      reclaimable: 0,
      permanentLocks: 0,
      lockedOnFreeList: 0,
    });
    expect(report.integrity).toMatchObject({ ok: true, violations: [], lockedOnFreeList: 0 });
    expect(report.recommendations).toEqual([]);
    expect(report.pressure).toBeNull();
  });

  it('a key resting after release({ cooldown }) counts as cooling, not held', async () => {
    const allocator = await pool('cooling', ['a', 'b']);
    const resting = (await allocator.acquireLease({ timeout: 30 }))!;
    await allocator.acquireLease({ timeout: 30 });
    await allocator.releaseLease(resting, { cooldown: 30 });
    const report = await diagnose(allocator);
    expect(report.pool).toMatchObject({ cooling: 1, held: 1, locked: 2, free: 0 });
  });

  it('leases name their holder (the lock value) and the seconds left, from the same snapshot', async () => {
    const allocator = await pool('leases', ['a', 'b', 'c', 'd']);
    const short = (await allocator.acquireLease({ timeout: 30 }))!;
    const long = (await allocator.acquireLease({ timeout: 300 }))!;
    await allocator.acquireLease({ timeout: 0 }); // permanent
    const report = await diagnose(allocator);
    expect(report.pool).toMatchObject({ free: 1, allocated: 3, locked: 3, held: 3, permanentLocks: 1 });
    expect(report.leases.count).toBe(3);
    const [first, second, third] = report.leases.samples;
    expect(first).toMatchObject({ key: short.key, holder: short.token });
    expect(first!.secondsLeft).toBeGreaterThan(25);
    expect(first!.secondsLeft).toBeLessThanOrEqual(30);
    expect(second).toMatchObject({ key: long.key, holder: long.token });
    expect(third).toMatchObject({ key: 'c', secondsLeft: null });
    expect(report.recommendations.map((r) => r.code)).toContain('permanent-locks');
    expect(report.health).toBe('healthy'); // info does not degrade
  });

  it('samples are capped by sampleLimit and say so', async () => {
    const allocator = await pool('cap', ['a', 'b', 'c', 'd', 'e']);
    for (let i = 0; i < 4; i++) await allocator.acquireLease({ timeout: 60 });
    const report = await diagnose(allocator, { sampleLimit: 2 });
    expect(report.leases.count).toBe(4);
    expect(report.leases.samples).toHaveLength(2);
    expect(report.leases.truncated).toBe(true);
  });

  it('a lease that ended without a free is reclaimable until GC returns it', async () => {
    const allocator = await pool('reclaim', ['a', 'b']);
    await allocator.acquireLease({ timeout: 0.2 });
    await sleep(0.4);
    const before = await diagnose(allocator);
    expect(before.pool).toMatchObject({ allocated: 1, locked: 0, reclaimable: 1 });
    await allocator.gc(10);
    expect((await diagnose(allocator)).pool).toMatchObject({ free: 2, reclaimable: 0 });
  });

  it('low free capacity degrades the pool (upstream code low-free-capacity)', async () => {
    const allocator = await pool('low', ['a', 'b']);
    await allocator.acquireLease({ timeout: 60 });
    await allocator.acquireLease({ timeout: 60 });
    const report = await diagnose(allocator);
    expect(report.recommendations.map((r) => r.code)).toEqual(['low-free-capacity']);
    expect(report.health).toBe('degraded');
  });

  it('shared mode: a quarantine lock on a free key is not a problem (F20)', async () => {
    const allocator = await pool('sharedq', ['a', 'b'], true);
    await allocator.update('a', { value: 'quarantine', timeout: 60 });
    const report = await diagnose(allocator);
    expect(report.integrity).toMatchObject({ ok: true, lockedOnFreeList: 0 });
    expect(report.pool).toMatchObject({ quarantined: 1, held: 0, locked: 1 });
    expect(report.health).toBe('healthy');
  });

  it('exclusive mode: rlock on a free key is lockedOnFreeList, degraded, not corrupt', async () => {
    const allocator = await pool('rlock', ['a', 'b', 'c']);
    await allocator.rlock('b', { timeout: 60 });
    const report = await diagnose(allocator);
    expect(report.integrity).toMatchObject({ ok: true, lockedOnFreeList: 1, lockedOnFreeListSamples: ['b'] });
    expect(report.pool.lockedOnFreeList).toBe(1);
    expect(report.recommendations.map((r) => r.code)).toContain('locked-on-free-list');
    expect(report.health).toBe('degraded');
  });

  it('a damaged free list is corrupt, with the violation named', async () => {
    const allocator = await pool('corrupt', ['a', 'b', 'c']);
    await redis.hset(allocator.redisKeys.pool, 'b', '#ALLOCATED||c||-1'); // half-allocated
    const report = await diagnose(allocator);
    expect(report.health).toBe('corrupt');
    expect(report.integrity.ok).toBe(false);
    expect(report.integrity.violations.map((v) => v.invariant)).toContain('INV-3');
    expect(report.recommendations[0]).toMatchObject({ code: 'integrity-corrupt', severity: 'critical' });
  });

  it('a malformed entry value is corrupt (ENCODING)', async () => {
    const allocator = await pool('malformed', ['a']);
    await redis.hset(allocator.redisKeys.pool, 'x', 'garbage');
    const report = await diagnose(allocator);
    expect(report.health).toBe('corrupt');
    expect(report.integrity.violations.map((v) => v.invariant)).toContain('ENCODING');
  });

  it('orphan locks are counted; the policy refresh lock is not (F20)', async () => {
    const allocator = new RedisAllocator(redis, uniquePrefix('orphan'));
    await allocator.extend(['a']);
    await allocator.lock('ghost', { timeout: 60 });
    await redis.set(allocator.redisKeys.policyLock, '1', 'EX', 60);
    const report = await allocator.inspect();
    expect(report.orphans).toMatchObject({ count: 1, truncated: false });
    expect(report.orphans.samples).toEqual([`${allocator.redisKeys.lockPrefix}ghost`]);
    expect(report.recommendations.map((r) => r.code)).toContain('orphan-locks');
  });

  it('bindings: one to a held key is fine (F20), one to a removed key is stale, legacy ones count', async () => {
    const allocator = await pool('bind', ['a', 'b', 'c']);
    const lease = await allocator.acquireLease({ name: 'worker-1', timeout: 60 });
    expect(lease?.key).toBe('a');
    await allocator.updateSoftBind('gone', 'b');
    await allocator.shrink(['b']);
    await redis.set(`${allocator.redisKeys.legacyBindPrefix}old`, 'c', 'EX', 60);
    const report = await diagnose(allocator);
    expect(report.bindings).toMatchObject({ total: 3, stale: 1, truncated: false });
    const byName = Object.fromEntries(report.bindings.samples.map((s) => [s.name, s]));
    expect(byName['worker-1']).toMatchObject({ key: 'a', stale: false, legacy: false });
    expect(byName.gone).toMatchObject({ key: 'b', stale: true });
    expect(byName.old).toMatchObject({ key: 'c', stale: false, legacy: true });
    expect(report.recommendations.map((r) => r.code)).toContain('stale-bindings');
  });

  it('a scan that hits scanLimit reports truncation', async () => {
    // Its own server: in the run's shared keyspace a bounded SCAN may visit none of the ghosts.
    const server = await startRedisServer();
    const client = new Redis(server.url);
    try {
      const allocator = new RedisAllocatorCore(client, uniquePrefix('scanlimit'));
      await allocator.extend(['a']);
      for (let i = 0; i < 25; i++) await allocator.lock(`ghost-${i}`, { timeout: 60 });
      const report = await diagnose(allocator, { scanLimit: 10, sampleLimit: 3 });
      expect(report.orphans).toMatchObject({ count: 10, scanned: 10, truncated: true });
      expect(report.orphans.samples).toHaveLength(3);
      expect(report.recommendations.map((r) => r.code)).toContain('scan-truncated');
    } finally {
      await client.quit();
      await server.stop();
    }
  });

  it('glob characters in a prefix match only that pool', async () => {
    const base = uniquePrefix('glob');
    const starred = new RedisAllocatorCore(redis, `${base}*`);
    const other = new RedisAllocatorCore(redis, `${base}x`);
    await starred.extend(['a']);
    await other.extend(['a']);
    await other.lock('ghost', { timeout: 60 });
    const report = await diagnose(starred);
    expect(report.orphans.count).toBe(0);
  });

  it('a prefix with no pool reports exists=false and pool-missing', async () => {
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('nopool'));
    const report = await diagnose(allocator);
    expect(report.identity.exists).toBe(false);
    expect(report.pool.total).toBe(0);
    expect(report.recommendations.map((r) => r.code)).toEqual(['pool-missing']);
    expect(report.health).toBe('degraded');
  });

  it('a key of another type where the pool should be throws NotAPoolError', async () => {
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('wrongtype'));
    await redis.set(allocator.redisKeys.pool, 'not a hash', 'EX', 60);
    await expect(diagnose(allocator)).rejects.toThrow(NotAPoolError);
    await expect(diagnose(allocator)).rejects.toThrow(/is a string, not a hash/);
  });

  it('writes nothing: the keyspace of the pool is the same before and after', async () => {
    const allocator = await pool('readonly', ['a', 'b', 'c']);
    await allocator.acquireLease({ name: 'n', timeout: 60 });
    await allocator.lock('ghost', { timeout: 60 });
    await redis.hset(allocator.redisKeys.pool, 'x', 'garbage');
    const before = await keyspaceImage(redis, `${allocator.prefix}*`);
    await diagnose(allocator);
    expect(await keyspaceImage(redis, `${allocator.prefix}*`)).toEqual(before);
  });

  it('with the previous report: rates between the two, including script calls', async () => {
    const allocator = await pool('pressure', ['a', 'b']);
    const first = await diagnose(allocator);
    for (let i = 0; i < 20; i++) await allocator.freeKeys([(await allocator.mallocKey())!]);
    await allocator.extend(['c']);
    const second = await diagnose(allocator, { previous: first });
    expect(second.pressure).not.toBeNull();
    expect(second.pressure!.intervalSeconds).toBeGreaterThan(0);
    expect(second.pressure!.commandDeltas.evalsha).toBeGreaterThanOrEqual(40);
    expect(second.pressure!.scriptCallsPerSecond).toBeGreaterThan(0);
    expect(second.pressure!.allocatorKeyspaceDelta).toBe(1);
  });

  it("rates leave out the reports' own script calls: an idle server shows 0 scripts/s", async () => {
    const server = await startRedisServer();
    const idle = new Redis(server.url);
    try {
      const allocator = new RedisAllocatorCore(idle, 'idle');
      await allocator.extend(Array.from({ length: 1200 }, (_, i) => `k${i}`));
      await allocator.lock('ghost', { timeout: 60 });
      await allocator.freeKeys([(await allocator.mallocKey())!]); // loads the script (EVAL after NOSCRIPT)
      let report = await diagnose(allocator, { chunkSize: 100 }); // many script calls per report
      for (let i = 0; i < 3; i++) {
        await sleep(0.05);
        report = await diagnose(allocator, { previous: report, chunkSize: 100 });
        expect(report.pressure!.commandDeltas.evalsha).toBeGreaterThan(10); // the reports' own
        expect(report.pressure!.scriptCallsPerSecond).toBe(0);
      }
      await allocator.mallocKey();
      const busy = await diagnose(allocator, { previous: report, chunkSize: 100 });
      expect(busy.pressure!.scriptCallsPerSecond * busy.pressure!.intervalSeconds).toBeCloseTo(1, 5);
    } finally {
      idle.disconnect();
      await server.stop();
    }
  });

  it('is plain JSON: a round trip gives the same object', async () => {
    const allocator = await pool('json', ['a', 'b']);
    await allocator.acquireLease({ timeout: 60 });
    const report = await diagnose(allocator);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report.redis.usedMemory).toBeGreaterThan(0);
    expect(report.redis.connectedClients).toBeGreaterThan(0);
    expect(report.redis.error).toBeNull();
  });

  it('bad options throw InvalidArgumentError before any Redis call', async () => {
    const idle = new Redis(inject('redisUrl'), { lazyConnect: true });
    const allocator = new RedisAllocatorCore(idle, 'never');
    for (const options of [{ sampleLimit: -1 }, { scanLimit: 1.5 }, { sampleLimit: Number.NaN }]) {
      await expect(diagnose(allocator, options)).rejects.toThrow(InvalidArgumentError);
    }
    const other = await pool('other', ['a']);
    const foreign = await diagnose(other);
    await expect(diagnose(allocator, { previous: foreign })).rejects.toThrow(/another pool/);
    expect(idle.status).toBe('wait');
    idle.disconnect();
  });
});

describe('diagnose in chunks (chunkSize)', () => {
  // Over 512 entries: a smaller hash is a listpack, which HSCAN returns whole in one call.
  it('a quiet pool gives the same counters and leases as the atomic read, in several calls', async () => {
    const allocator = await pool(
      'chunks',
      Array.from({ length: 1200 }, (_, i) => `k${i}`),
    );
    for (let i = 0; i < 40; i++) await allocator.acquireLease({ timeout: 60 });
    const atomic = await diagnose(allocator);
    const chunked = await diagnose(allocator, { chunkSize: 200 });
    expect(chunked.pool).toEqual(atomic.pool);
    expect(chunked.leases.count).toBe(atomic.leases.count);
    expect(chunked.integrity).toMatchObject({
      ok: true,
      consistency: 'chunked',
      checked: ['INV-3', 'INV-4'],
    });
    expect(chunked.timing.snapshotCalls).toBeGreaterThan(1);
    expect(atomic.integrity).toMatchObject({
      consistency: 'atomic',
      checked: ['INV-1', 'INV-2', 'INV-3', 'INV-4', 'WAIT-1', 'WAIT-2', 'WAIT-3'],
    });
    expect(atomic.timing.snapshotCalls).toBe(1);
  });

  it('still finds per-entry damage (INV-3, encoding) but does not walk the free list', async () => {
    const allocator = await pool(
      'chunks-bad',
      Array.from({ length: 1200 }, (_, i) => `k${i}`),
    );
    await redis.hset(allocator.redisKeys.pool, 'k7', '#ALLOCATED||k8||-1'); // INV-3 (and breaks the walk)
    await redis.hset(allocator.redisKeys.pool, 'k9', 'garbage');
    const chunked = await diagnose(allocator, { chunkSize: 200 });
    expect(chunked.timing.snapshotCalls).toBeGreaterThan(1);
    expect(new Set(chunked.integrity.violations.map((v) => v.invariant))).toEqual(
      new Set(['INV-3', 'ENCODING']),
    );
    expect(chunked.health).toBe('corrupt');
    const atomic = await diagnose(allocator);
    expect(atomic.integrity.violations.map((v) => v.invariant)).toContain('INV-1');
  });

  it("chunkSize 'auto': atomic up to AUTO_CHUNK.threshold entries, chunked above", async () => {
    const small = await pool('auto-small', ['a', 'b']);
    expect((await diagnose(small, { chunkSize: 'auto' })).integrity.consistency).toBe('atomic');
    const big = new RedisAllocatorCore(redis, uniquePrefix('auto-big'));
    const keys = Array.from({ length: AUTO_CHUNK.threshold + 1 }, (_, i) => `k${i}`);
    for (let i = 0; i < keys.length; i += 2000) await big.extend(keys.slice(i, i + 2000));
    const report = await diagnose(big, { chunkSize: 'auto' });
    expect(report.integrity.consistency).toBe('chunked');
    expect(report.timing.snapshotCalls).toBeGreaterThan(1);
    expect(report.pool.total).toBe(AUTO_CHUNK.threshold + 1);
    await big.clear();
  });

  it('a pool that fits in one chunk is read atomically and fully checked', async () => {
    const allocator = await pool('chunks-one', ['a', 'b']);
    const report = await diagnose(allocator, { chunkSize: 1000 });
    expect(report.integrity.consistency).toBe('atomic');
    expect(report.timing.snapshotCalls).toBe(1);
  });
});
