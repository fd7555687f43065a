/**
 * One allocation as an object: the key, its owner token, and the user's object configured for
 * that key. It renews, frees, quarantines and replaces its own lease — always token-checked, so a
 * holder whose lease was lost can never renew or free a key someone else holds now (F3, F4).
 */
import { DEFAULTS } from '../defaults.js';
import {
  InvalidArgumentError,
  type LeaseLossReason,
  LeaseLostError,
  NoHealthyResourceError,
} from '../errors.js';
import { assertSeconds, toCooldownMs, toTtlMs } from '../timeout.js';
import type { Allocatable, ParamsOf } from './allocatable.js';
import { type KeepAliveOptions, planKeepAlive } from './hold-options.js';
import { safetyMarginMs, type WatchedLease } from './lease-keeper.js';
import type { RedisAllocator } from './redis-allocator.js';
import type { Lease, ReleaseOptions } from './types.js';

// Node < 20.4 has no Symbol.asyncDispose; TypeScript's and esbuild's `await using` helpers fall
// back to this registered symbol, so defining it here keeps both in agreement.
(Symbol as { asyncDispose?: symbol }).asyncDispose ??= Symbol.for('Symbol.asyncDispose');

/** Options of `refresh`. */
export interface RefreshOptions {
  /** Lease TTL of the new key in seconds; `<= 0` = never expires. Default 120. */
  timeout?: number;
  /** Soft-binding TTL in seconds; `<= 0` = never expires. Default 3600. */
  cacheTimeout?: number;
}

/** Options of `refreshUntilHealthy`. */
export interface RefreshUntilHealthyOptions extends RefreshOptions {
  /** Resources checked (the current one included) before giving up. Default 10. */
  maxAttempts?: number;
  /** Quarantine of every unhealthy key, in seconds; `<= 0` = until freed by hand. Default 3600. */
  lockDuration?: number;
}

/** When and for how long a lease was taken: the start of its local deadline. */
export interface LeaseTiming {
  /** `performance.now()` just before the malloc was sent. */
  readonly sentAt: number;
  /** Lease timeout in seconds as given to the malloc (`<= 0` / Infinity = never expires). */
  readonly timeout: number;
}

/**
 * The object `malloc` returns. Use it with `await using lease = await allocator.malloc()` (or call
 * `release()` in a `finally`): the lease is freed when the scope ends.
 */
export class RedisAllocatorObject<U extends Allocatable = Allocatable> implements AsyncDisposable {
  readonly allocator: RedisAllocator<U>;
  #lease: Lease;
  #obj: U | undefined;
  #params: ParamsOf<U> | undefined;
  /** True while this object may still free its lease (not freed, lost, or turned into quarantine). */
  #holding = true;
  #released = false;
  /**
   * Loss reporting is built on first look (`signal`, `lost`, `assertHeld`, `keepAlive`): an
   * allocation nobody observes costs no controller, promise, error or timer.
   */
  #controller: AbortController | undefined;
  #lost: Promise<LeaseLostError> | undefined;
  #reportLoss: ((error: LeaseLostError) => void) | undefined;
  /** How the lease ended, once it did (announced to observers then, or when they first look). */
  #loss: { reason: LeaseLossReason; detail: string } | undefined;
  /** Deadline tracking (and keep-alive) of the current lease, while observed and timed. */
  #watch: WatchedLease | undefined;
  /** Monotonic ms when the current lease (or its last renewal) was sent, and its TTL (0 = none). */
  #sentAt = 0;
  #ttlMs = 0;
  /** Monotonic ms when the current lease was sent for: `maxHold` counts from here. */
  #takenAt = 0;
  #keepAliveOptions: KeepAliveOptions = {};

  /**
   * Configures `obj` for the key (`obj.setConfig(key, params)`), as upstream's constructor does.
   * With `timing`, the lease's local deadline is tracked: `signal` aborts when it passes.
   */
  constructor(
    allocator: RedisAllocator<U>,
    lease: Lease,
    obj?: U,
    params?: ParamsOf<U>,
    timing?: LeaseTiming,
  ) {
    this.allocator = allocator;
    this.#lease = lease;
    this.#obj = obj;
    this.#params = params;
    if (timing !== undefined) {
      this.#takenAt = this.#sentAt = timing.sentAt;
      this.#ttlMs = toTtlMs(timing.timeout, 'timeout');
    }
    obj?.setConfig(lease.key, params);
  }

  /**
   * Aborted, with a `LeaseLostError` as its `reason`, when this object stops holding its lease:
   * `expired`, `taken`, `unreachable` (renewals failed and the local deadline passed — before
   * Redis can give the key to anyone else) or `released`. Pass it to the work done with the key.
   */
  get signal(): AbortSignal {
    return this.#observe().signal;
  }

