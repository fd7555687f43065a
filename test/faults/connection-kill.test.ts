/**
 * Fault 1: every client connection killed (`CLIENT KILL TYPE normal`) mid-load, again and again —
 * the waiters' blocking mailbox connection too: waiters queued before the kills are served or
 * settle within their bound, and kept-alive leases resume renewing or report their loss.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateRedisServer, startRedisServer } from '../../tools/redis-server.js';
import { FAMILIES } from './clients.js';
import { CASE_TIMEOUT_MS, FAULT_SECONDS, LEASE_SECONDS, OPERATION_TIMEOUT } from './config.js';
import { expectSurvived } from './expect.js';
import { pause, runFault } from './run-fault.js';

const KILL_EVERY_MS = 250;
/** Kills per probe round: the probe arms, the kills run this long, the probe checks. */
const ROUND_MS = 1000;
/** Stated recovery bound: a reconnect, plus a lease of a key an unanswered malloc took. */
const RECOVERY_SECONDS = LEASE_SECONDS + 2;

let server: PrivateRedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

describe.each(FAMILIES)('fault 1, connections killed (%s)', (family) => {
  it(
    'every call settles, nothing doubles or corrupts, waiters and keep-alive survive, the pool serves again',
    async () => {
      const killer = new Redis(server.port, '127.0.0.1');
      let blockingKilled = 0;
      try {
        const report = await runFault({
          family,
          target: { kind: 'server', port: server.port },
          prefixes: [`faults:kill:${family}`],
          recoveryBound: RECOVERY_SECONDS,
          probe: true,
          inject: async ({ probe }) => {
            let kills = 0;
            const end = Date.now() + FAULT_SECONDS * 1000;
            do {
              await probe?.arm();
              const roundEnd = Math.min(end, Date.now() + ROUND_MS);
              do {
                // The waiters' mailbox loop blocks on its own connection: count it among the killed.
                const list = String(await killer.call('CLIENT', 'LIST', 'TYPE', 'normal'));
                if (probe && /cmd=(blpop|blmpop)/.test(list)) blockingKilled++;
                // SKIPME yes (the default): the killer's own connection survives.
                const killed = Number(await killer.call('CLIENT', 'KILL', 'TYPE', 'normal'));
                if (killed > 0) kills++;
                await pause(KILL_EVERY_MS);
              } while (Date.now() < roundEnd);
              await probe?.check();
            } while (Date.now() < end);
            return kills;
          },
        });
        expectSurvived(
          `kill ${family}`,
          report,
          { settle: OPERATION_TIMEOUT },
          `blocking mailbox connection killed ${blockingKilled} times`,
        );
        expect(blockingKilled, 'kills that hit a blocked mailbox connection').toBeGreaterThan(0);
        expect(report.recovery).toBeLessThanOrEqual(RECOVERY_SECONDS);
      } finally {
        killer.disconnect();
      }
    },
    CASE_TIMEOUT_MS,
  );
});
