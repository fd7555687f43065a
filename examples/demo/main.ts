/**
 * `npm run demo`: a pool of simulated proxies shared by worker processes that allocate, renew,
 * quarantine and free, while some of them are SIGKILLed mid-lease. An oracle and atomic snapshots
 * prove that no proxy is ever held twice and that the pool stays sound. Exits non-zero otherwise.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DefaultRedisAllocatorPolicy, RedisAllocator } from 'redis-allocator';
import {
  hasRedisServer,
  type PrivateRedisServer,
  REDIS_SERVER_MISSING_MESSAGE,
  startRedisServer,
} from '../../tools/redis-server.js';
import { DEMO, parseArguments, randomBetween } from './config.js';
import { dashboardCommand, serveDashboard } from './dashboard.js';
import { WorkerFleet } from './fleet.js';
import { ProxyProviderUpdater } from './proxies.js';
import { DemoStats } from './stats.js';
import { LiveTable, summary } from './table.js';
import { PoolWatcher } from './watcher.js';

/** Exit codes: 0 all good, 1 a safety check failed, 2 the demo could not run, 130 Ctrl-C. */
const EXIT = { ok: 0, failed: 1, cannotRun: 2, interrupted: 130 } as const;

/** REDIS_URL when set, else a private redis-server (stopped at the end). */
async function redisTarget(): Promise<{ url: string; server: PrivateRedisServer | null }> {
  const url = process.env.REDIS_URL;
  if (url) return { url, server: null };
  if (!hasRedisServer()) throw new Error(REDIS_SERVER_MISSING_MESSAGE);
  const server = await startRedisServer();
  return { url: server.url, server };
}

