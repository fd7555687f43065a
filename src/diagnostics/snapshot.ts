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
  /** The waiter queue (whole-pool snapshots; the first chunk of a chunked one). */
  readonly waiting?: WaitingSnapshot;
  /**
   * The pool's fence counter `P|S|pool|fence` (the fence of the latest exclusive allocation; 0 when
   * none yet), read with the queue.
   */
  readonly fence?: number;
}

/** The waiter queue of one pool at one instant (DESIGN.md §10). */
export interface WaitingSnapshot {
  /** Queue members (ticket entries, see `parseTicketData`) with their score (-priority), first waiter first. */
  readonly queue: ReadonlyArray<{ readonly member: string; readonly score: string }>;
  /** Ticket data by ticket id: the same entry as the ticket's queue member. */
  readonly tickets: ReadonlyMap<string, string>;
  /** Undelivered hand-offs `<ticket>|<fence>|<token>|<key>` by instance (instances named by tickets, or asked for). */
  readonly mailboxes: ReadonlyMap<string, readonly string[]>;
  /** Lock value of each pool entry (only read while someone waits or a hand-off is undelivered). */
  readonly lockValues: ReadonlyMap<string, string>;
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
  /** Mailboxes of these allocator instances are read too (besides those queued tickets name). */
  readonly instances?: readonly string[];
}

/** Reads the pool, pointers, server time and every entry's lock TTL in one script call. */
export async function takeSnapshot(
  target: SnapshotTarget,
  options: SnapshotOptions = {},
): Promise<PoolSnapshot> {
  const part = await readPart(
    target,
    options.lockValues === true,
    undefined,
    undefined,
    options.instances ?? [],
  );
  return {
    head: part.head,
    tail: part.tail,
    now: part.now,
    entries: part.entries,
    waiting: part.waiting,
    fence: part.fence,
  };
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
 * `head`, `tail` and `now` come from the last chunk; the waiter queue and fence counter from the
 * first (read once), with lock values of that chunk's entries only — so the queue-to-entry checks
 * WAIT-2 and WAIT-3 must not be checked on it either.
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
  let first: Part | undefined;
  do {
    const started = performance.now();
    // The queue and fence come with the first chunk only: read once, like everything else.
    last = await readPart(
      target,
      options.lockValues === true,
      cursor,
      options.chunkSize,
      first === undefined ? (options.instances ?? []) : undefined,
    );
    first ??= last;
    longestChunkMs = Math.max(longestChunkMs, performance.now() - started);
    chunks++;
    for (const [key, entry] of last.entries) entries.set(key, entry);
    cursor = last.nextCursor ?? '0';
  } while (cursor !== '0');
  return {
    head: last.head,
    tail: last.tail,
    now: last.now,
    entries,
    waiting: first.waiting,
    fence: first.fence,
    chunks,
    longestChunkMs,
  };
}

interface Part {
  head: string;
  tail: string;
  now: number;
  entries: Map<string, PoolEntry>;
  nextCursor: string | undefined;
  waiting?: WaitingSnapshot;
  fence?: number;
}

async function readPart(
  target: SnapshotTarget,
  withValues: boolean,
  cursor?: string,
  count?: number,
  /** Also read the waiter queue and fence counter, and these instances' mailboxes (whole reads). */
  instances?: readonly string[],
): Promise<Part> {
  const { pool, head, tail, lockPrefix, waiters, tickets, fence } = target.redisKeys;
  const args: (string | number)[] = [lockPrefix, withValues ? '1' : '0'];
  if (cursor !== undefined) args.push(cursor, count ?? 1000);
  else if (instances !== undefined) args.push('', '', ...instances);
  const keys = instances === undefined ? [pool, head, tail] : [pool, head, tail, waiters, tickets, fence];
  const reply = (await snapshotScript.run(target.connection, keys, args)) as [
    string,
    string,
    string,
    string,
    (string | number)[],
    string | null | undefined,
    string[]?,
    string[]?,
    unknown[]?,
    string[]?,
    (string | null | false)?,
  ];
  const [headKey, tailKey, seconds, micros, flat, cursorReply] = reply;
  const nextCursor = cursorReply ?? undefined;
  const entries = new Map<string, PoolEntry>();
  const stride = withValues ? 4 : 3;
  for (let i = 0; i < flat.length; i += stride) {
    const key = String(flat[i]);
    const pttl = Number(flat[i + 2]);
    const entry = decodeEntry(key, String(flat[i + 1]), pttl === -2 ? null : pttl);
    if (!withValues) entries.set(key, entry);
    else entries.set(key, { ...entry, lockValue: pttl === -2 ? null : String(flat[i + 3]) });
  }
  const waiting = instances === undefined ? undefined : decodeWaiting(reply, [...entries.keys()]);
  return {
    head: headKey,
    tail: tailKey,
    now: Number(seconds) + Number(micros) / 1e6,
    entries,
    nextCursor,
    waiting,
    fence: instances === undefined ? undefined : Number(reply[10] || 0),
  };
}

/** The queue part of a snapshot reply (elements 7–10), entry keys in reply order. */
function decodeWaiting(reply: readonly unknown[], entryKeys: readonly string[]): WaitingSnapshot {
  const queueFlat = (reply[6] ?? []) as string[];
  const ticketFlat = (reply[7] ?? []) as string[];
  const mailboxFlat = (reply[8] ?? []) as unknown[];
  const lockFlat = (reply[9] ?? []) as string[];
  const queue: Array<{ member: string; score: string }> = [];
  for (let i = 0; i < queueFlat.length; i += 2) {
    queue.push({ member: String(queueFlat[i]), score: String(queueFlat[i + 1]) });
  }
  const tickets = new Map<string, string>();
  for (let i = 0; i < ticketFlat.length; i += 2)
    tickets.set(String(ticketFlat[i]), String(ticketFlat[i + 1]));
  const mailboxes = new Map<string, string[]>();
  for (let i = 0; i < mailboxFlat.length; i += 2) {
    mailboxes.set(String(mailboxFlat[i]), (mailboxFlat[i + 1] as unknown[]).map(String));
  }
  const lockValues = new Map<string, string>();
  lockFlat.forEach((value, i) => {
    if (value !== '' && entryKeys[i] !== undefined) lockValues.set(entryKeys[i]!, String(value));
  });
  return { queue, tickets, mailboxes, lockValues };
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