  /**
   * Resolves with the `LeaseLostError` when the lease is lost or released (the same moment
   * `signal` aborts); never rejects, so an unobserved loss is never an unhandled rejection.
   */
  get lost(): Promise<LeaseLostError> {
    this.#observe();
    return this.#lost!;
  }

  /** Fencing token of the current lease (strictly increasing per pool); 0 for a shared rotation. */
  get fence(): number {
    return this.#lease.fence;
  }

  /** The allocated resource key. */
  get key(): string {
    return this.#lease.key;
  }

  /** Owner token in the key's lock; `""` for a shared-mode allocation (which writes no lock). */
  get token(): string {
    return this.#lease.token;
  }

  /** Key and token, as the allocator's token-checked primitives take them. */
  get lease(): Lease {
    return this.#lease;
  }

  get obj(): U | undefined {
    return this.#obj;
  }

  get params(): ParamsOf<U> | undefined {
    return this.#params;
  }

  /** True once `release()` has run. */
  get released(): boolean {
    return this.#released;
  }

  /** `key`, or `key:<obj.uniqueId>` when there is an object (as upstream). */
  get uniqueId(): string {
    return this.#obj === undefined ? this.key : `${this.key}:${this.#obj.uniqueId ?? ''}`;
  }

  /** The object's soft-binding name, or `null`. */
  get name(): string | null {
    return this.#obj?.name || null;
  }

