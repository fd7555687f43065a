/** Fault 1: every client connection killed (`CLIENT KILL TYPE normal`) mid-load, again and again. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedisServer, startRedisServer } from '../../tools/redis-server.js';
import { FAMILIES } from './clients.js';
import { CASE_TIMEOUT_MS, FAULT_SECONDS, LEASE_SECONDS, OPERATION_TIMEOUT } from './config.js';
import { expectSurvived } from './expect.js';
import { pause, runFault } from './run-fault.js';

const KILL_EVERY_MS = 250;
/** Stated recovery bound: a reconnect, plus a lease of a key an unanswered malloc took. */
const RECOVERY_SECONDS = LEASE_SECONDS + 2;

let server: PrivateRedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

describe.each(FAMILIES)('fault 1, connections killed (%s)', (family) => {
  it(
    'every call settles, nothing doubles or corrupts, and the pool serves again',
    async () => {
      const killer = new Redis(server.port, '127.0.0.1');
      try {
        const report = await runFault({
          family,
          target: { kind: 'server', port: server.port },
          prefixes: [`faults:kill:${family}`],
          recoveryBound: RECOVERY_SECONDS,
          inject: async () => {
            let kills = 0;
            const end = Date.now() + FAULT_SECONDS * 1000;
            while (Date.now() < end) {
              // SKIPME yes (the default): the killer's own connection survives.
              const killed = Number(await killer.call('CLIENT', 'KILL', 'TYPE', 'normal'));
              if (killed > 0) kills++;
              await pause(KILL_EVERY_MS);
            }
            return kills;
          },
        });
        expectSurvived(`kill ${family}`, report, { settle: OPERATION_TIMEOUT });
        expect(report.recovery).toBeLessThanOrEqual(RECOVERY_SECONDS);
      } finally {
        killer.disconnect();
      }
    },
    CASE_TIMEOUT_MS,
  );
});
