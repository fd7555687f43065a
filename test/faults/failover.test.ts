/**
 * Fault 5: primary + replica; the replica's link stalls (it lags, as on a slow network), the
 * primary is killed, the replica promoted (`REPLICAOF NO ONE`) and clients pointed at it (through
 * a proxy standing for the address they were given). The same fault twice:
 * - with `durability: { replicas: 1 }` a malloc the replica did not confirm failed closed, so no
 *   acknowledged lease is lost or doubled;
 * - without it, the run measures the window of acknowledged leases the promotion lost, and the
 *   double allocations that follow.
 * After the promotion a new replica is attached, so the durable pool can serve again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FAMILIES } from './clients.js';
import { CASE_TIMEOUT_MS, FAULT_SECONDS, LEASE_SECONDS, OPERATION_TIMEOUT } from './config.js';
import { expectSurvived } from './expect.js';
import { checkHeldLeases, type HeldCheck } from './held-leases.js';
import { RedisProxy } from './proxy.js';
import { direct, failOver, type ReplicatedSet, startReplicatedSet } from './replication.js';
import { pause, runFault } from './run-fault.js';

const DURABILITY = { replicas: 1, timeout: 0.5 };
/** How long the replica's link delivers nothing before the primary dies. */
const LAG_MS = 300;
/** Stated recovery bound: reconnecting through the proxy, plus a leaked lease's TTL. */
const RECOVERY_SECONDS = LEASE_SECONDS + 3;

let set: ReplicatedSet | undefined;
let proxy: RedisProxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  await set?.stop();
  proxy = undefined;
  set = undefined;
});

/** Runs load, fails over once mid-load, and checks the leases held across the failover. */
async function failoverRun(family: (typeof FAMILIES)[number], durable: boolean) {
  set = await startReplicatedSet();
  proxy = await RedisProxy.start(set.primary.port);
  const current = set;
  const clients = proxy;
  const prefix = `faults:failover:${family}:${durable ? 'durable' : 'async'}`;
  const held: HeldCheck = { checked: 0, lost: [] };
  let killAt = 0;
  const report = await runFault({
    family,
    target: { kind: 'server', port: proxy.port },
    prefixes: [prefix],
    durability: durable ? DURABILITY : undefined,
    longHold: LEASE_SECONDS - 0.5, // leases held across the failover
    reclaimWindow: 0, // GC probes cannot conclude across a change of primary
    recoveryBound: RECOVERY_SECONDS,
    inject: async ({ timeline }) => {
      await pause(FAULT_SECONDS * 500);
      const failover = await failOver(current, LAG_MS);
      killAt = failover.killAt;
      clients.retarget(current.replica.port);
      const checker = direct(current.replica);
      try {
        Object.assign(held, await checkHeldLeases(checker, prefix, timeline, killAt));
      } finally {
        checker.disconnect();
      }
      await failover.addReplica(); // with durability, writes need a replica again
      return 1;
    },
  });
  const window =
    held.lost.length === 0 ? 0 : killAt - Math.min(...held.lost.map((lease) => lease.acquiredAt));
  return { report, held, window };
}

describe.each(FAMILIES)('fault 5, failover to a promoted replica (%s)', (family) => {
  it(
    'with durability { replicas: 1 }: no acknowledged lease is lost or doubled',
    async () => {
      const { report, held } = await failoverRun(family, true);
      expectSurvived(
        `failover durable ${family}`,
        report,
        { settle: OPERATION_TIMEOUT + DURABILITY.timeout },
        `held across failover ${held.checked}, lost ${held.lost.length}`,
      );
      expect(held.checked, 'leases held across the failover').toBeGreaterThan(0);
      expect(held.lost).toEqual([]);
      expect(report.recovery).toBeLessThanOrEqual(RECOVERY_SECONDS);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'without durability: the window of acknowledged leases the promotion lost is measured',
    async () => {
      const { report, held, window } = await failoverRun(family, false);
      expectSurvived(
        `failover async ${family}`,
        report,
        { settle: OPERATION_TIMEOUT, lossy: true },
        `held across failover ${held.checked}, lost ${held.lost.length}, ` +
          `window ${window.toFixed(1)} ms, doubles ${report.doubles.length}`,
      );
      expect(held.checked, 'leases held across the failover').toBeGreaterThan(0);
      expect(report.recovery).toBeLessThanOrEqual(RECOVERY_SECONDS);
    },
    CASE_TIMEOUT_MS,
  );
});
