/** The lock-pool contract: every test runs against RedisLockPool (real Redis) and MemoryLockPool. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidKeyError } from '../../src/errors.js';
import type { LockPool } from '../../src/lock/types.js';
import { sleep } from '../helpers/redis.js';
import { poolFixtures } from './fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: deliberately calling with wrongly typed arguments
const loose = (pool: LockPool): any => pool;

async function sortedKeys(pool: LockPool): Promise<string[]> {
  return (await pool.keys()).sort();
}

async function collect(pool: LockPool): Promise<string[]> {
  const seen: string[] = [];
  for await (const key of pool) seen.push(key);
  return seen.sort();
}

describe.concurrent.each(poolFixtures)('$name', ({ make }) => {
  describe('membership', () => {
    it('a new pool is empty', async () => {
      const pool = make();
      expect(await pool.keys()).toEqual([]);
      expect(await pool.size()).toBe(0);
      expect(await pool.has('a')).toBe(false);
      expect(await collect(pool)).toEqual([]);
    });

    it('extend adds members', async () => {
      const pool = make();
      await pool.extend(['a', 'b']);
      await pool.extend(['c']);
      expect(await sortedKeys(pool)).toEqual(['a', 'b', 'c']);
    });

    it('extend with duplicates keeps one member per key', async () => {
      const pool = make();
      await pool.extend(['a', 'a', 'b']);
      await pool.extend(['b']);
      expect(await pool.size()).toBe(2);
    });

    it.each([undefined, null, []])('extend(%j) changes nothing', async (keys) => {
      const pool = make();
      await pool.extend(['a']);
      await pool.extend(keys);
      expect(await pool.keys()).toEqual(['a']);
    });

    it('shrink removes members and ignores unknown keys', async () => {
      const pool = make();
      await pool.extend(['a', 'b', 'c']);
      await pool.shrink(['b', 'zzz']);
      expect(await sortedKeys(pool)).toEqual(['a', 'c']);
    });

    it.each([undefined, null, []])('shrink(%j) is a no-op', async (keys) => {
      const pool = make();
      await pool.extend(['a']);
      await pool.shrink(keys);
      expect(await pool.keys()).toEqual(['a']);
    });

    it('assign replaces the membership', async () => {
      const pool = make();
      await pool.extend(['a', 'b']);
      await pool.assign(['b', 'c', 'd']);
      expect(await sortedKeys(pool)).toEqual(['b', 'c', 'd']);
    });

    it.each([undefined, null, []])('assign(%j) clears the pool', async (keys) => {
      const pool = make();
      await pool.extend(['a', 'b']);
      await pool.assign(keys);
      expect(await pool.size()).toBe(0);
    });

    it('clear removes every member', async () => {
      const pool = make();
      await pool.extend(['a', 'b']);
      await pool.clear();
      expect(await pool.keys()).toEqual([]);
    });

    it('has reports membership', async () => {
      const pool = make();
      await pool.extend(['a']);
      expect(await pool.has('a')).toBe(true);
      expect(await pool.has('b')).toBe(false);
    });

    it('size counts the members', async () => {
      const pool = make();
      await pool.extend(['a', 'b', 'c']);
      expect(await pool.size()).toBe(3);
    });

    it('for await yields every member', async () => {
      const pool = make();
      await pool.extend(['a', 'b', 'c']);
      expect(await collect(pool)).toEqual(['a', 'b', 'c']);
    });
  });

  describe('locks of members', () => {
    it('membership changes never touch the locks', async () => {
      const pool = make();
      await pool.extend(['a', 'b']);
      await pool.lock('a');
      await pool.lock('b');
      await pool.shrink(['a']);
      await pool.assign(['c']);
      await pool.clear();
      expect(await pool.isLocked('a')).toBe(true);
      expect(await pool.isLocked('b')).toBe(true);
    });

    it('a lock on a non-member key works like any lock', async () => {
      const pool = make();
      expect(await pool.lock('outsider')).toBe(true);
      expect(await pool.has('outsider')).toBe(false);
    });

    it('valuesLockStatus reports each member lock in keys() order', async () => {
      const pool = make();
      await pool.extend(['a', 'b', 'c']);
      await pool.lock('b');
      const keys = await pool.keys();
      expect(await pool.valuesLockStatus()).toEqual(keys.map((key) => key === 'b'));
    });

    it('itemsLockedStatus pairs every member with its lock state', async () => {
      const pool = make();
      await pool.extend(['a', 'b', 'c']);
      await pool.lock('a');
      await pool.lock('c');
      const items = (await pool.itemsLockedStatus()).sort(([x], [y]) => x.localeCompare(y));
      expect(items).toEqual([
        ['a', true],
        ['b', false],
        ['c', true],
      ]);
    });

    it('healthCheck counts locked and free members', async () => {
      const pool = make();
      await pool.extend(['a', 'b', 'c']);
      await pool.lock('a');
      await pool.lock('outsider');
      expect(await pool.healthCheck()).toEqual({ locked: 1, free: 2 });
    });

    it('healthCheck of an empty pool is { locked: 0, free: 0 }', async () => {
      expect(await make().healthCheck()).toEqual({ locked: 0, free: 0 });
    });

    it('an expired lock counts as free in healthCheck', async () => {
      const pool = make();
      await pool.extend(['a']);
      await pool.lock('a', { timeout: 0.2 });
      await sleep(0.35);
      expect(await pool.healthCheck()).toEqual({ locked: 0, free: 1 });
    });
  });

  describe('invalid input', () => {
    it.each(['extend', 'shrink', 'assign'])(
      '%s of a non-array is rejected with InvalidArgumentError',
      async (method) => {
        await expect(loose(make())[method]('a')).rejects.toBeInstanceOf(InvalidArgumentError);
      },
    );

    it.each(['extend', 'shrink', 'assign'])(
      '%s with a non-string key is rejected with InvalidKeyError and nothing changes',
      async (method) => {
        const pool = make();
        await pool.extend(['a']);
        await expect(loose(pool)[method](['b', 7])).rejects.toBeInstanceOf(InvalidKeyError);
        expect(await pool.keys()).toEqual(['a']);
      },
    );

    it('has of a non-string key is rejected with InvalidKeyError', async () => {
      await expect(loose(make()).has(1)).rejects.toBeInstanceOf(InvalidKeyError);
    });
  });
});
