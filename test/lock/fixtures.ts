/**
 * Factories that let one contract suite run against the Redis and the in-memory variants. Redis
 * variants get a fresh key prefix per instance; every key under those prefixes is deleted after
 * the file's tests.
 */
import type { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import type { RedisClient } from '../../src/index.js';
import { MemoryLock } from '../../src/lock/memory-lock.js';
import { MemoryLockPool } from '../../src/lock/memory-lock-pool.js';
import { RedisLock } from '../../src/lock/redis-lock.js';
import { RedisLockPool } from '../../src/lock/redis-lock-pool.js';
import type { Lock, LockPool } from '../../src/lock/types.js';
import { libraryClient } from '../helpers/clients.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';

/** Separate Redis connections used by contention tests (several clients racing on one key). */
const CONTENDER_CLIENTS = 5;

export interface Fixture<L> {
  readonly name: string;
  /** A fresh, empty instance. */
  make(options?: { eps?: number }): L;
  /** `count` handles on one shared lock namespace (Redis: spread over several connections). */
  contenders(count: number): L[];
}

const prefixes: string[] = [];
let redis: Redis | undefined;
let library: RedisClient | undefined;
let contenderClients: RedisClient[] | undefined;

/** The file's raw ioredis client, for inspection and cleanup (created on first use). */
export function client(): Redis {
  redis ??= testClient();
  return redis;
}

/** The client the locks under test are built on: this run's client family (`REDIS_CLIENT`). */
export function lockClient(): RedisClient {
  library ??= libraryClient();
  return library;
}

/** A unique prefix whose keys are deleted after the file's tests. */
export function trackedPrefix(): string {
  const prefix = uniquePrefix('lock');
  prefixes.push(prefix);
  return prefix;
}

/** Deletes every key of `prefix` (the prefix must contain no glob characters). */
export async function deleteKeys(prefix: string): Promise<void> {
  const stream = client().scanStream({ match: `${prefix}*`, count: 1000 });
  for await (const keys of stream as AsyncIterable<string[]>)
    if (keys.length > 0) await client().del(...keys);
}

afterAll(async () => {
  for (const prefix of prefixes.splice(0)) await deleteKeys(prefix);
});

function redisContenders<L>(make: (redis: RedisClient, prefix: string) => L, count: number): L[] {
  contenderClients ??= Array.from({ length: CONTENDER_CLIENTS }, () => libraryClient());
  const clients = contenderClients;
  const prefix = trackedPrefix();
  return Array.from({ length: count }, (_, i) => make(clients[i % clients.length]!, prefix));
}

export const lockFixtures: Fixture<Lock>[] = [
  {
    name: 'RedisLock',
    make: (options) => new RedisLock(lockClient(), trackedPrefix(), options),
    contenders: (count) => redisContenders((redis, prefix) => new RedisLock(redis, prefix), count),
  },
  {
    name: 'MemoryLock',
    make: (options) => new MemoryLock(options),
    contenders: (count) => Array<Lock>(count).fill(new MemoryLock()),
  },
];

export const poolFixtures: Fixture<LockPool>[] = [
  {
    name: 'RedisLockPool',
    make: (options) => new RedisLockPool(lockClient(), trackedPrefix(), options),
    contenders: (count) => redisContenders((redis, prefix) => new RedisLockPool(redis, prefix), count),
  },
  {
    name: 'MemoryLockPool',
    make: (options) => new MemoryLockPool(options),
    contenders: (count) => Array<LockPool>(count).fill(new MemoryLockPool()),
  },
];
