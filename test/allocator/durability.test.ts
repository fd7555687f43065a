/**
 * `durability: { replicas, timeout }`: every state-changing call waits for replica
 * acknowledgements (`WAIT`) on the connection (and cluster node) that carried the write, and fails
 * closed without them; off by default, with no `WAIT` at all.
 */
import { Cluster, Redis } from 'ioredis';
import { Redis as Ioredis6 } from 'ioredis6';
import { Redis as Iovalkey } from 'iovalkey';
import { createClient, createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSlot } from '../../src/client/slot.js';
import {
  InvalidArgumentError,
  type Lease,
  NotReplicatedError,
  RedisAllocator,
  RedisLock,
  takeSnapshot,
} from '../../src/index.js';
import {
  type PrivateRedisCluster,
  type PrivateRedisServer,
  redisCli,
  startRedisCluster,
  startRedisServer,
  startReplica,
  waitFor,
} from '../../tools/redis-server.js';
import { RedisProxy } from '../faults/proxy.js';
import { uniquePrefix } from '../helpers/redis.js';

const DURABILITY = { replicas: 1, timeout: 0.2 };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let lonely: PrivateRedisServer; // no replica: WAIT 1 always times out
let primary: PrivateRedisServer;
let replica: PrivateRedisServer;
let client: Redis;
let replicated: Redis;

beforeAll(async () => {
  lonely = await startRedisServer();
  primary = await startRedisServer();
  replica = await startReplica(primary.port);
  client = new Redis(lonely.port);
  replicated = new Redis(primary.port);
}, 30_000);
afterAll(async () => {
  client?.disconnect();
  replicated?.disconnect();
  await Promise.all([lonely?.stop(), primary?.stop(), replica?.stop()]);
});

function waitCalls(port: number): number {
  return Number(/cmdstat_wait:calls=(\d+)/.exec(redisCli(port, 'INFO', 'commandstats'))?.[1] ?? 0);
}

describe('durability off (the default)', () => {
  it('sends no WAIT', async () => {
    const allocator = new RedisAllocator(client, uniquePrefix('nodur'));
    await allocator.extend(['a']);
    const before = waitCalls(lonely.port);
    const lease = await allocator.acquireLease();
    await allocator.renewLease(lease!);
    await allocator.releaseLease(lease!);
    expect(waitCalls(lonely.port)).toBe(before);
  });
});

describe('durability without enough replicas: fail closed', () => {
  it('a malloc the replicas did not confirm releases its key and throws NotReplicatedError', async () => {
    const allocator = new RedisAllocator(client, uniquePrefix('dur-malloc'), { durability: DURABILITY });
    const admin = new RedisAllocator(client, allocator.prefix);
    await admin.extend(['a', 'b']);
    const error = await allocator.mallocKey().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotReplicatedError);
    expect(error).toMatchObject({ acknowledged: 0, required: 1 });
    // The key went back: both are free and unlocked, and the free list is whole.
    const snapshot = await takeSnapshot(admin);
    expect(
      [...snapshot.entries.values()].every((entry) => !entry.allocated && entry.lockTtlMs === null),
    ).toBe(true);
    expect(await admin.getFreeList()).toHaveLength(2);
  });

  it('a renewal the replicas did not confirm is a failed renewal (NotReplicatedError)', async () => {
    const prefix = uniquePrefix('dur-renew');
    const admin = new RedisAllocator(client, prefix);
    await admin.extend(['a']);
    const lease = await admin.acquireLease({ timeout: 10 });
    const durable = new RedisAllocator(client, prefix, { durability: DURABILITY });
    await expect(durable.renewLease(lease!, 60)).rejects.toBeInstanceOf(NotReplicatedError);
  });

  it('a lock the replicas did not confirm throws NotReplicatedError', async () => {
    const lock = new RedisLock(client, uniquePrefix('dur-lock'), { durability: DURABILITY });
    await expect(lock.lock('k')).rejects.toBeInstanceOf(NotReplicatedError);
  });
});

describe('durability with a replica', () => {
  it('a malloc returns once the replica has the lease, token included', async () => {
    const prefix = uniquePrefix('dur-ok');
    const allocator = new RedisAllocator(replicated, prefix, { durability: DURABILITY });
    await allocator.extend(['a']);
    const before = waitCalls(primary.port);
    const lease = await allocator.acquireLease({ timeout: 30 });
    expect(lease).not.toBeNull();
    expect(waitCalls(primary.port)).toBe(before + 1);
    // The replica has it the moment malloc returned: it is what a failover would promote.
    expect(redisCli(replica.port, 'GET', allocator.redisKeys.lockPrefix + lease!.key)).toBe(lease!.token);
    expect(await allocator.releaseLease(lease!)).toBe(true);
  });
});

