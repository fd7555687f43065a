/** Bad input gets a typed error before any Redis call and leaves the pool exactly as it was. */
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  InvalidKeyError,
  InvalidTimeoutError,
  RedisAllocator,
} from '../../src/index.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';
import { rawPool } from './helpers.js';

const redis = testClient();

const badKeys: Array<[string, unknown]> = [
  ['the empty string', ''],
  ['the allocation marker', '#ALLOCATED'],
  ['a key containing ||', 'a||b'],
  ['a key starting with |', '|a'],
  ['a key ending with |', 'a|'],
  ['a key containing NUL', 'a\u0000b'],
  ['a number', 42],
  ['null', null],
  ['a 1 MiB key', 'x'.repeat(1 << 20)],
];

async function seededAllocator() {
  const allocator = new RedisAllocator(redis, uniquePrefix('validation'));
  await allocator.extend(['k1', 'k2', 'k3']);
  await allocator.mallocKey({ name: 'n' });
  return allocator;
}

describe.each(['extend', 'assign', 'shrink', 'freeKeys'] as const)('%s rejects bad keys', (method) => {
  it.each(badKeys)('rejects %s and changes nothing', async (_label, bad) => {
    const allocator = await seededAllocator();
    const before = await rawPool(allocator);
    const call = (allocator[method] as (keys: unknown[]) => Promise<void>).bind(allocator);
    await expect(call(['ok', bad])).rejects.toBeInstanceOf(InvalidKeyError);
    expect(await rawPool(allocator)).toEqual(before);
  });
});

describe('other invalid input', () => {
  it('a non-array key list is rejected with InvalidKeyError', async () => {
    const allocator = await seededAllocator();
    await expect(allocator.extend('abc' as unknown as string[])).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('a NaN timeout is rejected with InvalidTimeoutError and changes nothing', async () => {
    const allocator = await seededAllocator();
    const before = await rawPool(allocator);
    await expect(allocator.extend(['new'], { timeout: Number.NaN })).rejects.toBeInstanceOf(
      InvalidTimeoutError,
    );
    await expect(allocator.mallocKey({ timeout: Number.NaN })).rejects.toBeInstanceOf(InvalidTimeoutError);
    await expect(allocator.mallocKey({ cacheTimeout: '5' as unknown as number })).rejects.toBeInstanceOf(
      InvalidTimeoutError,
    );
    await expect(allocator.freeKeys(['k1'], { timeout: Number.NaN })).rejects.toBeInstanceOf(
      InvalidTimeoutError,
    );
    await expect(allocator.updateSoftBind('n', 'k1', Number.NaN)).rejects.toBeInstanceOf(InvalidTimeoutError);
    expect(await rawPool(allocator)).toEqual(before);
  });

  it('an infinite gcInterval is rejected with InvalidTimeoutError (gcCount: 0 disables GC)', async () => {
    const allocator = await seededAllocator();
    const before = await rawPool(allocator);
    await expect(
      allocator.acquireLease({ gcCount: 5, gcInterval: Number.POSITIVE_INFINITY }),
    ).rejects.toBeInstanceOf(InvalidTimeoutError);
    expect(await rawPool(allocator)).toEqual(before);
  });

  it.each([0, -1, 1.5, Number.NaN])('gc(%s) is rejected with InvalidArgumentError', async (count) => {
    const allocator = await seededAllocator();
    await expect(allocator.gc(count)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a non-string binding name is rejected with InvalidKeyError', async () => {
    const allocator = await seededAllocator();
    const before = await rawPool(allocator);
    await expect(allocator.mallocKey({ name: 7 as unknown as string })).rejects.toBeInstanceOf(
      InvalidKeyError,
    );
    expect(await rawPool(allocator)).toEqual(before);
  });

  it('updateSoftBind rejects a bad resource key', async () => {
    const allocator = await seededAllocator();
    await expect(allocator.updateSoftBind('n', 'a||b')).rejects.toBeInstanceOf(InvalidKeyError);
  });
});
