/** The benchmark's Redis: a private server (or REDIS_URL), clients, and server-side counters. */
import { Redis, type RedisOptions } from 'ioredis';
import { startRedisServer } from '../../tools/redis-server.js';

export interface BenchRedis {
  readonly url: string;
  /** `true` when we started the server (then it is ours to flush). */
  readonly private: boolean;
  client(options?: RedisOptions): Promise<Redis>;
  /** Closes every client and stops the private server. */
  close(): Promise<void>;
}

/** Starts a private `redis-server`, or connects to `REDIS_URL` when it is set. */
export async function openBenchRedis(): Promise<BenchRedis> {
  const external = process.env.REDIS_URL;
  const server = external ? null : await startRedisServer();
  const url = external ?? server!.url;
  const clients: Redis[] = [];
  return {
    url,
    private: server !== null,
    async client(options: RedisOptions = {}) {
      const client = new Redis(url, { maxRetriesPerRequest: 3, ...options });
      clients.push(client);
      await client.ping();
      return client;
    },
    async close() {
      await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
      // The server's child process is unref'd: without a live handle Node can exit (code 13)
      // before the kill's 'exit' event arrives, leaving this await unsettled.
      const keepAlive = setInterval(() => undefined, 1000);
      try {
        await server?.stop();
      } finally {
        clearInterval(keepAlive);
      }
    },
  };
}

/** `INFO commandstats` as `{ command: { calls, usec } }` (lower-case names, subcommands joined by "|"). */
export type CommandStats = Record<string, { calls: number; usec: number }>;

export async function commandStats(client: Redis): Promise<CommandStats> {
  const text = await client.info('commandstats');
  const stats: CommandStats = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    stats[match[1]!] = { calls: Number(match[2]), usec: Number(match[3]) };
  }
  return stats;
}

/** Per-command difference `after - before`, dropping commands that did not run. */
export function diffStats(before: CommandStats, after: CommandStats): CommandStats {
  const diff: CommandStats = {};
  for (const [name, a] of Object.entries(after)) {
    const b = before[name] ?? { calls: 0, usec: 0 };
    if (a.calls > b.calls) diff[name] = { calls: a.calls - b.calls, usec: a.usec - b.usec };
  }
  return diff;
}

/** `used_memory` in bytes. */
export async function usedMemory(client: Redis): Promise<number> {
  const text = await client.info('memory');
  const match = /^used_memory:(\d+)/m.exec(text);
  if (!match) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}

/**
 * Deletes every key under `pattern` with SCAN (never KEYS), so a run against REDIS_URL leaves
 * nothing behind and a private server's memory figure starts clean.
 */
export async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await client.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** CPU seconds the server has used (user + system, all threads), from `INFO cpu`. */
export async function serverCpuSeconds(client: Redis): Promise<number> {
  const text = await client.info('cpu');
  const user = /^used_cpu_user:([\d.]+)/m.exec(text);
  const sys = /^used_cpu_sys:([\d.]+)/m.exec(text);
  if (!user || !sys) throw new Error('INFO cpu has no used_cpu_user / used_cpu_sys');
  return Number(user[1]) + Number(sys[1]);
}