// A hand-off writes the waiter's lock on the primary; the waiter must not hold it before the
// replicas have it, or a failover in between would give the key to a second holder.
describe('durability and waiting: a hand-off is granted only once the replicas have it', () => {
  it.each([
    ['a waiter of another instance (through its mailbox)', false],
    ['a waiter of the releasing instance (local delivery)', true],
  ] as const)(
    '%s',
    async (_label, sameInstance) => {
      const prefix = uniquePrefix(sameInstance ? 'dur-wait-local' : 'dur-wait-mailbox');
      // The replica acknowledges writes (still syncing when this case runs first, or catching up
      // after the other case's pause): WAIT counts only this connection's writes, so write first.
      for (let i = 0; i < 20; i++) {
        await replicated.incr(`${prefix}:sync`);
        if ((await replicated.wait(1, 500)) >= 1) break;
      }
      const holder = new RedisAllocator(replicated, prefix, { durability: DURABILITY });
      const waiting = sameInstance
        ? holder
        : new RedisAllocator(replicated, prefix, { durability: DURABILITY });
      await holder.extend(['a']);
      const lease = await holder.acquireLease({ timeout: 30 });
      let outcome: Lease | null | Error | undefined;
      const waited = waiting.acquireLease({ wait: 10, timeout: 30 }).then(
        (granted) => (outcome = granted),
        (error: Error) => (outcome = error),
      );
      for (let i = 0; i < 200 && (await holder.queueLength()) < 1; i++) await pause(10);
      expect(await holder.queueLength()).toBe(1);
      replica.process.kill('SIGSTOP'); // no acknowledgement until SIGCONT
      try {
        await expect(holder.releaseLease(lease!)).rejects.toBeInstanceOf(NotReplicatedError);
        await pause(800); // four WAIT timeouts: time for a hand-off to be granted, were it not confirmed
        // Never a key the replica does not have: still waiting, or failed closed like a malloc.
        if (outcome !== undefined) expect(outcome).toBeInstanceOf(NotReplicatedError);
      } finally {
        replica.process.kill('SIGCONT');
      }
      await waited;
      if (outcome !== null && !(outcome instanceof Error)) {
        // Granted after the replica came back: it has the lock the moment the waiter holds it.
        expect(redisCli(replica.port, 'GET', holder.redisKeys.lockPrefix + outcome!.key)).toBe(
          outcome!.token,
        );
        await waiting.releaseLease(outcome!);
      }
      await waiting.close();
      await holder.close();
    },
    30_000,
  );
});

describe('durability and local delivery: one WAIT', () => {
  it("a release that hands its key to its own instance's waiter sends one WAIT for the hand-off and the release", async () => {
    const prefix = uniquePrefix('dur-one-wait');
    for (let i = 0; i < 20; i++) {
      await replicated.incr(`${prefix}:sync`);
      if ((await replicated.wait(1, 500)) >= 1) break;
    }
    const allocator = new RedisAllocator(replicated, prefix, { durability: DURABILITY });
    await allocator.extend(['a']);
    const lease = await allocator.acquireLease({ timeout: 30 });
    const waited = allocator.acquireLease({ wait: 10, timeout: 30 });
    for (let i = 0; i < 200 && (await allocator.queueLength()) < 1; i++) await pause(10);
    const before = waitCalls(primary.port);
    expect(await allocator.releaseLease(lease!)).toBe(true);
    const granted = await waited;
    expect(waitCalls(primary.port) - before).toBe(1);
    expect(granted?.key).toBe('a');
    expect(redisCli(replica.port, 'GET', `${allocator.redisKeys.lockPrefix}a`)).toBe(granted!.token);
    await allocator.releaseLease(granted!);
    await allocator.close();
  });
});

