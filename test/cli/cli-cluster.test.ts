/** `--cluster`: the CLI finds a pool on a 3-master Redis Cluster (keys in one slot via the hash tag). */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisAllocatorCore } from '../../src/index.js';
import { type PrivateRedisCluster, startRedisCluster } from '../../tools/redis-server.js';
import { runCli } from './run-cli.js';

let cluster: PrivateRedisCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  client = new Cluster(cluster.startupNodes);
  await client.ping();
}, 60_000);

afterAll(async () => {
  await client?.quit().catch(() => client.disconnect());
  await cluster?.stop();
});

describe('redis-allocator CLI on Redis Cluster', () => {
  it('inspect --cluster and check --cluster read the pool through any node', async () => {
    const allocator = new RedisAllocatorCore(client, 'cli-app');
    await allocator.extend(['a', 'b', 'c']);
    const lease = (await allocator.acquireLease({ timeout: 60, name: 'w' }))!;
    await allocator.lock('ghost', { timeout: 60 });
    // Any node will do: the client discovers the others and the slot of {cli-app}.
    const url = `redis://127.0.0.1:${cluster.nodes[2]!.port}`;
    const result = await runCli(['inspect', '--json', '--cluster', '--url', url, '--prefix', 'cli-app']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.identity).toMatchObject({
      prefix: '{cli-app}',
      poolKey: '{cli-app}|allocator|pool',
      exists: true,
    });
    expect(report.pool).toMatchObject({ total: 3, free: 2, held: 1 });
    expect(report.leases.samples[0]).toMatchObject({
      key: lease.key,
      holder: lease.token,
      fence: lease.fence,
    });
    expect(report.bindings).toMatchObject({ total: 1, stale: 0 });
    expect(report.orphans.count).toBe(1);
    expect(report.redis.connectedClients).toBeGreaterThan(0);
    const check = await runCli(['check', '--cluster', '--url', url, '--prefix', 'cli-app']);
    expect(check.code).toBe(0);
  });
});
