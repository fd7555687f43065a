/**
 * Every Redis command of the diagnostics report (and so of the CLI and dashboard) goes through
 * this module: the atomic snapshot, bounded SCANs, value reads and server facts. All of it is
 * read-only. On a cluster every key of the pool shares one slot, so one node holds them all; the
 * per-node commands (SCAN, INFO, SLOWLOG) run in a tiny script routed to that node by the pool key.
 */
import { performance } from 'node:perf_hooks';
import type { RedisConnection } from '../client/index.js';
import onPoolNodeSource from '../scripts/diagnostics/on-pool-node.lua';
import { LuaScript } from '../scripts/loader.js';
import { type ChunkedSnapshot, type SnapshotTarget, takeChunkedSnapshot, takeSnapshot } from './snapshot.js';

const onPoolNode = new LuaScript('diagnostics/on-pool-node', onPoolNodeSource);

/**
 * Script calls the diagnostics sent per connection, so the rates between two reports can leave out
 * the reports' own calls (a report is a handful of scripts; reports a second apart would
 * otherwise look like a busy server).
 */
const scriptCalls = new WeakMap<RedisConnection, number>();

function counted(connection: RedisConnection, calls: number): void {
  scriptCalls.set(connection, (scriptCalls.get(connection) ?? 0) + calls);
}

/**
 * The pool with every lock's value (holders): one atomic script, or with `chunkSize > 0` one short
 * script per chunk (see `takeChunkedSnapshot` for what that gives up).
 */
export async function readSnapshot(target: SnapshotTarget, chunkSize: number): Promise<ChunkedSnapshot> {
  if (chunkSize > 0) {
    const chunked = await takeChunkedSnapshot(target, { lockValues: true, chunkSize });
    counted(target.connection, chunked.chunks);
    return chunked;
  }
  const started = performance.now();
  const snapshot = await takeSnapshot(target, { lockValues: true });
  counted(target.connection, 1);
  return { ...snapshot, chunks: 1, longestChunkMs: performance.now() - started };
}

/** Entries in the pool hash (O(1)). */
export async function poolSize(connection: RedisConnection, pool: string): Promise<number> {
  return Number(await connection.send('HLEN', [pool], pool));
}

/** Redis type of `key` (`"none"` when it does not exist). */
export async function keyType(connection: RedisConnection, key: string): Promise<string> {
  return String(await connection.send('TYPE', [key], key));
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
export async function scanMatching(
  connection: RedisConnection,
  poolKey: string,
  pattern: string,
  limit: number,
): Promise<ScanResult> {
  const count = Math.max(10, Math.min(limit, 1000));
  const maxCalls = 50 + Math.ceil(limit / count);
  const keys: string[] = [];
  let truncated = false;
  let cursor = '0';
  let calls = 0;
  do {
    counted(connection, 1);
    const [next, found] = (await onPoolNode.run(connection, [poolKey], ['scan', cursor, pattern, count])) as [
      string,
      string[],
    ];
    calls++;
    cursor = String(next);
    for (const key of found) {
      if (keys.length >= limit) truncated = true;
      else keys.push(String(key));
    }
    if (cursor !== '0' && (keys.length >= limit || calls >= maxCalls)) {
      truncated = true;
      break;
    }
  } while (cursor !== '0');
  const unique = [...new Set(keys)]; // SCAN may return a key twice (rehashing)
  return { keys: unique, scanned: unique.length, truncated };
}

/** String values of `keys` (`null` = missing or not a string). All keys share one slot. */
export async function readValues(
  connection: RedisConnection,
  keys: readonly string[],
): Promise<(string | null)[]> {
  const values: (string | null)[] = [];
  for (const key of keys) {
    // GET one by one: MGET fails as a whole on a single key of another type.
    const value = await connection.send('GET', [key], key).catch(() => null);
    values.push(typeof value === 'string' ? value : null);
  }
  return values;
}

/** For each field: is it (still) a member of the pool hash? */
export async function areMembers(
  connection: RedisConnection,
  hash: string,
  fields: readonly string[],
): Promise<boolean[]> {
  if (fields.length === 0) return [];
  const values = (await connection.send('HMGET', [hash, ...fields], hash)) as unknown[];
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

/** Facts of the server (on a cluster: the node that holds the pool). */
export interface ServerFacts {
  readonly usedMemory: number;
  readonly connectedClients: number;
  readonly commandStats: Record<string, CommandStat>;
  readonly slowlog: SlowCommand[];
  /** Script calls the diagnostics of this process had sent on this connection before `commandStats` was read. */
  readonly ownScriptCalls: number;
}

/** `INFO memory|clients|commandstats` and `SLOWLOG GET limit` of the node that holds the pool. */
export async function readServerFacts(
  connection: RedisConnection,
  poolKey: string,
  slowlogLimit: number,
): Promise<ServerFacts> {
  // Read before the INFO call: commandstats counts a script once it has finished.
  const ownScriptCalls = scriptCalls.get(connection) ?? 0;
  counted(connection, 1);
  const [memory, clients, commands] = (await onPoolNode.run(
    connection,
    [poolKey],
    ['info', 'memory', 'clients', 'commandstats'],
  )) as [string, string, string];
  const slowlog: SlowCommand[] = [];
  if (slowlogLimit > 0) {
    counted(connection, 1);
    const entries = (await onPoolNode.run(connection, [poolKey], ['slowlog', slowlogLimit])) as unknown[][];
    for (const entry of entries) slowlog.push(decodeSlowlogEntry(entry));
  }
  return {
    usedMemory: infoNumber(memory, 'used_memory'),
    connectedClients: infoNumber(clients, 'connected_clients'),
    commandStats: parseCommandStats(commands),
    slowlog,
    ownScriptCalls,
  };
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
