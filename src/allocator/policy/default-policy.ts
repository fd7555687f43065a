/**
 * The standard policy: GC folded into every malloc's script, soft binding by the object's name,
 * a fleet-wide pool refresh from an updater at most once per `updateInterval`, optional auto-close.
 */
import { DEFAULTS } from '../../defaults.js';
import { InvalidArgumentError } from '../../errors.js';
import { toIntervalMs, toLifetimeSeconds, toTtlMs } from '../../timeout.js';
import type { Allocatable } from '../allocatable.js';
import { RedisAllocatorObject } from '../allocator-object.js';
import { planKeepAlive } from '../hold-options.js';
import type { RedisAllocator } from '../redis-allocator.js';
import type { RedisAllocatorUpdater } from '../updater.js';
import { type MallocOptions, type PolicyOptions, RedisAllocatorPolicy } from './policy.js';
import { RefreshScheduler } from './refresh-scheduler.js';

/** Options of `DefaultRedisAllocatorPolicy` (the spec's names, camelCase, seconds). */
export interface DefaultPolicyOptions extends PolicyOptions {
  /** Pool entries a GC step visits inside the malloc script; 0 = no GC. Default 5. */
  gcCount?: number;
  /**
   * Seconds between GC steps folded into mallocs, fleet-wide: the malloc that opens a gate key
   * (`SET NX PX`) runs the step, the others pay one cheap `SET`; a malloc that finds no free key
   * always runs a step and retries. A full pass over P entries thus takes at most
   * P / gcCount × gcInterval seconds. `0` = a step in every malloc (upstream). Default 0.1.
   */
  gcInterval?: number;
  /** Seconds between pool refreshes, fleet-wide (positive). Default 300. */
  updateInterval?: number;
  /** Lifetime in seconds of keys the updater adds; `<= 0` = never expire. Default -1. */
  expiryDuration?: number;
  /** Source of keys; without one the pool is never refreshed. */
  updater?: RedisAllocatorUpdater<unknown>;
  /** Close the object of a previous, unreleased allocation with the same `uniqueId`. Default false. */
  autoClose?: boolean;
}

/** Options of `refreshPool`. */
export interface RefreshPoolOptions {
  /** Shuffle the fetched keys before adding them. Default true. */
  shuffle?: boolean;
  /** Number of updater calls (params, round-robin) whose keys are combined. Default 1. */
  n?: number;
}

