/**
 * The waiting / keep-alive probe's checks fail on deliberate bugs, on a real pool: a queue that
 * loses its waiters, kept-alive leases whose locks are lost while their signals stay quiet (what a
 * restart losing writes would do), and a waiter that never settles.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { RedisAllocator } from '../../src/index.js';
import { type PrivateRedisServer, startRedisServer } from '../../tools/redis-server.js';
import { LeaseTimeline } from '../stress/lease-timeline.js';
import { PROBE_KEYS, type ProbeSabotage, WaitKeepProbe } from './wait-keep-probe.js';

let server: PrivateRedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

/** One armed-and-checked round of the probe (no fault), with the sabotage, on its own pool. */
async function probeRound(prefix: string, sabotage: ProbeSabotage) {
  const admin = new Redis(server.port, '127.0.0.1');
  const clients = [new Redis(server.port, '127.0.0.1'), new Redis(server.port, '127.0.0.1')];
  const [holders, waiters] = clients.map((client) => new RedisAllocator(client, prefix)) as [
    RedisAllocator,
    RedisAllocator,
  ];
  try {
    await holders.extend(Array.from({ length: PROBE_KEYS }, (_, i) => `p${i}`));
    const probe = new WaitKeepProbe(prefix, holders, waiters, admin, new LeaseTimeline(), sabotage);
    await probe.arm();
    await probe.check();
    await probe.finish();
    return probe.figures;
  } finally {
    await Promise.allSettled([holders.close(), waiters.close()]);
    for (const client of [admin, ...clients]) client.disconnect();
  }
}

describe.concurrent('the waiting / keep-alive probe', () => {
  it('passes a healthy pool: waiters served or settled, leases renewing', async ({ expect }) => {
    const figures = await probeRound('faults:probe:healthy', {});
    expect(figures.findings).toEqual([]);
    expect(figures.served + figures.settled).toBe(figures.waiters);
    expect(figures.served).toBeGreaterThan(0);
    expect(figures.resumed).toBe(PROBE_KEYS);
  }, 30_000);

  it('finds a lost queue and kept-alive leases lost without a report', async ({ expect }) => {
    const figures = await probeRound('faults:probe:lost', {
      tamper: async (admin, { waiters, lockPrefix }) => {
        await admin.del(waiters);
        for (let i = 0; i < PROBE_KEYS; i++) await admin.set(`${lockPrefix}p${i}`, 'rogue');
      },
    });
    expect(figures.findings.some((finding) => /waiters pending but 0 queued/.test(finding))).toBe(true);
    expect(figures.findings.filter((finding) => /silently lost/.test(finding))).toHaveLength(PROBE_KEYS);
  }, 30_000);

  it('finds a waiter that never settles', async ({ expect }) => {
    const figures = await probeRound('faults:probe:hang', { hang: true });
    expect(figures.findings.some((finding) => /did not settle within its bound/.test(finding))).toBe(true);
  }, 30_000);
});