describe('durability validation', () => {
  it.each([
    { replicas: 0, timeout: 1 },
    { replicas: 1.5, timeout: 1 },
    { replicas: '1', timeout: 1 },
    { replicas: 1, timeout: 0 },
    { replicas: 1, timeout: -1 },
    { replicas: 1, timeout: Number.POSITIVE_INFINITY },
    { replicas: 1, timeout: Number.NaN },
    { replicas: 1 },
    null,
  ])('rejects %j at construction', (durability) => {
    expect(() => new RedisAllocator(client, 'p', { durability: durability as never })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new RedisLock(client, 'p', { durability: durability as never })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('durability on a cluster: WAIT goes to the node that took the write', () => {
  let cluster: PrivateRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);
  afterAll(() => cluster?.stop());

  /** The port of the master serving `key`'s slot. */
  function ownerOf(key: string): number {
    const slot = hashSlot(key);
    const owner = cluster.nodes.find((node) => {
      const lines = redisCli(node.port, 'CLUSTER', 'SLOTS').split('\n');
      for (let i = 0; i + 3 < lines.length; i++) {
        if (lines[i + 3] === String(node.port) && slot >= Number(lines[i]) && slot <= Number(lines[i + 1]))
          return true;
      }
      return false;
    });
    return owner!.port;
  }

  it.each(['ioredis', 'node-redis'] as const)('%s', async (family) => {
    const nodes = cluster.startupNodes;
    const clusterClient =
      family === 'ioredis'
        ? new Cluster(nodes)
        : await createCluster({
            rootNodes: nodes.map(({ port }) => ({ url: `redis://127.0.0.1:${port}` })),
          }).connect();
    try {
      const allocator = new RedisAllocator(clusterClient as never, uniquePrefix(`dur-cluster-${family}`), {
        durability: DURABILITY,
      });
      const owner = ownerOf(allocator.redisKeys.pool);
      const before = cluster.nodes.map((node) => waitCalls(node.port));
      // No replicas in this cluster: the write is refused durability, but the WAIT count shows where it ran.
      await expect(allocator.extend(['a'])).rejects.toBeInstanceOf(NotReplicatedError);
      const after = cluster.nodes.map((node) => waitCalls(node.port));
      cluster.nodes.forEach((node, i) => {
        expect(after[i]! - before[i]!, `WAIT on ${node.port}`).toBe(node.port === owner ? 1 : 0);
      });
    } finally {
      if (clusterClient instanceof Cluster) clusterClient.disconnect();
      else await clusterClient.destroy();
    }
  });
});

// node-redis standalone: the same WAIT follows the write on its one socket.
describe('durability on node-redis', () => {
  it('a malloc returns once the replica has the lease', async () => {
    const nodeClient = await createClient({ url: primary.url }).connect();
    try {
      const allocator = new RedisAllocator(nodeClient, uniquePrefix('dur-node'), { durability: DURABILITY });
      await allocator.extend(['a']);
      const lease = await allocator.acquireLease({ timeout: 30 });
      expect(redisCli(replica.port, 'GET', allocator.redisKeys.lockPrefix + lease!.key)).toBe(lease!.token);
    } finally {
      nodeClient.destroy();
    }
  });
});

// WAIT counts only the writes of its own connection. ioredis re-sends a command left unanswered
// by a dropped connection on the new one; after a failover that is another server, where WAIT
// answers for that server's writes, not for the one the old primary took with it.
describe('durability across a reconnect', () => {
  it.each(['ioredis', 'ioredis6', 'iovalkey'] as const)(
    '%s: a WAIT re-sent after a failover confirms nothing, so the malloc fails closed',
    async (kind) => {
      // The old primary (`lonely`) has no replica, so the lease's WAIT blocks there; the proxy then
      // sends the clients to the promoted one (`primary`), whose replica is up to date.
      const address = await RedisProxy.start(lonely.port);
      const options = { retryStrategy: () => 20 };
      const user =
        kind === 'ioredis'
          ? new Redis(address.port, '127.0.0.1', options)
          : kind === 'ioredis6'
            ? new Ioredis6(address.port, '127.0.0.1', options)
            : new Iovalkey(address.port, '127.0.0.1', options);
      user.on('error', () => {});
      try {
        const prefix = uniquePrefix(`dur-resend-${kind}`);
        await new RedisAllocator(client, prefix).extend(['a']);
        const allocator = new RedisAllocator(user as never, prefix, {
          durability: { replicas: 1, timeout: 3 },
          operationTimeout: 5,
        });
        const leasing = allocator.acquireLease({ timeout: 30 }).catch((caught: unknown) => caught);
        await waitFor(() => redisCli(lonely.port, 'CLIENT', 'LIST').includes('cmd=wait'), 5);
        address.retarget(primary.port);
        const outcome = await leasing;
        expect(outcome).toBeInstanceOf(NotReplicatedError);
        expect((outcome as Error).message).toMatch(/replaced by a reconnect/);
      } finally {
        user.disconnect();
        await address.stop();
      }
    },
    30_000,
  );
});
