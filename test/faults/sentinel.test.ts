/**
 * Fault 6: the failover of fault 5 done by `redis-sentinel` (Debian's package): primary + two
 * replicas + a sentinel; the primary is SIGKILLed, the sentinel promotes the best replica and
 * re-points the other, and the clients follow the sentinel (ioredis `sentinels`, node-redis
 * `createSentinel`). With `durability: { replicas: 1 }`, no acknowledged lease is lost or doubled.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import {
  holdPort,
  type PrivateRedisServer,
  type PrivateSentinel,
  redisCli,
  startRedisServer,
  startReplica,
  startSentinel,
  waitFor,
} from '../../tools/redis-server.js';
import { FAMILIES } from './clients.js';
import { CASE_TIMEOUT_MS, FAULT_SECONDS, OPERATION_TIMEOUT } from './config.js';
import { expectSurvived } from './expect.js';
import { checkHeldLeases, type HeldCheck } from './held-leases.js';
import { direct } from './replication.js';
import { pause, runFault } from './run-fault.js';

const DURABILITY = { replicas: 1, timeout: 0.5 };
/** Longer than fault 5's: the sentinel takes a second or two to declare the primary down. */
const LEASE_SECONDS = 6;
/**
 * The sentinel calls the primary down after this long without a reply. Not shorter: on a loaded CI
 * machine a primary starved for half a second can be failed over before the test's own kill, and
 * the case must fail over the topology it states (checked just before the kill).
 */
const DOWN_AFTER_MS = 1500;
/** Stated recovery bound: detection and promotion by the sentinel, the clients' switch, a lease. */
const RECOVERY_SECONDS = LEASE_SECONDS + 4;

let servers: PrivateRedisServer[] = [];
let sentinel: PrivateSentinel | undefined;
let releasePort: (() => Promise<void>) | undefined;
/** Reads the sentinel's log and the servers' roles (set by the running case). */
let afterDiagnosis: (() => void) | undefined;
afterEach(async () => {
  afterDiagnosis?.();
  afterDiagnosis = undefined;
  await sentinel?.stop();
  await Promise.all(servers.map((server) => server.stop()));
  await releasePort?.();
  servers = [];
  sentinel = undefined;
  releasePort = undefined;
});

describe.each(FAMILIES)('fault 6, failover by redis-sentinel (%s)', (family) => {
  it(
    'clients follow the sentinel and no acknowledged lease is lost or doubled',
    async ({ onTestFailed }) => {
      // The sentinel's own account of the failover, and each server's role, for a failing run:
      // read now, while they exist (afterEach stops them before onTestFailed runs).
      let diagnosis = '';
      onTestFailed(() => console.log(diagnosis));
      afterDiagnosis = () => {
        const roles = servers.map((server) => {
          let role: string;
          try {
            role = redisCli(server.port, 'INFO', 'replication').split('\n').slice(0, 4).join(' ');
          } catch (error) {
            role = String(error);
          }
          return `server ${server.port}: ${role}`;
        });
        diagnosis = [`sentinel log (${family}):`, sentinel?.log() ?? '(no sentinel)', ...roles].join('\n');
      };
      const primary = await startRedisServer();
      servers.push(primary);
      servers.push(...(await Promise.all([startReplica(primary.port), startReplica(primary.port)])));
      const watching = await startSentinel(primary.port, DOWN_AFTER_MS);
      sentinel = watching;
      // The workload starts only once both replicas finished their first sync. Until then every
      // durable write fails its WAIT (NotReplicatedError, the lease given back), which on a slow
      // CI machine could leave no lease held at the kill: one candidate cause of the failed first
      // attempts ("held across failover 0" beside a normal failover).
      const onlineReplicas = () =>
        (redisCli(primary.port, 'INFO', 'replication').match(/state=online/g) ?? []).length;
      await waitFor(() => onlineReplicas() === 2, 30);
      const prefix = `faults:sentinel:${family}`;
      const held: HeldCheck = { checked: 0, lost: [] };
      let switchSeconds = 0;
      const report = await runFault({
        family,
        target: { kind: 'sentinel', port: watching.port, masterName: watching.masterName },
        prefixes: [prefix],
        durability: DURABILITY,
        leaseSeconds: LEASE_SECONDS,
        longHold: LEASE_SECONDS - 1, // leases held across the whole failover
        reclaimWindow: 0, // GC probes cannot conclude across a change of primary
        recoveryBound: RECOVERY_SECONDS,
        inject: async ({ timeline }) => {
          await pause(FAULT_SECONDS * 500);
          // The stated topology: the sentinel's primary is ours, with both replicas online.
          expect(watching.primaryPort(), 'primary before the fault').toBe(primary.port);
          expect(onlineReplicas(), 'replicas online before the fault').toBe(2);
          const killAt = performance.now();
          await primary.stop();
          // The dead primary's address must stay dead: CI runs other files' servers meanwhile, and
          // one of them on this port once took the ioredis lanes (every member "disappeared").
          releasePort = await holdPort(primary.port);
          await waitFor(() => {
            const port = watching.primaryPort();
            return port !== null && port !== primary.port;
          }, 30);
          switchSeconds = (performance.now() - killAt) / 1000;
          const promoted = watching.primaryPort()!;
          const checker = direct({ port: promoted });
          try {
            Object.assign(held, await checkHeldLeases(checker, prefix, timeline, killAt));
          } finally {
            checker.disconnect();
          }
          // The failover ends when the sentinel has re-pointed the other replica: durable writes
          // need its acknowledgement again.
          const followed = () => redisCli(promoted, 'INFO', 'replication').includes('connected_slaves:1');
          await waitFor(followed, 30);
          return 1;
        },
      });
      expectSurvived(
        `sentinel ${family}`,
        report,
        { settle: OPERATION_TIMEOUT + DURABILITY.timeout },
        `sentinel switch ${switchSeconds.toFixed(2)} s, held across failover ${held.checked}, lost ${held.lost.length}`,
      );
      expect(held.checked, 'leases held across the failover').toBeGreaterThan(0);
      expect(held.lost).toEqual([]);
      expect(report.recovery).toBeLessThanOrEqual(RECOVERY_SECONDS);
    },
    // One retry: about one CI run in three, the ioredis case held no lease at the kill (a normal
    // switch), and a held dead port did not cure it. One candidate cause, replicas still in their
    // first sync when the workload began, is now waited out above (not yet proven the cure); a
    // failing attempt prints the sentinel's log and each server's role (above).
    { timeout: CASE_TIMEOUT_MS, retry: 1 },
  );
});
