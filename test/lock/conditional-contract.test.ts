/**
 * The twelve conditional operations ("argument OP current"), against RedisLock (real Redis) and
 * MemoryLock. The current value is 10 throughout; eps is the default 1e-6.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidKeyError, InvalidTimeoutError } from '../../src/errors.js';
import { LockStatus } from '../../src/lock/lock-status.js';
import type { Lock } from '../../src/lock/types.js';
import { sleep } from '../helpers/redis.js';
import { lockFixtures } from './fixtures.js';

type Suffix = 'gt' | 'lt' | 'ge' | 'le' | 'eq' | 'ne';

/** For each operator: an argument for which "argument OP 10" holds, and one for which it fails. */
const OPERATORS: Array<{ op: Suffix; holds: number; fails: number }> = [
  { op: 'gt', holds: 11, fails: 10 },
  { op: 'lt', holds: 9, fails: 10 },
  { op: 'ge', holds: 10 - 5e-7, fails: 10 - 2e-6 },
  { op: 'le', holds: 10 + 5e-7, fails: 10 + 2e-6 },
  { op: 'eq', holds: 10 + 5e-7, fails: 10 + 2e-6 },
  { op: 'ne', holds: 10 + 2e-6, fails: 10 + 5e-7 },
];

const set = (lock: Lock, op: Suffix) => lock[`set${op}`].bind(lock);
const del = (lock: Lock, op: Suffix) => lock[`del${op}`].bind(lock);

// biome-ignore lint/suspicious/noExplicitAny: deliberately calling with wrongly typed arguments
const loose = (lock: Lock): any => lock;

