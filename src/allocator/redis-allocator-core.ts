/**
 * The allocator pool on Redis: membership, allocation, freeing, soft binding and GC. Every state
 * change is one Lua script call; Redis is the only source of truth (no pool state in this object).
 */
import { performance } from 'node:perf_hooks';
import { integerReply, type RedisClient, type RedisReply, toConnection } from '../client/index.js';
import { DEFAULTS } from '../defaults.js';
import type { PendingWrite } from '../durability.js';
import { InvalidArgumentError, PoolCorruptionError } from '../errors.js';
import {
  type AllocatorKeys,
  allocatorKeys,
  assertName,
  assertResourceKey,
  assertResourceKeys,
  effectivePrefix,
} from '../keys.js';
import { RedisLock } from '../lock/redis-lock.js';
import type { AllocatorHooks } from '../metrics/hooks.js';
import { meterHooks } from '../metrics/open-telemetry.js';
import { toCooldownMs, toIntervalMs, toLifetimeSeconds, toTtlMs } from '../timeout.js';
import { Coalescer } from './coalescer.js';
import { confirmLeases } from './durable-leases.js';
import { assertHolder, fencedToken, ownerToken } from './holder.js';
import { RedisClock } from './redis-clock.js';
import { allocatorScripts as scripts } from './scripts.js';
import { parseWaitOptions, type WaitRequest } from './waiting/options.js';
import { WaitingRoom } from './waiting/waiting-room.js';

/** Outcome of a token-checked renewal. */
export type RenewOutcome = 'renewed' | 'expired' | 'taken';
const RENEW_OUTCOMES: Readonly<Record<string, RenewOutcome>> = {
  '1': 'renewed',
  '0': 'expired',
  '-1': 'taken',
};

/** The options every caller of one coalesced release shares. */
interface ReleaseBatch {
  /** "" keeps each entry's lifetime; otherwise whole seconds. */
  lifetime: string | number;
  /** 0 = none. */
  cooldownMs: number;
}

/** One lease's outcome in a release script call. */
interface Released {
  /** The lease was ours and is now freed. */
  ours: boolean;
  /**
   * With durability, when the call handed keys to this instance's own waiters: the `WAIT` sent
   * before granting them, which confirms the call's releases as well (it counts every write before
   * it on the connection), so the releasers send none of their own.
   */
  confirmed?: Promise<void>;
}

/** A key, its fence and its lock value, as one caller of a (possibly coalesced) malloc gets them. */
interface Granted {
  key: string;
  fence: number;
  /** The lock value `<token>@<fence>` (fencedToken), `""` in shared mode. */
  token: string;
}

/** The options every caller of one coalesced malloc shares. */
interface MallocOptions {
  ttl: number;
  gcCount: number;
  gcGateMs: number;
}

import type {
  AcquireLeaseOptions,
  AllocatorCoreOptions,
  FreeOptions,
  Lease,
  LeaseRef,
  LifetimeOptions,
  MallocKeyOptions,
  ReleaseOptions,
} from './types.js';

/** Pool operations of `RedisAllocator`; the object/policy layer is added by the subclass. */
export class RedisAllocatorCore extends RedisLock {
  /** True when allocation rotates keys instead of locking them. */
  readonly shared: boolean;
  /** Every Redis key name of this allocator. */
  readonly redisKeys: AllocatorKeys;
  /** KEYS of malloc and gc: pool, head, tail, GC cursor, GC gate, fence, deadline index. */
  private readonly scriptKeys: readonly string[];
  /** KEYS of the other pool scripts: pool, head, tail (each KEYS element costs Redis time per call). */
  private readonly listKeys: readonly string[];
  /** This instance's waits for a key (DESIGN.md §10); idle and connection-free until one waits. */
  readonly #waiting: WaitingRoom;
  /** Estimate of the server clock for the deadline index (saves malloc a TIME call). */
  readonly #clock = new RedisClock();
  /** KEYS of release and free: pool, head, tail, deadline index. */
  private readonly returnKeys: readonly string[];
  /** Metrics hooks (only with `options.meter`). */
  private readonly hooks: AllocatorHooks | undefined;