export class DefaultRedisAllocatorPolicy extends RedisAllocatorPolicy {
  readonly gcCount: number;
  /** Seconds between folded GC steps, fleet-wide; 0 = every malloc. */
  readonly gcInterval: number;
  /** Seconds. */
  readonly updateInterval: number;
  /** Seconds; `<= 0` = never expire. */
  readonly expiryDuration: number;
  readonly updater: RedisAllocatorUpdater<unknown> | undefined;
  readonly autoClose: boolean;
  readonly #refresher: RefreshScheduler;
  /** Live allocations by `uniqueId`, for auto-close and `finalize` (weak: never keeps one alive). */
  readonly #live = new Map<string, WeakRef<RedisAllocatorObject<Allocatable>>>();
  readonly #forget = new FinalizationRegistry<string>((uniqueId) => {
    if (this.#live.get(uniqueId)?.deref() === undefined) this.#live.delete(uniqueId);
  });

  /** @throws InvalidArgumentError for a negative or fractional `gcCount` or a non-positive `updateInterval`. */
  constructor(options: DefaultPolicyOptions = {}) {
    super(options);
    this.gcCount = options.gcCount ?? DEFAULTS.policyGcCount;
    if (!Number.isInteger(this.gcCount) || this.gcCount < 0) {
      throw new InvalidArgumentError(`gcCount must be a non-negative integer, got ${String(this.gcCount)}`);
    }
    this.gcInterval = options.gcInterval ?? DEFAULTS.policyGcInterval;
    toIntervalMs(this.gcInterval, 'gcInterval');
    this.updateInterval = options.updateInterval ?? DEFAULTS.updateInterval;
    if (toTtlMs(this.updateInterval, 'updateInterval') === 0) {
      throw new InvalidArgumentError(`updateInterval must be a positive number of seconds`);
    }
    this.expiryDuration = options.expiryDuration ?? DEFAULTS.expiryDuration;
    toLifetimeSeconds(this.expiryDuration, 'expiryDuration');
    this.updater = options.updater;
    this.autoClose = options.autoClose ?? false;
    this.#refresher = new RefreshScheduler(this.updateInterval, this.logger, (allocator) =>
      this.refreshPool(allocator),
    );
  }

  /**
   * One script call: a GC step of `gcCount` entries, then the allocation (soft-bound to
   * `obj.name` when it has one). When an updater is set and this allocator's refresh is due, a
   * refresh is started in the background; it never delays nor fails this call.
   */
  async malloc<U extends Allocatable>(
    allocator: RedisAllocator<U>,
    options: MallocOptions<U> = {},
  ): Promise<RedisAllocatorObject<U> | null> {
    const timeout = options.timeout ?? DEFAULTS.leaseTimeout;
    // Bad keep-alive options are the caller's bug: rejected before anything reaches Redis.
    if (options.keepAlive === true) {
      if (allocator.shared)
        throw new InvalidArgumentError('keepAlive needs exclusive mode (shared rotations hold no lease)');
      planKeepAlive(toTtlMs(timeout, 'timeout'), options);
    }
    if (this.updater !== undefined) this.#refresher.poke(allocator);
    const { obj } = options;
    const sentAt = performance.now();
    const lease = await allocator.acquireLease({
      timeout,
      cacheTimeout: options.cacheTimeout,
      name: obj?.name || null,
      gcCount: this.gcCount,
      gcInterval: this.gcInterval,
      wait: options.wait,
      signal: options.signal,
      priority: options.priority,
      holder: options.holder,
    });
    if (lease === null) return null;
    const allocation = new RedisAllocatorObject(allocator, lease, obj, options.params, { sentAt, timeout });
    if (options.keepAlive === true) await allocation.keepAlive(options);
    await this.#register(allocation);
    return allocation;
  }

  /**
   * Fetches keys from `n` updater calls and adds them with lifetime `expiryDuration`: with a single
   * updater param the pool becomes exactly those keys (`assign`), with several they are added
   * (`extend`; keys leave by expiry), as upstream. No keys fetched: warning, pool unchanged.
   * Live leases always survive (F6).
   */
  async refreshPool(allocator: RedisAllocator, options: RefreshPoolOptions = {}): Promise<void> {
    const { updater } = this;
    if (updater === undefined) return;
    const keys = await this.#fetch(updater, options.n ?? 1, options.shuffle ?? true);
    if (keys.length === 0) return;
    if (updater.size === 1) await allocator.assign(keys, { timeout: this.expiryDuration });
    else await allocator.extend(keys, { timeout: this.expiryDuration });
  }

  /**
   * Rebuilds the pool from one call per updater param. Upstream cleared the pool first, wiping
   * live leases of re-added keys (F6) and leaving the pool empty meanwhile; this replaces it in one
   * `assign` instead: keys not fetched leave, kept keys keep their state (held, quarantined, queue
   * position), new keys are appended. No keys fetched: warning, pool unchanged.
   */
  async refreshPoolAll(allocator: RedisAllocator): Promise<void> {
    const { updater } = this;
    if (updater === undefined) return;
    const keys = await this.#fetch(updater, updater.size, true);
    if (keys.length === 0) return;
    await allocator.assign(keys, { timeout: this.expiryDuration });
  }

  /** Resolves when no background refresh is running (tests, graceful shutdown). */
  whenIdle(): Promise<void> {
    return this.#refresher.whenIdle();
  }

  /** Closes the object of every live, unreleased allocation of this policy and forgets them. */
  async finalize(): Promise<void> {
    await this.whenIdle();
    const live = [...this.#live.values()].map((ref) => ref.deref());
    this.#live.clear();
    for (const allocation of live) {
      if (allocation !== undefined && !allocation.released) await this.#closeQuietly(allocation);
    }
  }

  async #fetch(updater: RedisAllocatorUpdater<unknown>, calls: number, shuffle: boolean): Promise<string[]> {
    const keys: string[] = [];
    for (let i = 0; i < calls; i++) keys.push(...(await updater.fetchNext()));
    if (keys.length === 0) {
      this.logger.warn('the updater returned no keys; the pool is left unchanged');
      return keys;
    }
    if (shuffle) shuffleInPlace(keys);
    return keys;
  }

  async #register(allocation: RedisAllocatorObject<Allocatable>): Promise<void> {
    const { uniqueId } = allocation;
    const previous = this.#live.get(uniqueId)?.deref();
    this.#live.set(uniqueId, new WeakRef(allocation));
    this.#forget.register(allocation, uniqueId);
    if (!this.autoClose || previous === undefined || previous === allocation) return;
    // Same object reused for a new lease: closing it would close the new allocation too.
    if (previous.released || previous.obj === allocation.obj) return;
    await this.#closeQuietly(previous);
  }

  async #closeQuietly(allocation: RedisAllocatorObject<Allocatable>): Promise<void> {
    try {
      await allocation.close();
    } catch (error) {
      this.logger.error('closing a previous allocation threw', { key: allocation.key, error });
    }
  }
}

/** Fisher–Yates. */
function shuffleInPlace<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