describe.concurrent.each(lockFixtures)('$name', ({ make }) => {
  async function lockAt10(): Promise<Lock> {
    const lock = make();
    await lock.setgt('k', 10);
    return lock;
  }

  describe.each(OPERATORS)('set$op / del$op', ({ op, holds, fails }) => {
    it(`set${op}(${holds}) over 10 writes the argument and returns true`, async () => {
      const lock = await lockAt10();
      expect(await set(lock, op)('k', holds)).toBe(true);
      expect(Number(await lock.lockValue('k'))).toBe(holds);
    });

    it(`set${op}(${fails}) over 10 returns false and keeps 10`, async () => {
      const lock = await lockAt10();
      expect(await set(lock, op)('k', fails)).toBe(false);
      expect(await lock.lockValue('k')).toBe('10');
    });

    it(`set${op} on a missing key creates it`, async () => {
      const lock = make();
      expect(await set(lock, op)('k', fails)).toBe(true);
      expect(Number(await lock.lockValue('k'))).toBe(fails);
    });

    it(`del${op}(${holds}) over 10 deletes the key and returns true`, async () => {
      const lock = await lockAt10();
      expect(await del(lock, op)('k', holds)).toBe(true);
      expect(await lock.isLocked('k')).toBe(false);
    });

    it(`del${op}(${fails}) over 10 returns false and keeps the key`, async () => {
      const lock = await lockAt10();
      expect(await del(lock, op)('k', fails)).toBe(false);
      expect(await lock.lockValue('k')).toBe('10');
    });

    it(`del${op} on a missing key returns true`, async () => {
      expect(await del(make(), op)('k', fails)).toBe(true);
    });
  });

  describe('eps', () => {
    it('a difference of exactly eps is neither equal nor unequal', async () => {
      const lock = make({ eps: 0.5 });
      await lock.setgt('k', 10);
      expect(await lock.seteq('k', 10.5)).toBe(false);
      expect(await lock.setne('k', 10.5)).toBe(false);
    });

    it('a larger eps widens equality', async () => {
      const lock = make({ eps: 0.5 });
      await lock.setgt('k', 10);
      expect(await lock.seteq('k', 10.4)).toBe(true);
    });

    it('setge and setle hold at exactly eps beyond the current value', async () => {
      const lock = make({ eps: 0.5 });
      await lock.setgt('k', 10);
      expect(await lock.setge('k', 9.5)).toBe(true); // now 9.5
      expect(await lock.setle('k', 10)).toBe(true);
    });
  });

  describe('written value and expiry', () => {
    it('setValue is stored instead of the compared argument', async () => {
      const lock = await lockAt10();
      expect(await lock.setgt('k', 11, { setValue: 3 })).toBe(true);
      expect(await lock.lockValue('k')).toBe('3');
    });

    it('numbers are stored as %.17g text: 15 as "15", 0.1 as "0.10000000000000001"', async () => {
      const lock = make();
      await lock.setgt('a', 15);
      await lock.setgt('b', 0.1);
      await lock.setgt('c', 1e21);
      expect(await lock.lockValue('a')).toBe('15');
      expect(await lock.lockValue('b')).toBe('0.10000000000000001');
      expect(await lock.lockValue('c')).toBe('1e+21');
    });

    it('ex > 0 writes the value with that TTL in seconds', async () => {
      const lock = make();
      expect(await lock.setgt('k', 1, { ex: 0.2 })).toBe(true);
      expect(await lock.keyStatus('k', 0.2)).toBe(LockStatus.LOCKED);
      await sleep(0.35);
      expect(await lock.isLocked('k')).toBe(false);
    });

    it('a conditional set without ex clears the TTL the key had', async () => {
      const lock = make();
      await lock.update('k', { value: '5', timeout: 60 });
      expect(await lock.setgt('k', 6)).toBe(true);
      expect(await lock.keyStatus('k')).toBe(LockStatus.ERROR);
    });

    it('ex <= 0 writes the value without expiry', async () => {
      const lock = make();
      await lock.setgt('k', 1, { ex: 0 });
      expect(await lock.keyStatus('k')).toBe(LockStatus.ERROR);
    });

    it('a failing conditional set leaves the TTL untouched', async () => {
      const lock = make();
      await lock.update('k', { value: '5', timeout: 60 });
      expect(await lock.setgt('k', 4, { ex: 300 })).toBe(false);
      expect(await lock.keyStatus('k', 60)).toBe(LockStatus.LOCKED);
    });

    it('an expired value counts as missing', async () => {
      const lock = make();
      await lock.setgt('k', 10, { ex: 0.2 });
      await sleep(0.35);
      expect(await lock.setlt('k', 99)).toBe(true);
    });

    it.each(['owner-token', '', ' ', 'inf', 'nan', '1e400'])(
      'a current value %j that is not a finite number counts as missing',
      async (value) => {
        const lock = make();
        await lock.update('k', { value });
        expect(await lock.setlt('k', 1e300)).toBe(true);
        expect(await lock.lockValue('k')).toBe('1.0000000000000001e+300');
      },
    );

    it('a current value with surrounding spaces is still a number', async () => {
      const lock = make();
      await lock.update('k', { value: ' 5 ' });
      expect(await lock.setgt('k', 4)).toBe(false);
    });
  });

  describe('invalid input', () => {
    it.each([Number.NaN, Number.POSITIVE_INFINITY, '5', null])(
      'a compared value of %s is rejected with InvalidArgumentError and nothing is written',
      async (value) => {
        const lock = make();
        await expect(loose(lock).setgt('k', value)).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(loose(lock).delgt('k', value)).rejects.toBeInstanceOf(InvalidArgumentError);
        expect(await lock.isLocked('k')).toBe(false);
      },
    );

    it('a NaN setValue is rejected with InvalidArgumentError', async () => {
      await expect(make().setgt('k', 1, { setValue: Number.NaN })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
    });

    it('a NaN ex is rejected with InvalidTimeoutError', async () => {
      await expect(make().setgt('k', 1, { ex: Number.NaN })).rejects.toBeInstanceOf(InvalidTimeoutError);
    });

    it('a non-string key is rejected with InvalidKeyError', async () => {
      await expect(loose(make()).deleq(undefined, 1)).rejects.toBeInstanceOf(InvalidKeyError);
    });
  });
});
