/**
 * Every Redis command of the diagnostics report (and so of the CLI and dashboard) goes through
 * this module: the atomic snapshot, bounded SCANs, value reads and server facts. All of it is
 * read-only. On a cluster, the pool's keys share one slot (one node); SCAN, INFO and SLOWLOG are
 * per node, so they visit every master.
 */

import { performance } from 'node:perf_hooks';
import type { Cluster, Redis } from 'ioredis';
import { isClusterClient, type RedisClient } from '../client.js';
import { type ChunkedSnapshot, type SnapshotTarget, takeChunkedSnapshot, takeSnapshot } from './snapshot.js';

/**
 * The pool with every lock's value (holders): one atomic script, or with `chunkSize > 0` one short
 * script per chunk (see `takeChunkedSnapshot` for what that gives up).
 */
export async function readSnapshot(target: SnapshotTarget, chunkSize: number): Promise<ChunkedSnapshot> {
  if (chunkSize > 0) return takeChunkedSnapshot(target, { lockValues: true, chunkSize });
  const started = performance.now();
  const snapshot = await takeSnapshot(target, { lockValues: true });
  return { ...snapshot, chunks: 1, longestChunkMs: performance.now() - started };
}

/** Redis type of `key` (`"none"` when it does not exist). */
export async function keyType(redis: RedisClient, key: string): Promise<string> {
  return redis.type(key);
}

/** Keys found by a bounded SCAN. */
export interface ScanResult {
  readonly keys: string[];
  /** Keys SCAN returned (matching ones), before any cap. */
  readonly scanned: number;
  /** True when the scan stopped at its limit before the cursor came back to 0. */
  readonly truncated: boolean;
}

/**
 * `SCAN … MATCH pattern` on every node, stopping after `limit` matching keys or a bounded number
 * of calls (a large keyspace with few matches must not turn into a full scan).
 */
export async function scanMatching(redis: RedisClient, pattern: string, limit: number): Promise<ScanResult> {
  const count = Math.max(10, Math.min(limit, 1000));
  const maxCalls = 50 + Math.ceil(limit / count);
  const keys: string[] = [];
  let truncated = false;
  for (const node of nodesOf(redis)) {
    if (keys.length >= limit) {
      truncated = true;
      break;
    }
    let cursor = '0';
    let calls = 0;
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      calls++;
      cursor = next;
      for (const key of found) {
        if (keys.length >= limit) truncated = true;
        else keys.push(key);
      }
      if (cursor !== '0' && (keys.length >= limit || calls >= maxCalls)) {
        truncated = true;
        break;
      }
    } while (cursor !== '0');
  }
  const unique = [...new Set(keys)]; // SCAN may return a key twice (rehashing)
  return { keys: unique, scanned: unique.length, truncated };
}

/** String values of `keys` (`null` = missing or not a string). All keys share one slot. */
export async function readValues(redis: RedisClient, keys: readonly string[]): Promise<(string | null)[]> {
  const values: (string | null)[] = [];
  for (const key of keys) {
    // GET one by one: MGET fails as a whole on a single key of another type.
    values.push(await redis.get(key).catch(() => null));
  }
  return values;
}

/** For each field: is it (still) a member of the pool hash? */
export async function areMembers(
  redis: RedisClient,
  hash: string,
  fields: readonly string[],
): Promise<boolean[]> {
  if (fields.length === 0) return [];
  const values = await redis.hmget(hash, ...fields);
  return values.map((value) => value !== null);
}

/** One SLOWLOG entry. */
export interface SlowCommand {
  readonly id: number;
  /** Unix seconds when it ran. */
  readonly at: number;
  /** How long it blocked the server, in microseconds. */
  readonly microseconds: number;
  /** Command and arguments (Redis truncates long ones). */
  readonly command: string[];
}

/** Per-command counters of `INFO commandstats`. */
export interface CommandStat {
  readonly calls: number;
  /** Total server time spent in the command, in microseconds. */
  readonly usec: number;
}

/** Server facts, summed over the masters of a cluster. */
export interface ServerFacts {
  readonly usedMemory: number;
  readonly connectedClients: number;
  readonly commandStats: Record<string, CommandStat>;
  readonly slowlog: SlowCommand[];
}

/** `INFO memory|clients|commandstats` and `SLOWLOG GET limit` on every node. */
export async function readServerFacts(redis: RedisClient, slowlogLimit: number): Promise<ServerFacts> {
  let usedMemory = 0;
  let connectedClients = 0;
  const commandStats: Record<string, { calls: number; usec: number }> = {};
  const slowlog: SlowCommand[] = [];
  for (const node of nodesOf(redis)) {
    const info = await node.info('memory');
    usedMemory += infoNumber(info, 'used_memory');
    connectedClients += infoNumber(await node.info('clients'), 'connected_clients');
    for (const [name, stat] of Object.entries(parseCommandStats(await node.info('commandstats')))) {
      const sum = commandStats[name] ?? { calls: 0, usec: 0 };
      commandStats[name] = { calls: sum.calls + stat.calls, usec: sum.usec + stat.usec };
    }
    if (slowlogLimit > 0) {
      const entries = (await node.call('SLOWLOG', 'GET', String(slowlogLimit))) as unknown[][];
      for (const entry of entries) slowlog.push(decodeSlowlogEntry(entry));
    }
  }
  slowlog.sort((a, b) => b.at - a.at);
  return { usedMemory, connectedClients, commandStats, slowlog: slowlog.slice(0, slowlogLimit) };
}

/** Parses `cmdstat_evalsha:calls=3,usec=40,…` lines (Redis 6 and 7 forms). */
export function parseCommandStats(info: string): Record<string, CommandStat> {
  const stats: Record<string, CommandStat> = {};
  for (const match of info.matchAll(/^cmdstat_([^:\s]+):(.*)$/gm)) {
    const fields = Object.fromEntries(
      match[2]!.split(',').map((pair) => pair.split('=') as [string, string]),
    ) as Record<string, string>;
    stats[match[1]!] = { calls: Number(fields.calls ?? 0), usec: Number(fields.usec ?? 0) };
  }
  return stats;
}

function infoNumber(info: string, field: string): number {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

function decodeSlowlogEntry(entry: unknown[]): SlowCommand {
  const args = Array.isArray(entry[3]) ? (entry[3] as unknown[]).map(String) : [];
  return { id: Number(entry[0]), at: Number(entry[1]), microseconds: Number(entry[2]), command: args };
}

/** The nodes that hold data: the client itself, or every master of a cluster. */
function nodesOf(redis: RedisClient): Redis[] {
  return isClusterClient(redis) ? (redis as Cluster).nodes('master') : [redis as Redis];
}
