/**
 * The crash stress's INV-5 oracle must report a planted double allocation: two holders whose locks
 * both claim one key (as a library bug would make them) — and must stay quiet for honest hand-overs.
 * The "library bug" is planted with raw commands: the lock is overwritten while the first holder's
 * lease is live.
 */
import { describe, expect, it } from 'vitest';
import { testClient, uniquePrefix } from '../helpers/redis.js';
import { doublesKey, LEASE_SECONDS, ORACLE_MARGIN_MS } from './config.js';
import { Oracle } from './oracle.js';

const redis = testClient();

function setup() {
  const prefix = uniquePrefix('oracle');
  const lockPrefix = `${prefix}|excl:`;
  const lease = (key: string, token: string) => redis.set(lockPrefix + key, token, 'EX', LEASE_SECONDS);
  return {
    prefix,
    lease,
    first: new Oracle(redis, prefix, lockPrefix, 'w0.1'),
    second: new Oracle(redis, prefix, lockPrefix, 'w1.1'),
  };
}

describe('stress oracle (INV-5)', () => {
  it('reports a key handed to a second holder while the first holds it, and records it in Redis', async () => {
    const { prefix, lease, first, second } = setup();
    await lease('k00', 'token-1');
    expect(await first.claim('k00', 'token-1')).toEqual({
      status: 'ok',
      token: 'token-1',
      ttlMs: expect.any(Number),
    });
    await lease('k00', 'token-2'); // the planted bug: the live lease is given away
    expect(await second.claim('k00', 'token-2')).toEqual({ status: 'double', other: 'w0.1:token-1' });
    expect(await redis.lrange(doublesKey(prefix), 0, -1)).toEqual([
      'w1.1 allocated k00 while held by w0.1:token-1',
    ]);
  });

  it('adopts the lock value of a tokenless mallocKey and still reports a double', async () => {
    const { lease, first, second } = setup();
    await lease('k01', 'token-1');
    expect(await first.claim('k01', '')).toEqual({
      status: 'ok',
      token: 'token-1',
      ttlMs: expect.any(Number),
    });
    await lease('k01', 'token-2');
    expect((await second.claim('k01', '')).status).toBe('double');
  });

  it('stays quiet for an honest hand-over: released, then claimed by the next holder', async () => {
    const { prefix, lease, first, second } = setup();
    await lease('k02', 'token-1');
    await first.claim('k02', 'token-1');
    expect(await first.release('k02', 'token-1')).toBeGreaterThan(0);
    await lease('k02', 'token-2');
    const claim = await second.claim('k02', 'token-2');
    expect(claim).toEqual({ status: 'ok', token: 'token-2', ttlMs: expect.any(Number) });
    // The oracle key ends before the lease it shadows (no false double for the next holder).
    const { ttlMs } = claim as { ttlMs: number };
    expect(ttlMs).toBeLessThanOrEqual(LEASE_SECONDS * 1000 - ORACLE_MARGIN_MS);
    expect(await redis.llen(doublesKey(prefix))).toBe(0);
  });

  it('reports a lease that is gone or someone else’s as lost, not as a double', async () => {
    const { lease, first } = setup();
    expect(await first.claim('k03', 'token-1')).toEqual({ status: 'lost', lockValue: '' });
    await lease('k03', 'token-2');
    expect(await first.claim('k03', 'token-1')).toEqual({ status: 'lost', lockValue: 'token-2' });
  });

  it('extend reports an oracle key that is no longer ours and a lock that is no longer ours', async () => {
    const { prefix, lease, first } = setup();
    await lease('k04', 'token-1');
    await first.claim('k04', 'token-1');
    expect(await first.extend('k04', 'token-1')).toBeGreaterThan(0);
    await lease('k04', 'token-2');
    expect(await first.extend('k04', 'token-1')).toBe(-2);
    await redis.del(`oracle:${prefix}:k04`);
    expect(await first.extend('k04', 'token-1')).toBe(-1);
  });
});
