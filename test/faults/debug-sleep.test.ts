/**
 * Fault 3: `DEBUG SLEEP` longer than `operationTimeout` and longer than the leases. Every call
 * rejects in time; leases that ran out during the stall are handed out again only after they
 * ended (the timeline proves it), and the pool serves again once Redis wakes up.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedisServer, startRedisServer } from '../../tools/redis-server.js';
import { FAMILIES } from './clients.js';
import { CASE_TIMEOUT_MS, FAULT_SECONDS, SETTLE_MARGIN_SECONDS } from './config.js';
import { expectSurvived } from './expect.js';
import { pause, runFault } from './run-fault.js';

const OPERATION_TIMEOUT = 0.5;
const LEASE_SECONDS = 1;
const SLEEP_SECONDS = 1.5;
/** Longer than operationTimeout + the settle margin, so the unbounded run must exceed it. */
const UNBOUNDED_SLEEP_SECONDS = 2.5;
/** Stated recovery bound: a lease of a key an unanswered malloc took, plus a reconnect. */
const RECOVERY_SECONDS = LEASE_SECONDS + 2;

let server: PrivateRedisServer;
beforeAll(async () => {
  server = await startRedisServer({ extraArgs: ['--enable-debug-command', 'yes'] });
});
afterAll(() => server?.stop());

describe.each(FAMILIES)('fault 3, DEBUG SLEEP (%s)', (family) => {
  it(
    'calls reject within operationTimeout during the stall and nothing doubles afterwards',
    async () => {
      const admin = new Redis(server.port, '127.0.0.1');
      try {
        const report = await runFault({
          family,
          target: { kind: 'server', port: server.port },
          prefixes: [`faults:sleep:${family}`],
          operationTimeout: OPERATION_TIMEOUT,
          leaseSeconds: LEASE_SECONDS,
          recoveryBound: RECOVERY_SECONDS,
          inject: async () => {
            let sleeps = 0;
            const end = Date.now() + FAULT_SECONDS * 1000;
            do {
              await admin.call('DEBUG', 'SLEEP', String(SLEEP_SECONDS));
              sleeps++;
              await pause(300);
            } while (Date.now() < end);
            return sleeps;
          },
        });
        expectSurvived(`sleep ${family}`, report, { settle: OPERATION_TIMEOUT });
        // The stall was felt: calls timed out instead of hanging.
        expect(report.errors.OperationTimeoutError ?? 0).toBeGreaterThan(0);
        expect(report.recovery).toBeLessThanOrEqual(RECOVERY_SECONDS);
      } finally {
        admin.disconnect();
      }
    },
    CASE_TIMEOUT_MS,
  );
});

describe('fault 3 without operationTimeout (the settle check on a deliberate gap)', () => {
  it(
    'the same stall holds callers for the whole sleep, past any bound',
    async () => {
      const admin = new Redis(server.port, '127.0.0.1');
      try {
        const report = await runFault({
          family: 'ioredis',
          target: { kind: 'server', port: server.port },
          prefixes: ['faults:sleep:unbounded'],
          operationTimeout: Number.POSITIVE_INFINITY,
          leaseSeconds: LEASE_SECONDS,
          recoveryBound: RECOVERY_SECONDS,
          inject: async () => {
            await admin.call('DEBUG', 'SLEEP', String(UNBOUNDED_SLEEP_SECONDS));
            return 1;
          },
        });
        // expectSurvived would fail here: the slowest call waited out the whole stall.
        expect(report.slowestSettle).toBeGreaterThan(OPERATION_TIMEOUT + SETTLE_MARGIN_SECONDS);
        expect(report.errors.OperationTimeoutError ?? 0).toBe(0);
      } finally {
        admin.disconnect();
      }
    },
    CASE_TIMEOUT_MS,
  );
});
