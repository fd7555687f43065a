/**
 * Fault 4: `redis-server` killed with SIGKILL and restarted with `appendonly yes` /
 * `appendfsync always`. Every acknowledged write was on disk, so the pool and every lease held
 * across the crash come back, and those leases are still exclusive. The waiter queue survives
 * too (waiters queued at the crash are served or settle within their bound), the waiters' mailbox
 * loop reconnects, and each kept-alive lease resumes renewing or reports its loss.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocatorKeys } from '../../src/index.js';
import { type AofRedisServer, startAofServer } from '../../tools/redis-server.js';
import { FAMILIES } from './clients.js';
import { CASE_TIMEOUT_MS, FAULT_SECONDS, LEASE_SECONDS, OPERATION_TIMEOUT, POOL_KEYS } from './config.js';
import { expectSurvived } from './expect.js';
import { checkHeldLeases, type HeldCheck } from './held-leases.js';
import { pause, runFault } from './run-fault.js';

const DOWN_MS = 300;
/**
 * The second crash (there are always two) stays down longer than a lease: kept-alive leases cannot renew and must report
 * 'unreachable' (and their keys reach the waiters after the restart) instead of renewing.
 */
const LONG_DOWN_MS = LEASE_SECONDS * 1000 + 500;
/** Stated recovery bound: the restart and AOF replay, a reconnect, and a leaked lease's TTL. */
const RECOVERY_SECONDS = LEASE_SECONDS + 3;

let server: AofRedisServer;
beforeAll(async () => {
  server = await startAofServer();
});
afterAll(() => server?.stop());

describe.each(FAMILIES)('fault 4, SIGKILL and AOF restart (%s)', (family) => {
  it(
    'the pool, the leases and the waiter queue survive the crash; keep-alive resumes or reports',
    async () => {
      const prefix = `faults:aof:${family}`;
      const held: HeldCheck = { checked: 0, lost: [] };
      const poolSizes: number[] = [];
      const report = await runFault({
        family,
        target: { kind: 'server', port: server.port },
        prefixes: [prefix],
        recoveryBound: RECOVERY_SECONDS,
        probe: true,
        inject: async ({ timeline, probe }) => {
          let crashes = 0;
          const end = Date.now() + FAULT_SECONDS * 1000;
          do {
            await probe?.arm();
            const crashAt = performance.now();
            await server.crash();
            crashes++;
            await pause(crashes === 2 ? LONG_DOWN_MS : DOWN_MS);
            await server.restart();
            const checker = new Redis(server.port, '127.0.0.1');
            try {
              poolSizes.push(await checker.hlen(allocatorKeys(prefix, 'allocator').pool));
              const check = await checkHeldLeases(checker, prefix, timeline, crashAt);
              held.checked += check.checked;
              held.lost.push(...check.lost);
            } finally {
              checker.disconnect();
            }
            await probe?.check();
            await pause(500);
          } while (crashes < 2 || Date.now() < end);
          return crashes;
        },
      });
      expectSurvived(
        `aof ${family}`,
        report,
        { settle: OPERATION_TIMEOUT },
        `held across crash ${held.checked}, lost ${held.lost.length}`,
      );
      expect(poolSizes.every((size) => size === POOL_KEYS)).toBe(true);
      expect(held.checked, 'leases held across a crash').toBeGreaterThan(0);
      expect(held.lost).toEqual([]);
      expect(report.recovery).toBeLessThanOrEqual(RECOVERY_SECONDS);
      expect(report.probe?.reported, 'kept-alive leases reported lost over the long crash').toBeGreaterThan(
        0,
      );
    },
    CASE_TIMEOUT_MS,
  );
});
