/**
 * The operations the throughput figures compare, each as one "pair" (take one resource, give it
 * back) so every subject is two round trips and the ratios compare like with like.
 */
import type { Redis } from 'ioredis';
import { DefaultRedisAllocatorPolicy, RedisAllocator } from 'redis-allocator';
import { Semaphore } from 'redis-semaphore';
import type { Operation } from './measure.js';

/** The cheapest script call there is: what the ceiling pays per round trip. */
export const TRIVIAL_SCRIPT = "return redis.call('EXISTS', KEYS[1])";
/** Lease TTL of benchmark allocations, seconds: long enough never to expire mid-run. */
const LEASE_SECONDS = 600;

/** Keys `r000000`, `r000001`…: fixed width, so every pool of one size holds the same bytes. */
export function resourceKeys(count: number, tag = 'r'): string[] {
  return Array.from({ length: count }, (_, i) => `${tag}${String(i).padStart(6, '0')}`);
}

/** Fills the pool in batches of 1000 (one `extend` script per batch keeps each call short). */
export async function fillPool(allocator: RedisAllocator, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) await allocator.extend(keys.slice(i, i + 1000));
}

/** Ceiling: two trivial EVALSHA calls, the physical limit of two round trips on this client. */
export async function ceilingPair(client: Redis, key: string): Promise<Operation> {
  const sha = (await client.script('LOAD', TRIVIAL_SCRIPT)) as string;
  return async () => {
    await client.evalsha(sha, 1, key);
    await client.evalsha(sha, 1, key);
  };
}

/** The spec's administrative pair: `mallocKey` + `freeKeys`. */
export function mallocFreePair(allocator: RedisAllocator): Operation {
  return async () => {
    const key = await allocator.mallocKey({ timeout: LEASE_SECONDS });
    if (key === null) throw new Error('benchmark pool ran dry');
    await allocator.freeKeys([key]);
  };
}

/** Owner-token pair with the policy's GC step folded into the allocation (what policy malloc runs). */
export function leasePair(allocator: RedisAllocator, gcCount: number): Operation {
  return async () => {
    const lease = await allocator.acquireLease({ timeout: LEASE_SECONDS, gcCount });
    if (lease === null) throw new Error('benchmark pool ran dry');
    await allocator.releaseLease(lease);
  };
}

/** An allocator whose `malloc` goes through `DefaultRedisAllocatorPolicy` (GC step of 5 folded in). */
export function policyAllocator(client: Redis, prefix: string): RedisAllocator {
  return new RedisAllocator(client, prefix, { policy: new DefaultRedisAllocatorPolicy() });
}

/** The policy path: `malloc` + `release` (one script call each). */
export function policyPair(allocator: RedisAllocator): Operation {
  return async () => {
    const obj = await allocator.malloc({ timeout: LEASE_SECONDS });
    if (obj === null) throw new Error('benchmark pool ran dry');
    await obj.release();
  };
}

/**
 * Peer: a redis-semaphore `Semaphore` acquire + release. Configured for no refresh timer
 * (refreshInterval 0, a lock timeout far beyond the run) so it pays only its two round trips.
 */
export function semaphorePair(client: Redis, key: string, limit: number): Operation {
  const options = {
    lockTimeout: LEASE_SECONDS * 1000,
    refreshInterval: 0,
    acquireTimeout: 1000,
    retryInterval: 1,
  };
  return async () => {
    const semaphore = new Semaphore(client, key, limit, options);
    await semaphore.acquire();
    await semaphore.release();
  };
}
