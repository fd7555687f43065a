/**
 * `diagnose` through every supported client family (standalone) and through ioredis and
 * node-redis cluster clients: the report is the same whatever client the allocator was built on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose, RedisAllocatorCore } from '../../src/index.js';
import { type PrivateRedisCluster, startRedisCluster } from '../../tools/redis-server.js';
import {
  CLIENT_KINDS,
  closeLibraryClients,
  libraryClient,
  libraryClusterClient,
} from '../helpers/clients.js';
import { uniquePrefix } from '../helpers/redis.js';

let cluster: PrivateRedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 60_000);

afterAll(async () => {
  await closeLibraryClients();
  await cluster?.stop();
});

/** Fills a pool, holds one key under a binding, leaves an orphan lock; then reports on it. */
async function exercise(allocator: RedisAllocatorCore) {
  await allocator.extend(['a', 'b', 'c']);
  const lease = (await allocator.acquireLease({ timeout: 60, name: 'worker' }))!;
  await allocator.lock('ghost', { timeout: 60 });
  const report = await diagnose(allocator);
  expect(report.health).toBe('degraded'); // the orphan lock
  expect(report.pool).toMatchObject({ total: 3, free: 2, held: 1 });
  expect(report.leases.samples).toEqual([
    { key: lease.key, holder: lease.token, fence: lease.fence, secondsLeft: expect.any(Number) },
  ]);
  expect(report.bindings).toMatchObject({ total: 1, stale: 0 });
  expect(report.orphans.samples).toEqual([`${allocator.redisKeys.lockPrefix}ghost`]);
  expect(report.redis.error).toBeNull();
  expect(report.redis.usedMemory).toBeGreaterThan(0);
  expect(report.redis.commandStats.evalsha?.calls).toBeGreaterThan(0);
  await allocator.clear();
}

describe('diagnose on every client family', () => {
  for (const kind of CLIENT_KINDS) {
    it(`standalone ${kind}`, async () => {
      await exercise(new RedisAllocatorCore(libraryClient(kind), uniquePrefix(`diag-${kind}`)));
    });
  }

  for (const kind of ['ioredis', 'node-redis'] as const) {
    it(`cluster ${kind}: scans and server facts reach the node that holds the pool`, async () => {
      const client = await libraryClusterClient(cluster.startupNodes, kind);
      // Several prefixes, so the pools land on different nodes.
      for (const name of ['alpha', 'beta', 'gamma']) {
        await exercise(new RedisAllocatorCore(client, `${name}-${kind}`));
      }
    });
  }
});
