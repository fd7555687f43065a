/**
 * The fault suite's checks fail on deliberate bugs: the lease timeline reports overlapping
 * holders, and on a real pool whose locks a rogue deletes (a lost write, as a failover without
 * durability causes) both the timeline and the held-lease check find it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatorKeys } from '../../src/index.js';
import { type PrivateRedisServer, startRedisServer } from '../../tools/redis-server.js';
import { LeaseTimeline } from '../stress/lease-timeline.js';
import { checkHeldLeases, type HeldCheck } from './held-leases.js';
import { pause, runFault } from './run-fault.js';

describe('LeaseTimeline', () => {
  const lease = (holder: string, token: string) => ({ pool: 'p', key: 'k', token, holder });

  it('reports a second holder whose lease starts before the first one ended', () => {
    const timeline = new LeaseTimeline();
    timeline.acquired(lease('a', 't1'), 0, 5, 1000);
    timeline.acquired(lease('b', 't2'), 500, 505, 1000);
    expect(timeline.doubleAllocations()).toHaveLength(1);
  });

  it('accepts a holder that starts after the release of the previous one', () => {
    const timeline = new LeaseTimeline();
    timeline.released(timeline.acquired(lease('a', 't1'), 0, 5, 1000), 100);
    timeline.acquired(lease('b', 't2'), 100, 105, 1000);
    expect(timeline.doubleAllocations()).toEqual([]);
  });

  it('counts an acknowledged renewal: a holder within the renewed lease is a double', () => {
    const timeline = new LeaseTimeline();
    timeline.renewed(timeline.acquired(lease('a', 't1'), 0, 5, 1000), 900, 1000);
    timeline.acquired(lease('b', 't2'), 1500, 1505, 1000);
    expect(timeline.doubleAllocations()).toHaveLength(1);
  });

  it('keeps keys of different pools apart', () => {
    const timeline = new LeaseTimeline();
    timeline.acquired({ ...lease('a', 't1'), pool: 'p1' }, 0, 5, 1000);
    timeline.acquired({ ...lease('b', 't2'), pool: 'p2' }, 0, 5, 1000);
    expect(timeline.doubleAllocations()).toEqual([]);
  });
});

describe('on a real pool with a deliberate bug', () => {
  let server: PrivateRedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server?.stop());

  it('deleting held locks (a lost write) is found by the timeline and the held-lease check', async () => {
    const prefix = 'faults:oracle:rogue';
    const { lockPrefix } = allocatorKeys(prefix, 'allocator');
    const rogue = new Redis(server.port);
    const held: HeldCheck = { checked: 0, lost: [] };
    try {
      const report = await runFault({
        family: 'ioredis',
        target: { kind: 'server', port: server.port },
        prefixes: [prefix],
        recoveryBound: 5,
        inject: async ({ timeline }) => {
          let deletions = 0;
          for (let round = 0; round < 10; round++) {
            const locks = await rogue.keys(`${lockPrefix}*`);
            if (locks.length > 0) deletions += await rogue.del(...locks);
            const check = await checkHeldLeases(rogue, prefix, timeline, performance.now());
            held.checked += check.checked;
            held.lost.push(...check.lost);
            await pause(100);
          }
          return deletions;
        },
      });
      expect(report.faults).toBeGreaterThan(0);
      expect(report.doubles.length).toBeGreaterThan(0);
      expect(held.lost.length).toBeGreaterThan(0);
    } finally {
      rogue.disconnect();
    }
  }, 30_000);
});
