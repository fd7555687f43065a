/**
 * The allocator reports what it does through these few hooks; it knows nothing of OpenTelemetry.
 * `meterHooks` (open-telemetry.ts) turns them into instruments. An allocator without a meter has
 * no hooks: the core's calls are `this.hooks?.…` and cost nothing.
 *
 * Still to come, added here and next to the instruments in open-telemetry.ts, nowhere else:
 * lease loss by reason (§11: expired, taken, unreachable, released).
 */

/** What a malloc ended with. */
export type MallocOutcome = 'acquired' | 'empty' | 'error';

export interface AllocatorHooks {
  /**
   * A malloc (`acquireLease`, `mallocKey`, policy `malloc`) is about to call Redis. @returns its
   * start (`performance.now()`) when this one is measured (time-sampled), else -1.
   */
  mallocBegins(): number;
  /** The malloc ended: with a lease, with none (`null`), or with an error (`failed`). */
  mallocEnds(lease: object | null, begun: number, failed: boolean): void;
  /** A token-checked release: `released` (it was ours) or `lost` (someone else holds it now). */
  release(lease: object, outcome: 'released' | 'lost'): void;
  /** A token-checked renewal. */
  renew(outcome: 'renewed' | 'lost'): void;
  /** An explicit `gc(count)` step put `reclaimed` ended leases back on the free list. */
  gcReclaimed(reclaimed: number): void;
  /**
   * A waiting malloc that queued (found no key at once) stopped waiting after `seconds`: handed a
   * key (`acquired`: one hand-off), its `wait` ran out (`empty`) or it was aborted, closed or
   * failed (`error`). Waits answered at once are plain mallocs and do not come here.
   */
  waitEnds(outcome: MallocOutcome, seconds: number): void;
}
