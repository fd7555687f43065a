/** One atomic read of a pool (upstream lesson L19: non-atomic reads produce phantom violations). */
import { performance } from 'node:perf_hooks';
import type { RedisConnection } from '../client/index.js';
import type { AllocatorKeys } from '../keys.js';
import { ALLOCATED, ENTRY_SEPARATOR } from '../keys.js';
import snapshotSource from '../scripts/diagnostics/snapshot.lua';
import { LuaScript } from '../scripts/loader.js';

const snapshotScript = new LuaScript('snapshot', snapshotSource);

/** One pool-hash entry, decoded. */
export interface PoolEntry {
  readonly key: string;
  /** Raw hash value `prev||next||expiry`. */
  readonly raw: string;
  readonly prev: string;
  readonly next: string;
  /** Absolute Unix seconds, or -1 for never. NaN when the value is malformed. */
  readonly expiry: number;
  /** Not on the free list (both links are `#ALLOCATED`). */
  readonly allocated: boolean;
  /** PTTL of the entry's lock in ms: `null` = no lock, -1 = lock without expiry. */
  readonly lockTtlMs: number | null;
  /**
   * The lock's value (the holder's token), read in the same atomic call; `null` = no lock;
   * `undefined` = not read (`takeSnapshot` without `lockValues`).
   */
  readonly lockValue?: string | null;
}

/** The state of one pool at one instant. */
export interface PoolSnapshot {
  readonly head: string;
  readonly tail: string;
  /** Redis server time in seconds (fractional). */
  readonly now: number;
  readonly entries: ReadonlyMap<string, PoolEntry>;
}

/** What `takeSnapshot` needs of an allocator. */
export interface SnapshotTarget {
  readonly connection: RedisConnection;
  readonly redisKeys: AllocatorKeys;
}

/** Options of `takeSnapshot`. */
export interface SnapshotOptions {
  /** Also read every lock's value (who holds it) in the same atomic call. Default `false`. */
  readonly lockValues?: boolean;
}

/** Reads the pool, pointers, server time and every entry's lock TTL in one script call. */
export async function takeSnapshot(
  target: SnapshotTarget,
  options: SnapshotOptions = {},
): Promise<PoolSnapshot> {
  const part = await readPart(target, options.lockValues === true);
  return { head: part.head, tail: part.tail, now: part.now, entries: part.entries };
}

/** A snapshot read in several script calls (see `takeChunkedSnapshot`). */
export interface ChunkedSnapshot extends PoolSnapshot {
  /** Script calls it took. */
  readonly chunks: number;
  /** Wall time of the slowest call in milliseconds: about the longest the server was blocked. */
  readonly longestChunkMs: number;
}

/**
 * Reads the pool in chunks of about `chunkSize` entries (HSCAN), each chunk one short script, so
 * a huge pool never blocks the server for long. What it gives up: the chunks are read at
 * different instants, so the whole is not one state of the pool. Each entry is read atomically
 * with its lock (per-entry facts hold); the free-list walks (INV-1, INV-2) must not be checked on
 * it. An entry that exists during the whole read is read at least once (HSCAN's guarantee);
 * `head`, `tail` and `now` come from the last chunk.
 */
export async function takeChunkedSnapshot(
  target: SnapshotTarget,
  options: SnapshotOptions & { chunkSize: number },
): Promise<ChunkedSnapshot> {
  const entries = new Map<string, PoolEntry>();
  let cursor = '0';
  let chunks = 0;
  let longestChunkMs = 0;
  let last: Part;
  do {
    const started = performance.now();
    last = await readPart(target, options.lockValues === true, cursor, options.chunkSize);
    longestChunkMs = Math.max(longestChunkMs, performance.now() - started);
    chunks++;
    for (const [key, entry] of last.entries) entries.set(key, entry);
    cursor = last.nextCursor ?? '0';
  } while (cursor !== '0');
  return { head: last.head, tail: last.tail, now: last.now, entries, chunks, longestChunkMs };
}

interface Part {
  head: string;
  tail: string;
  now: number;
  entries: Map<string, PoolEntry>;
  nextCursor: string | undefined;
}

async function readPart(
  target: SnapshotTarget,
  withValues: boolean,
  cursor?: string,
  count?: number,
): Promise<Part> {
  const { pool, head, tail, lockPrefix } = target.redisKeys;
  const args: (string | number)[] = [lockPrefix, withValues ? '1' : '0'];
  if (cursor !== undefined) args.push(cursor, count ?? 1000);
  const reply = (await snapshotScript.run(target.connection, [pool, head, tail], args)) as [
    string,
    string,
    string,
    string,
    (string | number)[],
    string | undefined,
  ];
  const [headKey, tailKey, seconds, micros, flat, nextCursor] = reply;
  const entries = new Map<string, PoolEntry>();
  const stride = withValues ? 4 : 3;
  for (let i = 0; i < flat.length; i += stride) {
    const key = String(flat[i]);
    const pttl = Number(flat[i + 2]);
    const entry = decodeEntry(key, String(flat[i + 1]), pttl === -2 ? null : pttl);
    if (!withValues) entries.set(key, entry);
    else entries.set(key, { ...entry, lockValue: pttl === -2 ? null : String(flat[i + 3]) });
  }
  return { head: headKey, tail: tailKey, now: Number(seconds) + Number(micros) / 1e6, entries, nextCursor };
}

/** Decodes `prev||next||expiry` the way the scripts do (first two separators). */
export function decodeEntry(key: string, raw: string, lockTtlMs: number | null): PoolEntry {
  const a = raw.indexOf(ENTRY_SEPARATOR);
  const b = a < 0 ? -1 : raw.indexOf(ENTRY_SEPARATOR, a + 2);
  if (a < 0 || b < 0) {
    return { key, raw, prev: '', next: '', expiry: Number.NaN, allocated: false, lockTtlMs };
  }
  const prev = raw.slice(0, a);
  const next = raw.slice(a + 2, b);
  const expiryText = raw.slice(b + 2);
  const expiry = expiryText === '' ? Number.NaN : Number(expiryText);
  return { key, raw, prev, next, expiry, allocated: prev === ALLOCATED && next === ALLOCATED, lockTtlMs };
}

/** True when the entry has expired at server time `now` (it expires at exactly its expiry). */
export function isEntryExpired(entry: PoolEntry, now: number): boolean {
  return entry.expiry > 0 && entry.expiry <= Math.floor(now);
}