  /** Coalesces concurrent unnamed exclusive mallocs into one script call; absent when disabled. */
  readonly #coalescer: Coalescer<MallocOptions, string, Granted | null> | undefined;
  /** Coalesces concurrent `freeKeys` calls (same lifetime option) into one free script call. */
  readonly #freeCoalescer: Coalescer<string | number, readonly string[], void> | undefined;
  /** Coalesces concurrent `releaseLease` calls (same lifetime option) into one release script call. */
  readonly #releaseCoalescer: Coalescer<ReleaseBatch, LeaseRef, Released> | undefined;

  constructor(redis: RedisClient, prefix: string, options: AllocatorCoreOptions = {}) {
    assertName(prefix, 'prefix');
    const suffix = options.suffix ?? DEFAULTS.allocatorSuffix;
    assertName(suffix, 'suffix');
    const clusterPrefix = effectivePrefix(prefix, toConnection(redis).isCluster);
    super(redis, clusterPrefix, {
      suffix,
      eps: options.eps ?? DEFAULTS.eps,
      operationTimeout: options.operationTimeout,
      durability: options.durability,
    });
    this.shared = options.shared ?? false;
    this.redisKeys = allocatorKeys(clusterPrefix, suffix);
    const { pool, head, tail, gcCursor, gcGate, fence, deadlines } = this.redisKeys;
    this.scriptKeys = [pool, head, tail, gcCursor, gcGate, fence, deadlines];
    this.listKeys = [pool, head, tail];
    const drainInterval = options.drainInterval ?? DEFAULTS.drainInterval;
    if (typeof drainInterval !== 'number' || !(drainInterval > 0) || !Number.isFinite(drainInterval)) {
      throw new InvalidArgumentError(
        `drainInterval must be a positive number of seconds, got ${String(drainInterval)}`,
      );
    }
    this.#waiting = new WaitingRoom({
      drainIntervalMs: drainInterval * 1000,
      connection: this.connection,
      keys: this.redisKeys,
      runPoolScript: (script, args) =>
        script.run(this.connection, this.scriptKeys, [this.redisKeys.lockPrefix, ...args]),
      release: (lease) => this.releaseLease(lease),
      durability: this.durability,
    });
    this.returnKeys = [pool, head, tail, deadlines];
    const mode = this.shared ? 'shared' : 'exclusive';
    this.hooks = options.meter ? meterHooks(options.meter, { pool, mode }) : undefined;
    if (options.coalesce ?? true) {
      this.#coalescer = new Coalescer(async (batch, tokens) => {
        const write = this.#beginWrite();
        const granted = await this.#runMalloc(batch, tokens);
        // One WAIT confirms the whole batch; unconfirmed, every caller of it fails closed.
        if (write !== undefined && granted.length > 0) await this.#confirmLeases(write, granted);
        return tokens.map((_, i) => granted[i] ?? null);
      });
      this.#freeCoalescer = new Coalescer(async (lifetime, keyLists) => {
        await this.durably('freeKeys', this.redisKeys.pool, () => this.#runFree(lifetime, keyLists.flat()));
        return keyLists.map(() => undefined);
      });
      this.#releaseCoalescer = new Coalescer((batch, leases) => this.#runRelease(batch, leases));
    }
  }

  // ---- membership -------------------------------------------------------------------------

  /** True when `key` is a pool member (free or allocated). */
  async has(key: string): Promise<boolean> {
    assertName(key, 'key');
    return this.commands.hexists(this.redisKeys.pool, key);
  }

  /** Number of pool members (free and allocated). O(1). */
  size(): Promise<number> {
    return this.commands.hlen(this.redisKeys.pool);
  }

  /** Every pool member (free and allocated), in hash order. O(pool). */
  keys(): Promise<string[]> {
    return this.commands.hkeys(this.redisKeys.pool);
  }

  /** Streams the members with HSCAN, so huge pools are never loaded at once. */
  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    let cursor = '0';
    do {
      const [next, fields] = await this.commands.hscan(this.redisKeys.pool, cursor, 1000);
      for (let i = 0; i < fields.length; i += 2) yield fields[i]!;
      cursor = next;
    } while (cursor !== '0');
  }

  /**
   * Adds keys at the tail of the free list in the given order; members only get the new lifetime.
   * A key whose old lease is still live enters as allocated and is freed by GC when the lease ends.
   * @throws InvalidKeyError for any bad key (nothing is written).
   */
  async extend(keys: readonly string[], options: LifetimeOptions = {}): Promise<void> {
    assertResourceKeys(keys);
    const lifetime = toLifetimeSeconds(options.timeout ?? DEFAULTS.entryLifetime, 'timeout');
    if (keys.length === 0) return;
    await this.durably('extend', this.redisKeys.pool, () =>
      this.runPool(scripts.extend, [lifetime, ...keys]),
    );
  }

  /** Removes keys from the pool; unknown keys are skipped. Their locks and bindings stay. */
  async shrink(keys: readonly string[]): Promise<void> {
    assertResourceKeys(keys);
    if (keys.length === 0) return;
    await this.durably('shrink', this.redisKeys.pool, () => this.runPool(scripts.shrink, keys));
  }

  /**
   * Makes the pool exactly `keys`: others leave (their leases stay valid), new ones are appended in
   * the given order, and every given key gets the lifetime. An empty list clears the pool.
   */
  async assign(keys: readonly string[], options: LifetimeOptions = {}): Promise<void> {
    assertResourceKeys(keys);
    const lifetime = toLifetimeSeconds(options.timeout ?? DEFAULTS.entryLifetime, 'timeout');
    if (keys.length === 0) return this.clear();
    await this.durably('assign', this.redisKeys.pool, () =>
      this.runPool(scripts.assign, [lifetime, ...keys]),
    );
  }

  /** Empties the pool (hash and pointers, atomically). Locks and bindings are left to expire. */
  async clear(): Promise<void> {
    await this.durably('clear', this.redisKeys.pool, () =>
      scripts.clear.run(this.connection, this.listKeys, []),
    );
  }

  // ---- allocation ---------------------------------------------------------------------------

  /**
   * Allocates a key: the name's soft-bound key when it is free, else the head of the free list.
   * Exclusive mode locks it for `timeout` seconds; shared mode rotates it to the tail.
   * @returns the key, or `null` when none is free.
   */
  async mallocKey(options: MallocKeyOptions = {}): Promise<string | null> {
    const lease = await this.acquireLease(options);
    return lease === null ? null : lease.key;
  }

  /**
   * `mallocKey` that also returns the owner token written into the lock, for token-checked
   * `releaseLease` / `renewLease`. One script call, GC step included when `gcCount > 0`.
   * With `wait`, a caller that finds no key queues (fair: priority, then arrival, fleet-wide) and
   * resolves when a returning key is handed to it; `null` when `wait` runs out; rejects with
   * `signal.reason` on abort. Waiting callers hold one blocking connection per allocator instance.
   * @throws InvalidArgumentError / InvalidTimeoutError / InvalidKeyError before any Redis call.
   */
  async acquireLease(options: AcquireLeaseOptions = {}): Promise<Lease | null> {
    const waitFor = parseWaitOptions(options);
    const ttl = toTtlMs(options.timeout ?? DEFAULTS.leaseTimeout, 'timeout');
    const bindTtl = toTtlMs(options.cacheTimeout ?? DEFAULTS.bindingTimeout, 'cacheTimeout');
    const name = options.name ?? '';
    assertName(name, 'name');
    const gcCount = options.gcCount ?? 0;
    if (!Number.isInteger(gcCount) || gcCount < 0) {
      throw new InvalidArgumentError(`gcCount must be a non-negative integer, got ${String(gcCount)}`);
    }
    const gcGateMs = toIntervalMs(options.gcInterval ?? 0, 'gcInterval');
    if (options.holder !== undefined) assertHolder(options.holder);
    waitFor.signal?.throwIfAborted();
    const token = this.shared ? '' : ownerToken(options.holder);
    if (waitFor.waitMs > 0)
      return this.#acquireWaiting(waitFor, token, { ttl, gcCount, gcGateMs }, name, bindTtl);
    const begun = this.hooks?.mallocBegins() ?? -1;
    let granted: Granted | null;
    try {
      if (this.#coalescer !== undefined && name === '' && !this.shared) {
        granted = await this.#coalescer.request(
          `${ttl}|${gcCount}|${gcGateMs}`,
          { ttl, gcCount, gcGateMs },
          token,
        );
      } else {
        const { bindPrefix } = this.redisKeys;
        const binding = name === '' ? [] : [name, bindPrefix, bindTtl];
        const write = this.#beginWrite();
        const [first] = await this.#runMalloc({ ttl, gcCount, gcGateMs }, [token], binding);
        granted = first ?? null;
        // (A coalesced malloc is confirmed once per batch, in the coalescer's send.)
        if (granted !== null && write !== undefined) await this.#confirmLeases(write, [granted]);
      }
    } catch (error) {
      this.hooks?.mallocEnds(null, begun, true);
      throw error;
    }
    const lease = granted === null ? null : { key: granted.key, token: granted.token, fence: granted.fence };
    this.hooks?.mallocEnds(lease, begun, false);
    return lease;
  }

  /**
   * A malloc with `wait`: the script answers a key at once or queues a ticket, whose key (and
   * fence) the hand-off later posts to this instance's mailbox. Goes through the metrics hooks like
   * any malloc (its duration includes the wait), and a wait that queued reports its time and
   * outcome (`waitEnds`); with durability, a key granted at once is confirmed like a direct
   * malloc, and a hand-off before the waiter gets it (`WAIT` by the releasing instance after its
   * release for its own waiters, by the mailbox reader after its read for the others).
   */
  async #acquireWaiting(
    waitFor: WaitRequest,
    token: string,
    options: MallocOptions,
    name: string,
    bindTtl: number,
  ): Promise<Lease | null> {
    const { bindPrefix } = this.redisKeys;
    const queueScore = String(-waitFor.priority);
    const { hooks } = this;
    const begun = hooks?.mallocBegins() ?? -1;
    /** When the ticket first queued (only measured with hooks). */
    let queuedAt: number | undefined;
    let lease: Lease | null;
    try {
      lease = await this.#waiting.acquire(waitFor, token, async (ticket, livenessTtl) => {
        const tail = [name, bindPrefix, bindTtl, ticket, this.#waiting.instance, queueScore, livenessTtl];
        const write = this.#beginWrite();
        const reply = await this.#runMallocReply(options, [token], tail);
        if (reply === 1) {
          if (hooks !== undefined) queuedAt ??= performance.now();
          return 'queued';
        }
        if (Array.isArray(reply) && typeof reply[1] === 'string') {
          const fence = Number(reply[0]);
          const granted: Lease = { key: reply[1], token: fencedToken(token, fence), fence };
          if (write !== undefined) await this.#confirmLeases(write, [granted]);
          return granted;
        }
        throw new PoolCorruptionError(`a waiting malloc answered ${JSON.stringify(reply)}`);
      });
    } catch (error) {
      if (queuedAt !== undefined) hooks?.waitEnds('error', (performance.now() - queuedAt) / 1000);
      hooks?.mallocEnds(null, begun, true);
      throw error;
    }
    if (queuedAt !== undefined)
      hooks?.waitEnds(lease === null ? 'empty' : 'acquired', (performance.now() - queuedAt) / 1000);
    hooks?.mallocEnds(lease, begun, false);
    return lease;
  }

  /**
   * One malloc script call handing out up to `tokens.length` keys, the i-th locked with the i-th
   * token. malloc.lua's trailing arguments are optional: each ARGV element costs Redis time.
   */
  async #runMalloc(
    options: MallocOptions,
    tokens: readonly string[],
    binding: readonly (string | number)[] = [],
  ): Promise<Granted[]> {
    // Reply { firstFence, key1, key2, … }: the i-th key's fence is firstFence + i - 1 (0 = shared),
    // its lock value "<token>@<fence>".
    const [first, ...keys] = (await this.#runMallocReply(options, tokens, binding)) as [number, ...string[]];
    return keys.map((key, i) => {
      const fence = Number(first) === 0 ? 0 : Number(first) + i;
      return { key, fence, token: fencedToken(tokens[i]!, fence) };
    });
  }

  /**
   * The malloc script call itself; its reply (a waiting call that queued answers 1). The deadline
   * index counts from this instance's estimate of the server clock; when it has none, the script
   * reads `TIME` and answers it after the keys, which calibrates the estimate and is removed here.
   */
  async #runMallocReply(
    options: MallocOptions,
    tokens: readonly string[],
    binding: readonly (string | number)[],
  ): Promise<RedisReply> {
    const { ttl, gcCount, gcGateMs } = options;
    const clock = this.#clock.estimateMs();
    const args: (string | number)[] = [
      this.redisKeys.lockPrefix,
      this.shared ? '1' : '0',
      ttl,
      clock,
      tokens.length,
      ...tokens,
    ];
    if (gcCount > 0 || binding.length > 0) args.push(gcCount, gcGateMs);
    args.push(...binding);
    const sentAt = clock === '' ? this.#clock.sent() : 0;
    const reply = await scripts.malloc.run(this.connection, this.scriptKeys, args);
    if (clock === '' && Array.isArray(reply) && reply.length > 2) {
      const last = reply[reply.length - 1];
      if (typeof last === 'number') {
        this.#clock.observe(last, sentAt);
        return reply.slice(0, -1);
      }
    }
    return reply;
  }

  #runFree(lifetime: string | number, keys: readonly string[]) {
    return scripts.free.run(this.connection, this.returnKeys, [this.redisKeys.lockPrefix, lifetime, ...keys]);
  }

  /** Number of waiters queued for this pool, fleet-wide (live or not yet skipped). O(1). */
  async queueLength(): Promise<number> {
    const { waiters } = this.redisKeys;
    return integerReply(await this.connection.send('ZCARD', [waiters], waiters));
  }

  /**
   * Ends this instance's waits in progress (they reject with `AllocatorClosedError`) and closes its
   * blocking connection. Leases stay as they are; the allocator stays usable (a later wait opens a
   * new connection). `await using allocator = new RedisAllocator(…)` calls it.
   */
  async close(): Promise<void> {
    await this.#waiting.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Leases one specific member for `timeout` seconds (`<= 0` = no expiry), e.g. to health-check
   * it, taking it off the free list. Works in both modes (in shared mode the lock quarantines it).
   * @returns the lease, or `null` when the key is not a member, has expired, or is held.
   */
  async acquireKey(key: string, options: { timeout?: number; holder?: string } = {}): Promise<Lease | null> {
    assertResourceKey(key);
    const ttl = toTtlMs(options.timeout ?? DEFAULTS.leaseTimeout, 'timeout');
    if (options.holder !== undefined) assertHolder(options.holder);
    const token = ownerToken(options.holder);
    const { pool, head, tail, fence: fenceKey, deadlines, lockPrefix } = this.redisKeys;
    const write = this.#beginWrite();
    const fence = Number(
      await scripts.acquireKey.run(
        this.connection,
        [pool, head, tail, fenceKey, deadlines],
        [lockPrefix, ttl, token, key],
      ),
    );
    if (fence <= 0) return null;
    const lease = { key, token: fencedToken(token, fence), fence };
    if (write !== undefined) await this.#confirmLeases(write, [lease]);
    return lease;
  }

  /**
   * Frees the lease only while its token still holds the lock; a stale holder can never free a
   * key that was re-allocated to someone else. A shared-mode rotation (token `""`) holds no lock:
   * always `true`.
   * @returns `true` when the lease was ours and is now freed.
   */
  async releaseLease(lease: LeaseRef, options: ReleaseOptions = {}): Promise<boolean> {
    assertResourceKey(lease.key);
    const lifetime = this.freeLifetime(options);
    const cooldownMs = toCooldownMs(options.cooldown);
    if (lease.token === '') return true; // a shared-mode rotation holds no lock
    const write = this.#beginWrite();
    const { ours, confirmed } =
      this.#releaseCoalescer !== undefined
        ? await this.#releaseCoalescer.request(`${lifetime}|${cooldownMs}`, { lifetime, cooldownMs }, lease)
        : (await this.#runRelease({ lifetime, cooldownMs }, [lease]))[0]!;
    this.hooks?.release(lease, ours ? 'released' : 'lost');
    if (write !== undefined) await (confirmed ?? write.confirm('release'));
    return ours;
  }

  /**
   * One release script call for several leases (one key/token pair each). While this instance has
   * waiters of its own, the script answers the keys it hands to them with the results: they are
   * granted here, before the releasers resume, and skip the mailbox.
   */
  async #runRelease(batch: ReleaseBatch, leases: readonly LeaseRef[]): Promise<Released[]> {
    const args = [this.redisKeys.lockPrefix, batch.lifetime, batch.cooldownMs, this.#clock.estimateMs()];
    for (const lease of leases) args.push(lease.key, lease.token);
    if (this.#waiting.size > 0) args.push(this.#waiting.instance);
    const write = this.#beginWrite();
    const reply = (await scripts.release.run(this.connection, this.returnKeys, args)) as (number | string)[];
    let confirmed: Promise<void> | undefined;
    if (reply.length > leases.length) {
      // With durability a waiter gets its key only once the replicas have the hand-off.
      confirmed = write?.confirm('release');
      const replicated =
        confirmed === undefined ||
        (await confirmed.then(
          () => true,
          () => false,
        ));
      for (let i = leases.length; i < reply.length; i++) {
        if (replicated) this.#waiting.deliver(String(reply[i]));
        else this.#waiting.undeliverable(String(reply[i]));
      }
      // The waiters just granted run first: their keys are in use from now on, while the releasers
      // only go on to other work (the next malloc, its socket write) when they resume.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return leases.map((_, i) => ({ ours: reply[i] === 1, confirmed }));
  }

  /**
   * Extends the lease to `timeout` seconds from now (`<= 0` = no expiry), only while its token
   * still holds the lock. @returns `false` when the lease was lost (nothing is written then).
   * @throws NotReplicatedError (with `durability`) when the replicas did not confirm the renewal in
   *         time: count it as a failed renewal and trust the lease's previous expiry.
   */
  async renewLease(lease: LeaseRef, timeout: number = DEFAULTS.leaseTimeout): Promise<boolean> {
    return (await this.renewLeaseOutcome(lease, timeout)) === 'renewed';
  }

  /**
   * `renewLease` that says why a renewal failed: `expired` (the lock is gone) or `taken` (another
   * value holds it: a new holder, a cooldown, a quarantine).
   */
  async renewLeaseOutcome(lease: LeaseRef, timeout: number = DEFAULTS.leaseTimeout): Promise<RenewOutcome> {
    assertResourceKey(lease.key);
    const ttl = toTtlMs(timeout, 'timeout');
    if (lease.token === '') return 'renewed'; // a shared-mode rotation holds no lock
    const lockKey = this.lockKey(lease.key);
    const write = this.durability?.begin(this.connection, lockKey);
    const result = await scripts.renew.run(
      this.connection,
      [lockKey, this.redisKeys.deadlines],
      [lease.token, ttl, lease.key],
    );
    if (write !== undefined) await write.confirm('renew');
    this.hooks?.renew(result === 1 ? 'renewed' : 'lost');
    return RENEW_OUTCOMES[String(result)] ?? 'expired';
  }

  /**
   * Renews many leases of this pool in one script call (keep-alive's batch), each to its own TTL in
   * milliseconds (> 0) and only while its token still holds the lock.
   * @returns one outcome per lease, in order.
   * @throws NotReplicatedError (with `durability`) when the replicas did not confirm the batch in
   *         time: keep-alive counts it as a failed renewal of every lease in it.
   */
  async renewLeases(leases: ReadonlyArray<LeaseRef & { readonly ttlMs: number }>): Promise<RenewOutcome[]> {
    if (leases.length === 0) return [];
    const args: (string | number)[] = [this.redisKeys.lockPrefix];
    for (const lease of leases) args.push(lease.key, lease.token, lease.ttlMs);
    const write = this.durability?.begin(this.connection, this.redisKeys.deadlines);
    const codes = (await scripts.renewLeases.run(
      this.connection,
      [this.redisKeys.deadlines],
      args,
    )) as number[];
    if (write !== undefined) await write.confirm('renew');
    return codes.map((code) => RENEW_OUTCOMES[String(code)] ?? 'expired');
  }

  /**
   * Administrative free, as in the spec: deletes each key's lock whoever holds it and returns
   * allocated members to the free list. Prefer token-checked `releaseLease` / `free(obj)`.
   */
  async freeKeys(keys: readonly string[], options: FreeOptions = {}): Promise<void> {
    assertResourceKeys(keys);
    const lifetime = this.freeLifetime(options);
    if (keys.length === 0) return;
    if (this.#freeCoalescer !== undefined)
      return this.#freeCoalescer.request(String(lifetime), lifetime, keys);
    await this.durably('freeKeys', this.redisKeys.pool, () => this.#runFree(lifetime, keys));
  }

  // ---- soft binding -------------------------------------------------------------------------

  /** Points `name` at `key` for `timeout` seconds (`<= 0` = no expiry). Default 3600. */
  async updateSoftBind(name: string, key: string, timeout: number = DEFAULTS.bindingTimeout): Promise<void> {
    assertName(name, 'name');
    assertResourceKey(key);
    const ttl = toTtlMs(timeout, 'timeout');
    const bindKey = this.redisKeys.bindPrefix + name;
    await this.durably('updateSoftBind', bindKey, () => this.commands.set(bindKey, key, ttl));
  }

  /** Removes `name`'s binding (and the legacy key shape upstream's `update_soft_bind` wrote). */
  async unbindSoftBind(name: string): Promise<void> {
    assertName(name, 'name');
    const { bindPrefix, legacyBindPrefix } = this.redisKeys;
    await this.durably('unbindSoftBind', this.redisKeys.pool, () =>
      this.commands.del(bindPrefix + name, legacyBindPrefix + name),
    );
  }

  /** The key `name` is bound to, or `null`. */
  async getSoftBind(name: string): Promise<string | null> {
    assertName(name, 'name');
    return this.commands.get(this.redisKeys.bindPrefix + name);
  }

  // ---- maintenance --------------------------------------------------------------------------

  /**
   * One incremental GC step over about `count` entries (small pools are scanned whole): drops
   * expired entries, takes locked keys off the free list, returns allocated keys whose lease
   * ended. Repeated calls cover the whole pool. @returns the number of leases reclaimed.
   * @throws InvalidArgumentError unless `count` is a positive integer.
   */
  async gc(count: number = DEFAULTS.gcCount): Promise<number> {
    if (!Number.isInteger(count) || count <= 0) {
      throw new InvalidArgumentError(`gc count must be a positive integer, got ${String(count)}`);
    }
    const { lockPrefix } = this.redisKeys;
    const reclaimed = (await this.durably('gc', this.redisKeys.pool, () =>
      scripts.gc.run(this.connection, this.scriptKeys, [lockPrefix, count]),
    )) as number;
    this.hooks?.gcReclaimed(reclaimed);
    return reclaimed;
  }

  /** The free list from head to tail (allocation order), read atomically. */
  async getFreeList(): Promise<string[]> {
    return (await this.runPool(scripts.freeList, [])) as string[];
  }

  /** Lock state of every member, in `keys()` order (`true` = a lock key exists). */
  async valuesLockStatus(): Promise<boolean[]> {
    return (await this.itemsLockedStatus()).map(([, locked]) => locked);
  }

  /** `[key, locked]` for every member. */
  async itemsLockedStatus(): Promise<Array<[string, boolean]>> {
    const keys = await this.keys();
    const result: Array<[string, boolean]> = [];
    for (let start = 0; start < keys.length; start += 1000) {
      const chunk = keys.slice(start, start + 1000);
      const values = await this.commands.mget(chunk.map((key) => this.lockKey(key)));
      chunk.forEach((key, i) => {
        result.push([key, values[i] != null]);
      });
    }
    return result;
  }

  /** Counts of members with and without a lock. */
  async healthCheck(): Promise<{ locked: number; free: number }> {
    const status = await this.valuesLockStatus();
    const locked = status.filter(Boolean).length;
    return { locked, free: status.length - locked };
  }

  // ---- internals ----------------------------------------------------------------------------

  private runPool(script: (typeof scripts)[keyof typeof scripts], args: readonly (string | number)[]) {
    return script.run(this.connection, this.listKeys, [this.redisKeys.lockPrefix, ...args]);
  }

  /** With durability, a write to the pool's node about to be sent; `undefined` without. */
  #beginWrite(): PendingWrite | undefined {
    return this.durability?.begin(this.connection, this.redisKeys.pool);
  }

  /** New leases: confirmed by the replicas, or released again and the error thrown. */
  #confirmLeases(write: PendingWrite, leases: readonly LeaseRef[]): Promise<void> {
    return confirmLeases(write, leases, (lease, timeoutMs) =>
      scripts.release.run(
        this.connection,
        this.returnKeys,
        [this.redisKeys.lockPrefix, '', 0, '', lease.key, lease.token],
        {
          timeoutMs,
        },
      ),
    );
  }

  /** "" keeps each entry's lifetime; otherwise whole seconds (0 = never expires). */
  private freeLifetime(options: FreeOptions): string | number {
    return options.timeout === undefined ? '' : toLifetimeSeconds(options.timeout, 'timeout');
  }
}
