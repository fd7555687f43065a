/** `await using lease = await allocator.malloc()` releases the lease when the scope ends. */
import { describe, expect, it } from 'vitest';
import { DefaultRedisAllocatorPolicy, RedisAllocator, silentLogger } from '../../src/index.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';
import { Probe } from './fixtures/probe.js';

const redis = testClient();

async function pool(keys: string[]) {
  const allocator = new RedisAllocator<Probe>(redis, uniquePrefix('dispose'), {
    policy: new DefaultRedisAllocatorPolicy({ logger: silentLogger }),
  });
  await allocator.extend(keys);
  return allocator;
}

describe('await using', () => {
  it('releases the lease and closes the object at scope exit', async () => {
    const allocator = await pool(['a', 'b']);
    const probe = new Probe();
    {
      await using lease = await allocator.malloc({ obj: probe });
      expect(lease?.key).toBe('a');
      expect(await allocator.isLocked('a')).toBe(true);
    }
    expect(await allocator.isLocked('a')).toBe(false);
    expect(await allocator.getFreeList()).toEqual(['b', 'a']);
    expect(probe.calls).toEqual(['setConfig:a', 'close:a']);
  });

  it('releases the lease when the scope exits by an exception', async () => {
    const allocator = await pool(['a']);
    const use = async () => {
      await using lease = await allocator.malloc();
      expect(lease?.key).toBe('a');
      throw new Error('work failed');
    };
    await expect(use()).rejects.toThrow('work failed');
    expect(await allocator.getFreeList()).toEqual(['a']);
  });

  it('accepts a null allocation from an empty pool', async () => {
    const allocator = await pool([]);
    {
      await using lease = await allocator.malloc();
      expect(lease).toBeNull();
    }
  });

  it('an explicit release inside the scope makes the scope exit a no-op', async () => {
    const allocator = await pool(['a']);
    let other: string | undefined;
    {
      await using lease = await allocator.malloc();
      await lease?.release();
      other = (await allocator.malloc())?.token;
    }
    expect(await allocator.lockValue('a')).toBe(other);
  });
});
