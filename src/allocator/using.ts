/**
 * `allocator.using(options, fn)`: the whole life of a lease in one call — malloc, keep-alive, run,
 * always release. The callback's signal aborts when the lease is lost or the caller's own signal
 * aborts, so the work stops the moment the key is no longer safely ours.
 */
import { NoResourceError } from '../errors.js';
import type { Allocatable } from './allocatable.js';
import type { RedisAllocatorObject } from './allocator-object.js';
import type { MallocOptions } from './policy/policy.js';
import type { RedisAllocator } from './redis-allocator.js';
import type { ReleaseOptions } from './types.js';

/** Options of `using`: everything `malloc` takes (keep-alive is always on), plus the release's. */
export type UsingOptions<U extends Allocatable = Allocatable> = Omit<MallocOptions<U>, 'keepAlive'> & {
  /**
   * Aborts the wait for a key and, once held, the callback's signal (the lease is then released
   * as usual). Forwarded to `malloc`, as are `wait` (seconds; `using` rejects with
   * `NoResourceError` when it runs out) and `priority`.
   */
  signal?: AbortSignal;
  /** Options of the final release (e.g. `cooldown`). */
  release?: ReleaseOptions;
};

/** The work done while holding the key. */
export type LeaseWork<U extends Allocatable, T> = (
  obj: RedisAllocatorObject<U>,
  signal: AbortSignal,
) => Promise<T>;

export async function runWithLease<U extends Allocatable, T>(
  allocator: RedisAllocator<U>,
  options: UsingOptions<U>,
  work: LeaseWork<U, T>,
): Promise<T> {
  const { release, ...mallocOptions } = options;
  options.signal?.throwIfAborted();
  const obj = await allocator.malloc({ ...mallocOptions, keepAlive: true } as MallocOptions<U>);
  if (obj === null) throw new NoResourceError('no resource was free for using()');
  const { signal, dispose } = followBoth(obj.signal, options.signal);
  try {
    return await work(obj, signal);
  } finally {
    dispose();
    await obj.release(release);
  }
}

/** A signal that aborts with whichever of `a`, `b` aborts first (AbortSignal.any needs Node 20.3). */
function followBoth(
  a: AbortSignal,
  b: AbortSignal | undefined,
): { signal: AbortSignal; dispose: () => void } {
  if (b === undefined) return { signal: a, dispose: () => undefined };
  const controller = new AbortController();
  const onA = () => controller.abort(a.reason);
  const onB = () => controller.abort(b.reason);
  if (a.aborted) onA();
  else if (b.aborted) onB();
  a.addEventListener('abort', onA, { once: true });
  b.addEventListener('abort', onB, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      a.removeEventListener('abort', onA);
      b.removeEventListener('abort', onB);
    },
  };
}
