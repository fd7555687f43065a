/**
 * Reads an allocator's whole observable state from Redis in the model's `PoolState` shape, and
 * lines it up with the model's state so that a plain deep-equality shows every real difference.
 */
import type { PoolSnapshot, RedisAllocatorCore } from '../../src/index.js';
import { rawClient } from '../helpers/redis.js';
import type { ModelLock, PoolState, TimedTtl } from './model-state.js';

/**
 * Slack of the lower TTL bound beyond the measured time, in ms: PTTL is read by a pipeline after
 * the snapshot whose server time the bound uses (its round trip is added separately).
 */
const TTL_READ_SLACK_MS = 50;
/** Shape of the owner tokens `acquireLease` writes (`<holder>:<12 random base64url chars>@<fence>`). */
const OWNER_TOKEN = /^[^\s#][^\s]*:[A-Za-z0-9_-]{12}@[1-9]\d*$/;

/**
 * Also returns the pool hash's encoding (null when the pool is empty).
 * The pool part comes from `snapshot` (one atomic read); locks of every key in `universe` (members
 * or not) and bindings of every name in `names` come from one pipeline read right after it.
 * Callers must not run other operations in between (the property test is single-client).
 */
export async function observeRedis(
  allocator: RedisAllocatorCore,
  snapshot: PoolSnapshot,
  universe: readonly string[],
  names: readonly string[],
): Promise<{ state: PoolState; encoding: string | null; pttls: Record<string, number> }> {
  const { pool, lockPrefix, bindPrefix, deadlines } = allocator.redisKeys;
  const pipeline = rawClient(allocator).pipeline();
  for (const key of universe) pipeline.get(lockPrefix + key).pttl(lockPrefix + key);
  for (const name of names) pipeline.get(bindPrefix + name).pttl(bindPrefix + name);
  pipeline.zrange(deadlines, 0, -1);
  pipeline.object('ENCODING', pool);
  const replies = (await pipeline.exec())!.map(([error, value]) => {
    if (error) throw error;
    return value as string | number | null;
  });
  const locks: Record<string, ModelLock> = {};
  const pttls: Record<string, number> = {};
  universe.forEach((key, i) => {
    const value = replies[2 * i] as string | null;
    const pttl = replies[2 * i + 1] as number;
    if (value !== null) locks[key] = { value, permanent: pttl === -1 };
    pttls[`lock:${key}`] = pttl;
  });
  const bindings: PoolState['bindings'] = {};
  const offset = 2 * universe.length;
  names.forEach((name, i) => {
    const key = replies[offset + 2 * i] as string | null;
    const pttl = replies[offset + 2 * i + 1] as number;
    if (key !== null) bindings[name] = { key, permanent: pttl === -1 };
    pttls[`binding:${name}`] = pttl;
  });
  const entries = [...snapshot.entries.values()].map(({ key, prev, next, expiry }) => ({
    key,
    prev,
    next,
    expiry,
  }));
  const encoding = replies.at(-1) as string | null;
  const indexed = [...(replies.at(-2) as unknown as string[])].sort();
  return {
    state: { head: snapshot.head, tail: snapshot.tail, entries, locks, bindings, deadlines: indexed },
    encoding,
    pttls,
  };
}

/**
 * A copy of `actual` where differences the model cannot know are replaced by the model's values:
 * an entry expiry that a script wrote from its own `TIME`, which may exceed the model's (computed
 * from the previous snapshot's time) by at most `elapsedSeconds` — the whole seconds between the
 * previous snapshot and this one — and lock tokens the model was not told (value null).
 */
export function alignWithModel(actual: PoolState, expected: PoolState, elapsedSeconds: number): PoolState {
  const expectedEntries = new Map(expected.entries.map((entry) => [entry.key, entry]));
  const entries = actual.entries.map((entry) => {
    const model = expectedEntries.get(entry.key);
    const late = model === undefined ? Number.NaN : entry.expiry - model.expiry;
    const close = model !== undefined && model.expiry > 0 && late >= 0 && late <= elapsedSeconds;
    return close ? { ...entry, expiry: model.expiry } : entry;
  });
  const locks: Record<string, ModelLock> = {};
  for (const [key, lock] of Object.entries(actual.locks)) {
    const unknownToken =
      expected.locks[key]?.value === null && lock.value !== null && OWNER_TOKEN.test(lock.value);
    locks[key] = unknownToken ? { ...lock, value: null } : lock;
  }
  return { ...actual, entries, locks };
}

/**
 * Every timed lock or binding whose PTTL is out of the bounds the model allows: at most the TTL
 * written, and at least that minus the server time since the model's `setAt` (until the snapshot
 * at `now`), the read's own duration `readMs` and a small slack. A TTL written 1 s too long or too
 * short, or in the wrong unit, lands outside.
 */
export function ttlsOutOfBounds(
  timed: readonly TimedTtl[],
  pttls: Readonly<Record<string, number>>,
  now: number,
  readMs: number,
): string[] {
  const problems: string[] = [];
  for (const { id, ttlMs, setAt } of timed) {
    const pttl = pttls[id];
    const lowest = ttlMs - (now - setAt) * 1000 - readMs - TTL_READ_SLACK_MS;
    if (pttl === undefined || !(pttl <= ttlMs && pttl >= lowest)) {
      problems.push(`${id}: PTTL ${pttl} ms, expected ${Math.floor(lowest)}…${ttlMs} ms`);
    }
  }
  return problems;
}