/** `url` with any password masked, for printing. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}

/** Deletes every key of this run (only matters on a shared REDIS_URL server). */
async function cleanUp(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

async function run(seconds: number, withDashboard: boolean): Promise<number> {
  const { url, server } = await redisTarget();
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  // Failed commands reject; the event only adds noise ("Unhandled error event") on the way out.
  redis.on('error', () => {});
  const prefix = `demo-${randomBytes(3).toString('hex')}`;
  const dashboard = withDashboard ? await serveDashboard(url, prefix) : null;
  process.stdout.write(
    dashboard
      ? `Dashboard of the pool: ${dashboard.url}\n`
      : `Watch the pool while the demo runs: ${dashboardCommand(withoutPassword(url), prefix)}\n`,
  );
  try {
    return await runOn(redis, url, prefix, seconds, server);
  } finally {
    await dashboard?.stop();
    await cleanUp(redis, prefix).catch(() => {});
    await redis.quit().catch(() => redis.disconnect());
    // The server process is unref'd by startRedisServer: without a live handle Node would quit
    // (exit code 13) while we wait for it to die.
    const keepAlive = setInterval(() => {}, 1000);
    await server?.stop();
    clearInterval(keepAlive);
  }
}

/** The demo proper, on a connected client. @returns the exit code. */
async function runOn(
  redis: Redis,
  url: string,
  prefix: string,
  seconds: number,
  server: PrivateRedisServer | null,
): Promise<number> {
  const startedAt = Date.now();
  // Same updater as the workers: the first fill here, the slide afterwards by whichever worker's
  // malloc finds the fleet-wide refresh due.
  const policy = new DefaultRedisAllocatorPolicy({ updater: new ProxyProviderUpdater(startedAt) });
  const allocator = new RedisAllocator(redis, prefix, { policy });
  await policy.refreshPoolAll(allocator);
  const stats = new DemoStats();
  const watcher = new PoolWatcher(redis, allocator);

  const where = server ? `private redis-server on port ${server.port}` : withoutPassword(url);
  const table = new LiveTable(
    process.stdout,
    `redis-allocator demo: ${DEMO.workers} workers share ${DEMO.poolSize} proxies for ${seconds} s`,
  );
  let clockStart = Date.now();
  let runSeconds = 0;
  const elapsed = () => (Date.now() - clockStart) / 1000;

  const fleet = new WorkerFleet(
    { redisUrl: url, prefix, startedAt },
    {
      onEvent: (worker, event) => {
        if (interrupted && event.type === 'error') return; // the server went down with Ctrl-C
        stats.onEvent(worker, event);
        if (event.type === 'warning') table.note(elapsed(), `${worker}: ${event.message}`);
      },
      onKilled: (worker, held) => {
        stats.kills++;
        // An orphan only if the lock still holds the dead worker's token (its last messages may
        // have freed it already); then it stays locked until the lease runs out.
        const note = held ? ` holding ${held.key}` : '';
        table.note(elapsed(), `SIGKILL ${worker}${note}`);
        if (held === null) return;
        allocator.lockValue(held.key).then(
          (value) => {
            if (value === held.token) stats.orphaned(held.key, held.token);
          },
          (error: Error) => stats.problems.push(`reading the lock of ${held.key}: ${error.message}`),
        );
      },
      onRestarted: (worker) => {
        stats.restarts++;
        table.note(elapsed(), `restarted ${worker}`);
      },
      onCrashed: (worker, detail) => {
        if (interrupted) return;
        stats.problems.push(`${worker} ${detail}`);
        table.note(elapsed(), `${worker} ${detail}`);
      },
    },
  );

  const isQuarantine = (key: string, lockValue: string | null) => stats.isQuarantine(key, lockValue);
  const timers: NodeJS.Timeout[] = [];
  // Set once, by the timer or Ctrl-C: ticks already queued behind it must not draw or kill.
  let ended = false;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = () => {
      if (!ended) runSeconds = elapsed();
      ended = true;
      resolve();
    };
  });
  // Ctrl-C ends the run early but still prints the summary. It also reaches the private
  // redis-server (same process group), so the workers' last commands may fail: not counted.
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    finish();
  });

  try {
    process.stdout.write(`Starting ${DEMO.workers} worker processes (${where})...\n`);
    const startingAt = Date.now();
    await fleet.start();
    process.stdout.write(`Workers ready after ${((Date.now() - startingAt) / 1000).toFixed(1)} s.\n\n`);
    clockStart = Date.now();
    let watching = false;
    const watch = async () => {
      if (watching || ended) return; // a slow snapshot must not pile up behind itself
      watching = true;
      try {
        const { snapshot, counts, violations } = await watcher.observe(isQuarantine);
        stats.observed(snapshot, counts, violations);
        for (const violation of violations)
          table.note(elapsed(), `${violation.invariant}: ${violation.message}`);
        if (!ended) table.render(stats, elapsed(), seconds);
      } catch (error) {
        stats.problems.push(`watcher: ${(error as Error).message}`);
      } finally {
        watching = false;
      }
    };
    timers.push(setInterval(watch, DEMO.snapshotEverySeconds * 1000));
    const scheduleKill = (delay: number) => {
      timers.push(
        setTimeout(() => {
          if (ended) return;
          const killed = fleet.killRandom() !== null;
          scheduleKill(killed ? randomBetween(DEMO.killEverySeconds) : DEMO.killRetrySeconds);
        }, delay * 1000),
      );
    };
    scheduleKill(DEMO.firstKillSeconds);
    timers.push(setTimeout(finish, seconds * 1000));
    await finished;
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await fleet.stop();
  }

  // Once every worker is gone, the pool must still be sound.
  try {
    const final = await watcher.observe(isQuarantine);
    stats.observed(final.snapshot, final.counts, final.violations);
  } catch (error) {
    if (!interrupted) throw error;
  }
  table.render(stats, runSeconds, seconds, true);
  process.stdout.write(`${summary(stats, runSeconds, DEMO.workers)}\n`);
  if (stats.failures().length > 0) return EXIT.failed;
  if (interrupted) {
    process.stdout.write('Interrupted (Ctrl-C) before the end of the run.\n');
    return EXIT.interrupted;
  }
  return EXIT.ok;
}

async function main(): Promise<void> {
  let seconds: number;
  let dashboard: boolean;
  try {
    ({ seconds, dashboard } = parseArguments(process.argv.slice(2)));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(EXIT.cannotRun);
  }
  try {
    process.exitCode = await run(seconds, dashboard);
  } catch (error) {
    process.stderr.write(`demo could not run: ${(error as Error).message}\n`);
    process.exitCode = EXIT.cannotRun;
  }
  // Workers, timers and clients are closed; exit even if a stray handle lingers.
  process.exit(process.exitCode);
}

await main();
