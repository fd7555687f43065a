/** Redis-only behaviour of RedisLock / RedisLockPool: exact key layout, odd prefixes, big pools. */
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/defaults.js';
import { RedisLock } from '../../src/lock/redis-lock.js';
import { RedisLockPool } from '../../src/lock/redis-lock-pool.js';
import { client, lockClient, trackedPrefix } from './fixtures.js';

/** Quote, double quote, backslash and newline: what broke upstream's Lua-source templating (F14). */
const ODD = `a'b"c\\d\ne`;

describe('RedisLock key layout', () => {
  it('lock k lives at "P|lock:k" with the value as given', async () => {
    const prefix = trackedPrefix();
    await new RedisLock(lockClient(), prefix).lock('k', { value: 'token' });
    expect(await client().get(`${prefix}|lock:k`)).toBe('token');
  });

  it('a custom suffix names the key "P|S:k"', async () => {
    const prefix = trackedPrefix();
    const lock = new RedisLock(lockClient(), prefix, { suffix: 'mine' });
    await lock.lock('k');
    expect(lock.suffix).toBe('mine');
    expect(await client().exists(`${prefix}|mine:k`)).toBe(1);
  });

  it('defaults are suffix "lock" and eps 1e-6', () => {
    const lock = new RedisLock(lockClient(), trackedPrefix());
    expect(lock.suffix).toBe(DEFAULTS.lockSuffix);
    expect(lock.eps).toBe(DEFAULTS.eps);
  });

  it('a fractional timeout becomes a PX TTL in whole milliseconds, rounded up', async () => {
    const prefix = trackedPrefix();
    await new RedisLock(lockClient(), prefix).lock('k', { timeout: 0.2504 });
    const ttl = await client().pttl(`${prefix}|lock:k`);
    expect(ttl).toBeGreaterThan(200);
    expect(ttl).toBeLessThanOrEqual(251);
  });

  it('a lock written by another instance with the same prefix is seen and respected', async () => {
    const prefix = trackedPrefix();
    await new RedisLock(lockClient(), prefix).lock('k', { value: 'a' });
    const other = new RedisLock(lockClient(), prefix);
    expect(await other.lock('k', { value: 'b' })).toBe(false);
    expect(await other.lockValue('k')).toBe('a');
  });

  it('a conditional set stores the %.17g text the Python library writes on Redis 7.0', async () => {
    const prefix = trackedPrefix();
    await new RedisLock(lockClient(), prefix).setgt('k', 0.1);
    expect(await client().get(`${prefix}|lock:k`)).toBe('0.10000000000000001');
  });

  it('a conditional set with ex writes a PX TTL', async () => {
    const prefix = trackedPrefix();
    await new RedisLock(lockClient(), prefix).setgt('k', 1, { ex: 30 });
    const ttl = await client().pttl(`${prefix}|lock:k`);
    expect(ttl).toBeGreaterThan(29_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });
});

describe('a prefix with quotes, backslashes and a newline', () => {
  it('lock, rlock and unlock address exactly the key the prefix names', async () => {
    const prefix = trackedPrefix() + ODD;
    const lock = new RedisLock(lockClient(), prefix);
    const raw = `${prefix}|lock:k`;
    expect(await lock.lock('k', { value: 'v' })).toBe(true);
    expect(await client().get(raw)).toBe('v');
    expect(await lock.rlock('k', { value: 'v' })).toBe(true);
    expect(await lock.unlock('k')).toBe(true);
    expect(await client().exists(raw)).toBe(0);
  });

  it('the conditional script writes exactly the key the prefix names', async () => {
    const prefix = trackedPrefix() + ODD;
    const lock = new RedisLock(lockClient(), prefix);
    expect(await lock.setgt(ODD, 5)).toBe(true);
    expect(await client().get(`${prefix}|lock:${ODD}`)).toBe('5');
    expect(await lock.delge(ODD, 5)).toBe(true);
    expect(await client().exists(`${prefix}|lock:${ODD}`)).toBe(0);
  });

  it('a lock pool keeps its members in exactly "P|lock-pool|pool"', async () => {
    const prefix = trackedPrefix() + ODD;
    const pool = new RedisLockPool(lockClient(), prefix);
    await pool.assign([ODD, 'x']);
    expect((await client().smembers(`${prefix}|lock-pool|pool`)).sort()).toEqual([ODD, 'x'].sort());
  });
});

describe('RedisLockPool key layout and scale', () => {
  it('membership is the set "P|lock-pool|pool" and member locks are "P|lock-pool:k"', async () => {
    const prefix = trackedPrefix();
    const pool = new RedisLockPool(lockClient(), prefix);
    await pool.extend(['a']);
    await pool.lock('a');
    expect(pool.suffix).toBe(DEFAULTS.lockPoolSuffix);
    expect(await client().type(`${prefix}|lock-pool|pool`)).toBe('set');
    expect(await client().exists(`${prefix}|lock-pool:a`)).toBe(1);
  });

  it('clear deletes the membership set itself', async () => {
    const prefix = trackedPrefix();
    const pool = new RedisLockPool(lockClient(), prefix);
    await pool.extend(['a']);
    await pool.clear();
    expect(await client().exists(`${prefix}|lock-pool|pool`)).toBe(0);
  });

  it('assign replaces the membership with 100 000 keys in one script', async () => {
    const pool = new RedisLockPool(lockClient(), trackedPrefix());
    await pool.extend(['old']);
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}`);
    await pool.assign(keys);
    expect(await pool.size()).toBe(100_000);
    expect(await pool.has('old')).toBe(false);
    expect(await pool.has('k99999')).toBe(true);
  });

  it('async iteration streams a 5 000-member pool page by page and misses no member', async () => {
    const pool = new RedisLockPool(lockClient(), trackedPrefix());
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    await pool.extend(keys);
    const seen = new Set<string>();
    for await (const key of pool) seen.add(key);
    expect(seen.size).toBe(5000);
  });

  it('healthCheck reads the locks of 2 500 members in batches', async () => {
    const pool = new RedisLockPool(lockClient(), trackedPrefix());
    const keys = Array.from({ length: 2500 }, (_, i) => `k${i}`);
    await pool.extend(keys);
    await Promise.all(keys.slice(0, 1200).map((key) => pool.lock(key)));
    expect(await pool.healthCheck()).toEqual({ locked: 1200, free: 1300 });
  });
});
