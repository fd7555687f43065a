/**
 * The stress watcher restores only members the test removed (licensed), and reports every other
 * disappearance instead of hiding it by re-adding the key.
 */
import { describe, expect, it } from 'vitest';
import { RedisAllocator } from '../../src/index.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';
import { licenseRemoval } from './membership.js';
import { InvariantWatcher } from './watcher.js';

const redis = testClient();
const MEMBERS = ['k00', 'k01', 'k02'];

async function watched() {
  const prefix = uniquePrefix('watcher');
  const allocator = new RedisAllocator(redis, prefix, { suffix: 'excl' });
  await allocator.extend(MEMBERS);
  const watcher = new InvariantWatcher(redis, prefix, [
    { label: 'exclusive', allocator, members: MEMBERS, reclaimWindow: 2.9 },
  ]);
  return { prefix, allocator, watcher };
}

describe('stress watcher membership', () => {
  it('restores a member the test removed, without a violation', async () => {
    const { prefix, allocator, watcher } = await watched();
    await licenseRemoval(redis, prefix, 'k01');
    await allocator.shrink(['k01']);
    await watcher.checkMembership(await watcher.checkOnce());
    expect(watcher.violations).toEqual([]);
    expect(watcher.restores).toBe(1);
    expect((await allocator.keys()).sort()).toEqual(MEMBERS);
  });

  it('reports a member that disappeared without a licensed removal', async () => {
    const { allocator, watcher } = await watched();
    await allocator.shrink(['k02']); // as a library bug would lose it
    await watcher.checkMembership(await watcher.checkOnce());
    expect(watcher.violations).toEqual(['exclusive: member "k02" disappeared, and no worker removed it']);
    expect(watcher.restores).toBe(0);
  });

  it('reports an entry that is no member', async () => {
    const { allocator, watcher } = await watched();
    await allocator.extend(['stranger']);
    await watcher.checkMembership(await watcher.checkOnce());
    expect(watcher.violations).toEqual(['exclusive: "stranger" is in the pool but no member']);
  });

  it('the settled check lists a member lost after the last round', async () => {
    const { allocator, watcher } = await watched();
    await allocator.shrink(['k00']);
    expect(await watcher.settledLeftovers()).toEqual([]);
    expect(watcher.violations).toEqual(['exclusive: member "k00" disappeared, and no worker removed it']);
  });
});
