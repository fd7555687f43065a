/** The lock contract: every test runs against RedisLock (real Redis) and MemoryLock. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidKeyError, InvalidTimeoutError } from '../../src/errors.js';
import { LockStatus } from '../../src/lock/lock-status.js';
import type { Lock } from '../../src/lock/types.js';
import { sleep } from '../helpers/redis.js';
import { lockFixtures } from './fixtures.js';

/** Short TTL for expiry tests, seconds; the sleeps below leave a wide margin around it. */
const SHORT = 0.2;

// biome-ignore lint/suspicious/noExplicitAny: deliberately calling with wrongly typed arguments
const loose = (lock: Lock): any => lock;

describe.concurrent.each(lockFixtures)('$name', ({ make, contenders }) => {
  describe('lock / unlock / isLocked / lockValue', () => {
    it('lock acquires a free key and stores the default value "1"', async () => {
      const lock = make();
      expect(await lock.lock('k')).toBe(true);
      expect(await lock.lockValue('k')).toBe('1');
    });

    it('lock stores the given value', async () => {
      const lock = make();
      await lock.lock('k', { value: 'owner-a' });
      expect(await lock.lockValue('k')).toBe('owner-a');
    });

    it('lock fails while the key is held, even with the same value', async () => {
      const lock = make();
      await lock.lock('k', { value: 'a' });
      expect(await lock.lock('k', { value: 'a' })).toBe(false);
      expect(await lock.lock('k', { value: 'b' })).toBe(false);
      expect(await lock.lockValue('k')).toBe('a');
    });

    it('isLocked is false for a free key and true for a held one', async () => {
      const lock = make();
      expect(await lock.isLocked('k')).toBe(false);
      await lock.lock('k');
      expect(await lock.isLocked('k')).toBe(true);
    });

    it('lockValue of a free key is null', async () => {
      expect(await make().lockValue('k')).toBeNull();
    });

    it('unlock releases a held lock and returns true', async () => {
      const lock = make();
      await lock.lock('k');
      expect(await lock.unlock('k')).toBe(true);
      expect(await lock.isLocked('k')).toBe(false);
    });

    it('unlock of a free key returns false', async () => {
      expect(await make().unlock('k')).toBe(false);
    });

    it('reading a free key does not create it (unlock afterwards returns false)', async () => {
      const lock = make();
      await lock.isLocked('k');
      await lock.lockValue('k');
      await lock.keyStatus('k');
      expect(await lock.unlock('k')).toBe(false);
    });

    it('locks of different keys are independent', async () => {
      const lock = make();
      expect(await lock.lock('a')).toBe(true);
      expect(await lock.lock('b')).toBe(true);
    });
  });

  describe('expiry', () => {
    it('a lock with a fractional timeout expires after that many seconds', async () => {
      const lock = make();
      await lock.lock('k', { timeout: SHORT });
      expect(await lock.isLocked('k')).toBe(true);
      await sleep(SHORT + 0.15);
      expect(await lock.isLocked('k')).toBe(false);
      expect(await lock.lockValue('k')).toBeNull();
    });

    it('lock succeeds again once the previous lock expired', async () => {
      const lock = make();
      await lock.lock('k', { value: 'a', timeout: SHORT });
      await sleep(SHORT + 0.15);
      expect(await lock.lock('k', { value: 'b' })).toBe(true);
      expect(await lock.lockValue('k')).toBe('b');
    });

    it('unlock of an expired lock returns false', async () => {
      const lock = make();
      await lock.lock('k', { timeout: SHORT });
      await sleep(SHORT + 0.15);
      expect(await lock.unlock('k')).toBe(false);
    });

    it.each([0, -1, Number.POSITIVE_INFINITY, null])(
      'a lock with timeout %s never expires',
      async (timeout) => {
        const lock = make();
        expect(await lock.lock('k', { timeout })).toBe(true);
        expect(await lock.keyStatus('k')).toBe(LockStatus.ERROR);
        expect(await lock.isLocked('k')).toBe(true);
      },
    );

    it('update refreshes the TTL, so the lock outlives its first timeout', async () => {
      const lock = make();
      await lock.lock('k', { timeout: 0.3 });
      await sleep(0.2);
      await lock.update('k', { timeout: 0.5 });
      await sleep(0.25);
      expect(await lock.isLocked('k')).toBe(true);
    });
  });

  describe('update', () => {
    it('update overwrites a lock held with another value (no owner check)', async () => {
      const lock = make();
      await lock.lock('k', { value: 'a' });
      await lock.update('k', { value: 'b' });
      expect(await lock.lockValue('k')).toBe('b');
    });

    it('update defaults to value "1" and a 120 s TTL', async () => {
      const lock = make();
      await lock.update('k');
      expect(await lock.lockValue('k')).toBe('1');
      expect(await lock.keyStatus('k', 120)).toBe(LockStatus.LOCKED);
      expect(await lock.keyStatus('k', 119)).toBe(LockStatus.UNAVAILABLE);
    });

    it('update with timeout <= 0 writes a lock without expiry', async () => {
      const lock = make();
      await lock.update('k', { timeout: 0 });
      expect(await lock.keyStatus('k')).toBe(LockStatus.ERROR);
    });
  });

  describe('rlock', () => {
    it('rlock acquires a free key', async () => {
      const lock = make();
      expect(await lock.rlock('k', { value: 'a' })).toBe(true);
      expect(await lock.lockValue('k')).toBe('a');
    });

    it('rlock with the same value succeeds and refreshes the TTL', async () => {
      const lock = make();
      expect(await lock.rlock('k', { value: 'a', timeout: 0.5 })).toBe(true);
      await sleep(0.3);
      expect(await lock.rlock('k', { value: 'a', timeout: 0.5 })).toBe(true);
      await sleep(0.3); // 0.6 s after the first rlock: alive only because the TTL was refreshed
      expect(await lock.isLocked('k')).toBe(true);
      await sleep(0.35);
      expect(await lock.isLocked('k')).toBe(false);
    });

    it('rlock with a different value fails and leaves the lock unchanged', async () => {
      const lock = make();
      await lock.rlock('k', { value: 'a', timeout: 60 });
      expect(await lock.rlock('k', { value: 'b', timeout: 300 })).toBe(false);
      expect(await lock.lockValue('k')).toBe('a');
      expect(await lock.keyStatus('k', 60)).toBe(LockStatus.LOCKED);
    });

    it('rlock re-enters a lock taken by lock() with the same value', async () => {
      const lock = make();
      await lock.lock('k', { value: 'a' });
      expect(await lock.rlock('k', { value: 'a' })).toBe(true);
    });

    it('rlock with timeout <= 0 re-enters and leaves the lock without expiry', async () => {
      const lock = make();
      await lock.rlock('k', { value: 'a', timeout: 60 });
      expect(await lock.rlock('k', { value: 'a', timeout: 0 })).toBe(true);
      expect(await lock.keyStatus('k')).toBe(LockStatus.ERROR);
    });
  });

  describe('keyStatus', () => {
    it('keyStatus of a missing key is FREE', async () => {
      expect(await make().keyStatus('k')).toBe(LockStatus.FREE);
    });

    it('keyStatus is LOCKED when the remaining TTL is within the timeout', async () => {
      const lock = make();
      await lock.lock('k', { timeout: 60 });
      expect(await lock.keyStatus('k', 120)).toBe(LockStatus.LOCKED);
    });

    it('keyStatus is UNAVAILABLE when the remaining TTL exceeds the timeout (default 120 s)', async () => {
      const lock = make();
      await lock.lock('k', { timeout: 300 });
      expect(await lock.keyStatus('k')).toBe(LockStatus.UNAVAILABLE);
    });

    it('keyStatus is ERROR for a lock without expiry', async () => {
      const lock = make();
      await lock.update('k', { timeout: -1 });
      expect(await lock.keyStatus('k')).toBe(LockStatus.ERROR);
    });

    it('keyStatus is FREE again after the lock expired', async () => {
      const lock = make();
      await lock.lock('k', { timeout: SHORT });
      await sleep(SHORT + 0.15);
      expect(await lock.keyStatus('k')).toBe(LockStatus.FREE);
    });

    it('keyStatus with a null threshold reports every expiring lock as LOCKED', async () => {
      const lock = make();
      await lock.lock('k', { timeout: 1e6 });
      expect(await lock.keyStatus('k', null)).toBe(LockStatus.LOCKED);
    });
  });

  describe('invalid input', () => {
    it('a non-string key is rejected with InvalidKeyError', async () => {
      await expect(loose(make()).lock(42)).rejects.toBeInstanceOf(InvalidKeyError);
    });

    it('a non-string value is rejected with InvalidArgumentError and nothing is written', async () => {
      const lock = make();
      await expect(loose(lock).lock('k', { value: 7 })).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(loose(lock).update('k', { value: null })).rejects.toBeInstanceOf(InvalidArgumentError);
      expect(await lock.isLocked('k')).toBe(false);
    });

    it.each([Number.NaN, '10', {}])(
      'a timeout of %s is rejected with InvalidTimeoutError and nothing is written',
      async (timeout) => {
        const lock = make();
        await expect(loose(lock).lock('k', { timeout })).rejects.toBeInstanceOf(InvalidTimeoutError);
        await expect(loose(lock).rlock('k', { timeout })).rejects.toBeInstanceOf(InvalidTimeoutError);
        await expect(loose(lock).update('k', { timeout })).rejects.toBeInstanceOf(InvalidTimeoutError);
        expect(await lock.isLocked('k')).toBe(false);
      },
    );

    it('a NaN keyStatus threshold is rejected with InvalidTimeoutError', async () => {
      await expect(make().keyStatus('k', Number.NaN)).rejects.toBeInstanceOf(InvalidTimeoutError);
    });

    it.each([Number.NaN, -1, Number.POSITIVE_INFINITY])(
      'eps %s is rejected with InvalidArgumentError',
      (eps) => {
        expect(() => make({ eps })).toThrow(InvalidArgumentError);
      },
    );
  });

  describe('contention', () => {
    it('50 concurrent lock calls on one key: exactly one wins', async () => {
      const locks = contenders(50);
      const results = await Promise.all(locks.map((lock, i) => lock.lock('k', { value: `owner-${i}` })));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await locks[0]!.lockValue('k')).toBe(`owner-${winner}`);
    });

    it('50 concurrent rlock calls with distinct values on one key: exactly one wins', async () => {
      const locks = contenders(50);
      const results = await Promise.all(locks.map((lock, i) => lock.rlock('k', { value: `owner-${i}` })));
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
});
