/** The crash stress's membership ledger: a member may come back only on a licensed removal. */
import { describe, expect, it } from 'vitest';
import { testClient, uniquePrefix } from '../helpers/redis.js';
import { claimRestores, licenseRemoval, removalsKey } from './membership.js';

const redis = testClient();

function setup() {
  const prefix = uniquePrefix('membership');
  const pool = `${prefix}|excl|pool`;
  return { prefix, pool };
}

describe('stress membership ledger', () => {
  it('a missing member without a licensed removal is unexplained', async () => {
    const { prefix, pool } = setup();
    expect(await claimRestores(redis, prefix, pool, ['k00'])).toEqual({ restore: [], unexplained: ['k00'] });
  });

  it('a licensed removal allows exactly one restore', async () => {
    const { prefix, pool } = setup();
    await licenseRemoval(redis, prefix, 'k01');
    expect(await claimRestores(redis, prefix, pool, ['k01'])).toEqual({ restore: ['k01'], unexplained: [] });
    expect(await claimRestores(redis, prefix, pool, ['k01'])).toEqual({ restore: [], unexplained: ['k01'] });
  });

  it('a member that is back in the pool consumes no license', async () => {
    const { prefix, pool } = setup();
    await licenseRemoval(redis, prefix, 'k02');
    await redis.hset(pool, 'k02', '||||-1');
    expect(await claimRestores(redis, prefix, pool, ['k02'])).toEqual({ restore: [], unexplained: [] });
    expect(await redis.hget(removalsKey(prefix), 'k02')).toBe('1');
  });
});
