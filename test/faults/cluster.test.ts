/**
 * Fault 7: a 3-master cluster loses one master mid-load (its process is stopped, so its
 * connections hang, then it comes back). Pools on the other masters keep serving throughout;
 * calls to the lost master reject within `operationTimeout`; its pool serves again afterwards.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSlot } from '../../src/client/slot.js';
import { type PrivateRedisCluster, redisCli, startRedisCluster } from '../../tools/redis-server.js';
import { FAMILIES } from './clients.js';
import { CASE_TIMEOUT_MS, FAULT_SECONDS, LEASE_SECONDS, OPERATION_TIMEOUT } from './config.js';
import { expectSurvived } from './expect.js';
import { pause, runFault } from './run-fault.js';

/** Shorter than the cluster's node timeout (15 s): the master is unreachable, never failed. */
const STOP_MS = 1500;
const GAP_MS = 500;
const RECOVERY_SECONDS = LEASE_SECONDS + 2;

let cluster: PrivateRedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 60_000);
afterAll(() => cluster?.stop());

/** One hash-tagged prefix per master, in `cluster.nodes` order. */
function prefixPerMaster(label: string): string[] {
  const ranges = cluster.nodes.map((node) => ownedSlots(node.port));
  const prefixes: string[] = [];
  ranges.forEach((owned, index) => {
    for (let i = 0; ; i++) {
      const tag = `${label}${index}-${i}`;
      const slot = hashSlot(`{${tag}}`);
      if (owned.some(([from, to]) => slot >= from && slot <= to)) {
        prefixes.push(`{${tag}}`);
        return;
      }
    }
  });
  return prefixes;
}

/** Slot ranges a node serves, from `CLUSTER SLOTS` as seen by that node. */
function ownedSlots(port: number): Array<[number, number]> {
  const lines = redisCli(port, 'CLUSTER', 'SLOTS').split('\n');
  const owned: Array<[number, number]> = [];
  // redis-cli prints each range as: from, to, host, port, node id (one value a line).
  for (let i = 0; i + 3 < lines.length; i++) {
    if (/^\d+$/.test(lines[i]!) && /^\d+$/.test(lines[i + 1]!) && lines[i + 3] === String(port)) {
      owned.push([Number(lines[i]), Number(lines[i + 1])]);
    }
  }
  return owned;
}

describe.each(FAMILIES)('fault 7, a cluster master lost mid-load (%s)', (family) => {
  it(
    'pools on the other masters keep serving and the lost pool serves again',
    async () => {
      const prefixes = prefixPerMaster(`f7${family}`);
      expect(prefixes).toHaveLength(3);
      const lost = cluster.nodes[0]!;
      const windows: Array<[number, number]> = [];
      const report = await runFault({
        family,
        target: { kind: 'cluster', ports: cluster.nodes.map((node) => node.port) },
        prefixes,
        recoveryBound: RECOVERY_SECONDS,
        inject: async () => {
          const end = Date.now() + FAULT_SECONDS * 1000;
          do {
            const start = performance.now();
            lost.process.kill('SIGSTOP');
            try {
              await pause(STOP_MS);
            } finally {
              lost.process.kill('SIGCONT');
            }
            windows.push([start, performance.now()]);
            await pause(GAP_MS);
          } while (Date.now() < end);
          return windows.length;
        },
      });
      const servedDuring = report.pools.map(
        (pool) => pool.grants.filter((at) => windows.some(([from, to]) => at > from && at < to)).length,
      );
      expectSurvived(
        `cluster ${family}`,
        report,
        { settle: OPERATION_TIMEOUT },
        `leases granted while the master was lost, per pool: ${servedDuring.join('/')}`,
      );
      // The pools of the two other masters served in every window; the lost one recovered.
      for (const [index, pool] of report.pools.entries()) {
        if (index === 0) continue;
        for (const [from, to] of windows) {
          expect(
            pool.grants.some((at) => at > from && at < to),
            `${pool.prefix} served while lost`,
          ).toBe(true);
        }
      }
      expect(report.recovery).toBeLessThanOrEqual(RECOVERY_SECONDS);
    },
    CASE_TIMEOUT_MS,
  );
});
