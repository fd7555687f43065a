/**
 * Reads an allocator's whole observable state from Redis in the model's `PoolState` shape, and
 * lines it up with the model's state so that a plain deep-equality shows every real difference.
 */
import type { PoolSnapshot, RedisAllocatorCore } from '../../src/index.js';
import { rawClient } from '../helpers/redis.js';
import type { ModelLock, PoolState } from './model-state.js';

/** Lifetimes computed by the model and by the script's own TIME may differ by this much (s). */
const EXPIRY_TOLERANCE = 5;
/** Shape of the owner tokens `acquireLease` writes (`<holder>:<12 random base64url chars>`). */
const OWNER_TOKEN = /^[^\s#][^\s]*:[A-Za-z0-9_-]{12}$/;

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
): Promise<{ state: PoolState; encoding: string | null }> {
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
  universe.forEach((key, i) => {
    const value = replies[2 * i] as string | null;
    if (value !== null) locks[key] = { value, permanent: replies[2 * i + 1] === -1 };
  });
  const bindings: PoolState['bindings'] = {};
  const offset = 2 * universe.length;
  names.forEach((name, i) => {
    const key = replies[offset + 2 * i] as string | null;
    if (key !== null) bindings[name] = { key, permanent: replies[offset + 2 * i + 1] === -1 };
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
  };
}

/**
 * A copy of `actual` where differences the model cannot know are replaced by the model's values:
 * expiries within the tolerance, and lock tokens the model was not told (value null).
 */
export function alignWithModel(actual: PoolState, expected: PoolState): PoolState {
  const expectedEntries = new Map(expected.entries.map((entry) => [entry.key, entry]));
  const entries = actual.entries.map((entry) => {
    const model = expectedEntries.get(entry.key);
    const close =
      model !== undefined &&
      model.expiry > 0 &&
      entry.expiry > 0 &&
      Math.abs(model.expiry - entry.expiry) <= EXPIRY_TOLERANCE;
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
