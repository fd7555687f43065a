/**
 * The demo's double-allocation oracle must report a planted double allocation (two workers whose
 * leases both claim one proxy, planted with raw commands as a library bug would) and stay quiet
 * for an honest hand-over.
 */
import { describe, expect, it } from 'vitest';
import { AllocationOracle } from '../../examples/demo/oracle.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';

const redis = testClient();
const CAP = 2;
const MARGIN = 0.25;

function setup() {
  const prefix = uniquePrefix('demo-oracle');
  const oracle = new AllocationOracle(redis, prefix);
  const lockKey = (proxy: string) => `${prefix}|proxies:${proxy}`;
  const lease = async (proxy: string, token: string) => {
    await redis.set(lockKey(proxy), token, 'EX', 5);
    return { key: lockKey(proxy), token };
  };
  return { oracle, lease };
}

describe('demo oracle', () => {
  it('reports a proxy handed to a second worker while the first holds it', async () => {
    const { oracle, lease } = setup();
    expect(await oracle.claim('p1', 'worker-1', await lease('p1', 't1'), CAP, MARGIN)).toEqual({
      kind: 'claimed',
    });
    const stolen = await lease('p1', 't2'); // the planted bug: the live lease is given away
    expect(await oracle.claim('p1', 'worker-2', stolen, CAP, MARGIN)).toEqual({
      kind: 'taken',
      holder: 'worker-1',
    });
  });

  it('stays quiet for an honest hand-over', async () => {
    const { oracle, lease } = setup();
    await oracle.claim('p2', 'worker-1', await lease('p2', 't1'), CAP, MARGIN);
    await oracle.unclaim('p2', 'worker-1');
    expect(await oracle.claim('p2', 'worker-2', await lease('p2', 't2'), CAP, MARGIN)).toEqual({
      kind: 'claimed',
    });
  });

  it('unclaim never removes another worker’s claim', async () => {
    const { oracle, lease } = setup();
    await oracle.claim('p3', 'worker-1', await lease('p3', 't1'), CAP, MARGIN);
    await oracle.unclaim('p3', 'worker-2');
    expect(await redis.get(oracle.keyOf('p3'))).toBe('worker-1');
  });

  it('a lease that is gone or someone else’s is reported as gone, not claimed', async () => {
    const { oracle, lease } = setup();
    const gone = { key: 'no-such-lock', token: 't1' };
    expect(await oracle.claim('p4', 'worker-1', gone, CAP, MARGIN)).toEqual({
      kind: 'lease-gone',
      lockValue: null,
    });
    const taken = await lease('p4', 't2');
    const stale = await oracle.claim('p4', 'worker-1', { ...taken, token: 't1' }, CAP, MARGIN);
    expect(stale).toEqual({ kind: 'lease-gone', lockValue: 't2' });
  });
});