  /**
   * Renews the lease to `timeout` seconds from now, only while it is still ours; it is never
   * re-created once lost. `timeout <= 0` frees the lease instead (spec). Default 120.
   * @returns `false` when the lease was lost (expired, freed, quarantined) — stop using the key.
   * @throws RedisUnavailableError (`OperationTimeoutError`, or `NotReplicatedError` with
   *         `durability`) when the renewal may not have happened: the previous expiry stands.
   */
  async update(timeout: number = DEFAULTS.leaseTimeout): Promise<boolean> {
    assertSeconds(timeout, 'timeout');
    if (!this.#holding) return false;
    if (timeout !== null && timeout <= 0) {
      this.#holding = false;
      return this.allocator.free(this);
    }
    const sentAt = performance.now();
    const outcome = await this.allocator.renewLeaseOutcome(this.#lease, timeout ?? 0);
    if (outcome !== 'renewed') {
      this.#lose(outcome, 'update() found the lease gone');
      return false;
    }
    const ttlMs = toTtlMs(timeout, 'timeout');
    this.#sentAt = sentAt;
    this.#ttlMs = ttlMs;
    const watch = this.#watch;
    if (watch !== undefined && ttlMs > 0) {
      watch.ttlMs = ttlMs;
      this.allocator.leaseKeeper.confirmed(watch, sentAt);
    } else if (watch !== undefined) {
      this.#unwatch(); // no expiry any more: nothing to watch
    } else if (this.#controller !== undefined) {
      this.#startWatch();
    }
    return true;
  }

  /**
   * Keeps the lease alive: renews it every `renewEvery` seconds (default a third of its timeout)
   * until it is released, lost, `stopKeepAlive()` is called, or `maxHold` seconds after it was
   * taken. All renewals of one allocator that fall due together go out as one script call. A lost
   * lease is never re-acquired: `signal` aborts instead. Timers never keep the process alive.
   * @throws LeaseLostError (rejects) when this object no longer holds its lease;
   *   InvalidArgumentError for a lease that never expires or a shared rotation; InvalidTimeoutError
   *   for a bad `renewEvery` / `maxHold`.
   */
  async keepAlive(options: KeepAliveOptions = {}): Promise<void> {
    const { signal } = this.#observe();
    if (!this.#holding || signal.aborted) {
      throw signal.reason ?? new LeaseLostError('released', this.key, 'no longer held');
    }
    if (this.token === '')
      throw new InvalidArgumentError('a shared-mode rotation holds no lease to keep alive');
    const watch = this.#watch;
    const plan = planKeepAlive(watch?.ttlMs ?? 0, options);
    if (watch === undefined) return; // unreachable: planKeepAlive rejects a lease without expiry
    this.#keepAliveOptions = options;
    this.allocator.leaseKeeper.keepAlive(watch, plan.renewEveryMs, this.#takenAt + plan.maxHoldMs);
  }

  /**
   * Throws the `LeaseLostError` when this object no longer holds its lease — including when the
   * lease's local deadline has passed and no timer has told it yet (a process that was paused
   * resumes with its timers late). Call it right before acting on the key; pair it with `fence`
   * for the writes that reach other systems.
   * @throws LeaseLostError
   */
  assertHeld(): void {
    const { signal } = this.#observe();
    if (this.#watch !== undefined) this.allocator.leaseKeeper.checkDeadline(this.#watch);
    if (signal.aborted && signal.reason instanceof LeaseLostError) throw signal.reason;
    if (!this.#holding) throw new LeaseLostError('released', this.key, 'no longer held');
  }

  /** Stops renewing; the lease ends at its timeout unless renewed by hand (`signal` then aborts). */
  stopKeepAlive(): void {
    if (this.#watch !== undefined) this.allocator.leaseKeeper.stopKeepAlive(this.#watch);
  }

  /** True while keep-alive renews this lease. */
  get keptAlive(): boolean {
    return this.#watch !== undefined && this.#watch.renewEveryMs > 0;
  }

  /** Builds loss reporting on first look; a loss that already happened is announced at once. */
  #observe(): AbortController {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      this.#lost = new Promise<LeaseLostError>((resolve) => {
        this.#reportLoss = resolve;
      });
      if (this.#loss !== undefined) this.#announce();
      else if (this.#holding) this.#startWatch();
      // A deadline that passed before anyone looked is reported now, not at the next timer.
      if (this.#watch !== undefined) this.allocator.leaseKeeper.checkDeadline(this.#watch);
    }
    return this.#controller;
  }

  /** Watches the current lease's local deadline (a timed, exclusive lease only). */
  #startWatch(): void {
    const ttlMs = this.#ttlMs;
    if (ttlMs <= 0 || this.token === '' || this.#watch !== undefined) return;
    const watch: WatchedLease = {
      key: this.key,
      token: this.token,
      ttlMs,
      deadline: this.#sentAt + ttlMs - safetyMarginMs(ttlMs),
      renewEveryMs: 0,
      holdUntil: Number.POSITIVE_INFINITY,
      dueAt: Number.POSITIVE_INFINITY,
      renewing: false,
      onLost: (reason, detail) => {
        if (this.#watch === watch) this.#watch = undefined;
        this.#lose(reason, detail);
      },
    };
    this.#watch = watch;
    this.allocator.leaseKeeper.watch(watch);
  }

  #unwatch(): void {
    if (this.#watch !== undefined) this.allocator.leaseKeeper.unwatch(this.#watch);
    this.#watch = undefined;
  }

  /**
   * Reports the end of the lease once: `signal` aborts and `lost` resolves. A `released` report
   * from `allocator.close()` leaves `release()` able to free the lease in Redis.
   */
  #lose(reason: LeaseLossReason, detail: string): void {
    this.#unwatch();
    if (reason !== 'released') this.#holding = false;
    if (this.#loss !== undefined) return;
    this.#loss = { reason, detail };
    if (this.#controller !== undefined) this.#announce();
  }

  #announce(): void {
    const { reason, detail } = this.#loss!;
    const error = new LeaseLostError(reason, this.key, detail);
    this.#controller!.abort(error);
    this.#reportLoss!(error);
  }

  /** Opens the object (`obj.open()`). @returns this, for `await (await malloc()).open()`. */
  async open(): Promise<this> {
    await this.#obj?.open?.();
    return this;
  }

  /** Closes the object (`obj.close()`); the lease is kept (see `release`). */
  async close(): Promise<void> {
    await this.#obj?.close?.();
  }

  /**
   * Closes the object, then frees the lease if it is still ours (token-checked). Idempotent: later
   * calls do nothing. A quarantine set by `setUnhealthy` is left to run out.
   * `signal` aborts with reason `released`.
   * @param options.timeout new lifetime of the pool entry in seconds; default: keep it.
   * @param options.cooldown seconds the key rests before it returns to the pool by itself.
   * @returns `true` when this call freed the lease.
   * @throws InvalidTimeoutError for a negative or NaN `cooldown` (nothing is released then).
   */
  async release(options: ReleaseOptions = {}): Promise<boolean> {
    toCooldownMs(options.cooldown);
    if (this.#released) return false;
    this.#released = true;
    this.#unwatch();
    let closeFailed = false;
    let closeError: unknown;
    try {
      await this.close();
    } catch (error) {
      closeFailed = true;
      closeError = error;
    }
    let freed = false;
    if (this.#holding) {
      this.#holding = false;
      try {
        freed = await this.allocator.free(this, options);
      } finally {
        this.#lose('released', 'release() was called');
      }
    } else {
      this.#lose('released', 'release() was called');
    }
    if (closeFailed) throw closeError;
    return freed;
  }

  /** `await using` support: releases the lease when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  /** The object's own verdict (`obj.isHealthy()`); `true` without an object. May reject. */
  async isHealthy(): Promise<boolean> {
    const obj = this.#obj;
    if (obj?.isHealthy === undefined) return true;
    return (await obj.isHealthy()) === true;
  }

  /**
   * Marks the resource healthy: a named object's soft binding points at this key for `duration`
   * seconds, and in shared mode any quarantine of the key ends (its lock is deleted). Default 3600.
   */
  async setHealthy(duration: number = DEFAULTS.bindingTimeout): Promise<void> {
    const name = this.name;
    if (name !== null) await this.allocator.updateSoftBind(name, this.key, duration);
    if (this.allocator.shared && this.token === '') await this.allocator.unlock(this.key);
  }

  /**
   * Quarantines the key for `duration` seconds (`<= 0` = until freed by hand); GC returns it to
   * the free list when the quarantine ends. A named object's binding is dropped first. Exclusive
   * lease: our own lock is extended to the duration and `release()` no longer frees it; a lease
   * already lost is re-acquired for the quarantine only if nobody holds the key. Shared rotation:
   * the key gets a `"quarantine"` lock. Default 3600.
   * @returns `true` when the key is now quarantined.
   */
  async setUnhealthy(duration: number = DEFAULTS.quarantine): Promise<boolean> {
    assertSeconds(duration, 'duration');
    const name = this.name;
    if (name !== null) await this.allocator.unbindSoftBind(name);
    this.#holding = false;
    this.#unwatch(); // the lock is a quarantine now, not a lease to keep alive
    if (this.token === '') {
      await this.allocator.update(this.key, { value: 'quarantine', timeout: duration });
      return true;
    }
    if (await this.allocator.renewLease(this.#lease, duration)) return true;
    const quarantine = await this.allocator.acquireKey(this.key, { timeout: duration });
    if (quarantine === null) return false;
    this.#lease = quarantine;
    return true;
  }

  /**
   * Moves this object to another key from the policy: closes the object, allocates a new key with
   * the same object and params, frees the old key (or leaves it quarantined after `setUnhealthy`),
   * re-points a named object's binding at the new key and opens the object again.
   * @returns `false` when no key was free (the object keeps its old key and is re-opened).
   */
  async refresh(options: RefreshOptions = {}): Promise<boolean> {
    await this.close();
    const fresh = await this.allocator.policy.malloc(this.allocator, {
      timeout: options.timeout,
      cacheTimeout: options.cacheTimeout,
      obj: this.#obj,
      params: this.#params,
    });
    if (fresh === null) {
      this.allocator.policy.logger.error('refresh found no free key; keeping the old one', { key: this.key });
      await this.open();
      return false;
    }
    const old = this.#lease;
    const wasHolding = this.#holding;
    const keepAlive = this.#watch !== undefined && this.#watch.renewEveryMs > 0;
    this.#unwatch();
    this.#lease = fresh.lease;
    this.#holding = true;
    this.#released = false;
    // The new lease is watched by this object (whose signal the caller holds), not by `fresh`.
    fresh.#unwatch();
    this.#takenAt = this.#sentAt = fresh.#sentAt;
    this.#ttlMs = fresh.#ttlMs;
    if (this.#controller !== undefined && this.#loss === undefined) this.#startWatch();
    if (keepAlive) await this.keepAlive(this.#keepAliveOptions);
    if (wasHolding) await this.allocator.releaseLease(old);
    const name = this.name;
    // The old key was held by us during the malloc, so the script left the binding on it.
    if (name !== null && !this.allocator.shared) {
      await this.allocator.updateSoftBind(name, this.key, options.cacheTimeout ?? DEFAULTS.bindingTimeout);
    }
    await this.open();
    return true;
  }

  /**
   * Until the current resource is healthy: quarantine it for `lockDuration` and `refresh`. Every
   * resource obtained is checked, the last one included (F22); a check that throws counts as
   * unhealthy. An unhealthy last resource stays quarantined.
   * @throws NoHealthyResourceError after `maxAttempts` unhealthy resources, or when no key is free.
   */
  async refreshUntilHealthy(options: RefreshUntilHealthyOptions = {}): Promise<void> {
    const maxAttempts = options.maxAttempts ?? DEFAULTS.maxRefreshAttempts;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new InvalidArgumentError(`maxAttempts must be a positive integer, got ${String(maxAttempts)}`);
    }
    const lockDuration = options.lockDuration ?? DEFAULTS.quarantine;
    for (let attempt = 1; ; attempt++) {
      if (await this.#checkHealthy()) return;
      await this.setUnhealthy(lockDuration);
      if (attempt >= maxAttempts) {
        throw new NoHealthyResourceError(
          `no healthy resource after ${maxAttempts} attempts (last key ${JSON.stringify(this.key)})`,
        );
      }
      if (!(await this.refresh(options))) {
        throw new NoHealthyResourceError(
          `no free key to replace unhealthy ${JSON.stringify(this.key)} (attempt ${attempt} of ${maxAttempts})`,
        );
      }
    }
  }

  async #checkHealthy(): Promise<boolean> {
    try {
      return await this.isHealthy();
    } catch (error) {
      this.allocator.policy.logger.warn('isHealthy threw; treating the resource as unhealthy', {
        key: this.key,
        error,
      });
      return false;
    }
  }
}
