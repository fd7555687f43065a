/** One atomic read of a pool (upstream lesson L19: non-atomic reads produce phantom violations). */
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
}

/** The waiter queue of one pool at one instant (DESIGN.md §10). */
export interface WaitingSnapshot {
  /** Queue members `<arrival>|<ticket>` with their score (-priority), first waiter first. */
  readonly queue: ReadonlyArray<{ readonly member: string; readonly score: string }>;
  /** Ticket data by ticket id: `<arrival>|<instance>|<token>|<ttlMs>|<bindTtlMs>|<name>`. */
  readonly tickets: ReadonlyMap<string, string>;
  /** Undelivered hand-offs `<ticket>|<token>|<key>` by instance (instances named by tickets, or asked for). */
  readonly mailboxes: ReadonlyMap<string, readonly string[]>;
  /** Lock value of each pool entry (only read while someone waits or a hand-off is undelivered). */
  readonly lockValues: ReadonlyMap<string, string>;
}

/** The state of one pool at one instant. */
export interface PoolSnapshot {
  readonly head: string;
  readonly tail: string;
  /** Redis server time in seconds (fractional). */
  readonly now: number;
  readonly entries: ReadonlyMap<string, PoolEntry>;
  /** The waiter queue, when the snapshot was taken with the allocator's queue keys. */
  readonly waiting?: WaitingSnapshot;
}

/** What `takeSnapshot` needs of an allocator. */
export interface SnapshotTarget {
  readonly connection: RedisConnection;
  readonly redisKeys: AllocatorKeys;
}

/**
 * Reads the pool, pointers, server time, every entry's lock TTL and the waiter queue (with the
 * mailboxes of the instances its tickets name, plus `instances`) in one script call.
 */
export async function takeSnapshot(
  target: SnapshotTarget,
  options: { instances?: readonly string[] } = {},
): Promise<PoolSnapshot> {
  const { pool, head, tail, lockPrefix, waiters, tickets } = target.redisKeys;
  const reply = (await snapshotScript.run(
    target.connection,
    [pool, head, tail, waiters, tickets],
    [lockPrefix, ...(options.instances ?? [])],
  )) as [string, string, string, string, (string | number)[], string[], string[], unknown[], string[]];
  const [headKey, tailKey, seconds, micros, flat, queueFlat, ticketFlat, mailboxFlat, lockFlat] = reply;
  const entries = new Map<string, PoolEntry>();
  const lockValues = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 3) {
    const key = String(flat[i]);
    const pttl = Number(flat[i + 2]);
    entries.set(key, decodeEntry(key, String(flat[i + 1]), pttl === -2 ? null : pttl));
    if (lockFlat.length > 0 && lockFlat[i / 3] !== '') lockValues.set(key, String(lockFlat[i / 3]));
  }
  const queue: Array<{ member: string; score: string }> = [];
  for (let i = 0; i < queueFlat.length; i += 2)
    queue.push({ member: String(queueFlat[i]), score: String(queueFlat[i + 1]) });
  const ticketData = new Map<string, string>();
  for (let i = 0; i < ticketFlat.length; i += 2)
    ticketData.set(String(ticketFlat[i]), String(ticketFlat[i + 1]));
  const mailboxes = new Map<string, string[]>();
  for (let i = 0; i < mailboxFlat.length; i += 2) {
    mailboxes.set(String(mailboxFlat[i]), (mailboxFlat[i + 1] as unknown[]).map(String));
  }
  return {
    head: headKey,
    tail: tailKey,
    now: Number(seconds) + Number(micros) / 1e6,
    entries,
    waiting: { queue, tickets: ticketData, mailboxes, lockValues },
  };
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
