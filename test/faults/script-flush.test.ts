/** Fault 2: `SCRIPT FLUSH` mid-load — every script call must take the NOSCRIPT fallback and carry on. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedisServer, startRedisServer } from '../../tools/redis-server.js';
import { FAMILIES } from './clients.js';
import { CASE_TIMEOUT_MS, FAULT_SECONDS, OPERATION_TIMEOUT } from './config.js';
import { expectSurvived } from './expect.js';
import { pause, runFault } from './run-fault.js';

const FLUSH_EVERY_MS = 100;
/** Stated recovery bound: nothing is lost, so the next call already serves. */
const RECOVERY_SECONDS = 1;

let server: PrivateRedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

describe.each(FAMILIES)('fault 2, SCRIPT FLUSH (%s)', (family) => {
  it(
    'every script call falls back to EVAL and the pool stays exclusive and intact',
    async () => {
      const admin = new Redis(server.port, '127.0.0.1');
      try {
        const evalsBefore = await evalCalls(admin);
        const report = await runFault({
          family,
          target: { kind: 'server', port: server.port },
          prefixes: [`faults:flush:${family}`],
          recoveryBound: RECOVERY_SECONDS,
          inject: async () => {
            let flushes = 0;
            const end = Date.now() + FAULT_SECONDS * 1000;
            while (Date.now() < end) {
              await admin.script('FLUSH');
              flushes++;
              await pause(FLUSH_EVERY_MS);
            }
            return flushes;
          },
        });
        const fallbacks = (await evalCalls(admin)) - evalsBefore;
        expectSurvived(
          `flush ${family}`,
          report,
          { settle: OPERATION_TIMEOUT },
          `EVAL fallbacks ${fallbacks}`,
        );
        // The flushes really hit the library: it re-sent scripts with EVAL, and no call failed.
        expect(fallbacks).toBeGreaterThan(0);
        expect(report.errors).toEqual({});
        expect(report.recovery).toBeLessThanOrEqual(RECOVERY_SECONDS);
      } finally {
        admin.disconnect();
      }
    },
    CASE_TIMEOUT_MS,
  );
});

async function evalCalls(admin: Redis): Promise<number> {
  const stats = await admin.info('commandstats');
  return Number(/cmdstat_eval:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}
