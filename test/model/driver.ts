/**
 * Runs one operation on Redis and on the reference model, compares the results, then compares the
 * whole state (atomic snapshot + locks + bindings) and checks the pool invariants.
 */
import { expect } from 'vitest';
import {
  checkInvariants,
  DEFAULTS,
  type Lease,
  type LeaseRef,
  type RedisAllocatorCore,
  reclaimableKeys,
  takeSnapshot,
} from '../../src/index.js';
import { rawClient } from '../helpers/redis.js';
import { AllocatorModel } from './allocator-model.js';
import { lifetimeOf, ttlMsOf } from './model-state.js';
import { describeOp, KEYS, NAMES, type Op, show } from './operations.js';
import { alignWithModel, observeRedis, ttlsOutOfBounds } from './redis-state.js';

/** Longest a waiting malloc may take to answer or queue before the step fails (a loaded machine included). */
const ANSWER_OR_QUEUE_MS = 15_000;

/** Quarantine as `setUnhealthy` writes it: a timed lock with a non-token value. */
const QUARANTINE = { value: 'q', timeout: 1000 };
/** How far in the past an emulated entry expiry lies (s): never borderline. */
const PAST = 100;

/** A waiting malloc still in progress on the Redis side. */
interface PendingWaiter {
  readonly label: string;
  readonly controller: AbortController;
  readonly settled: Promise<{ lease?: Lease | null; error?: unknown }>;
}

/** Longest a hand-off may take to reach its waiter (one mailbox read), on a loaded machine. */
const DELIVERY_MS = 10_000;

export class SequenceDriver {
  readonly model: AllocatorModel;
  /** Waiters queued on both sides, in arrival order. */
  private readonly pending: PendingWaiter[] = [];
  private waiterCount = 0;
  /** Every lease handed out in this sequence, stale ones included. */
  private readonly leases: LeaseRef[] = [];
  /** Server time of the last snapshot (s): the model's clock. */
  private now = 0;
  /** The lease or lock the current step picked, for its description. */
  private picked = '';

  /**
   * @param outcomes tally of `op:outcome` (e.g. `releaseLease:false`), to show that the
   *                 interesting cases really occur.
   */
  constructor(
    readonly allocator: RedisAllocatorCore,
    private readonly outcomes: Map<string, number> = new Map(),
  ) {
    this.model = new AllocatorModel(allocator.shared);
  }

  async start(): Promise<void> {
    const [seconds] = await rawClient(this.allocator).time();
    this.now = Number(seconds);
  }

  /**
   * Runs `op` on both sides and checks everything; throws (an expect error) on any difference.
   * @returns what happened, for the failure report: the lease picked (if any) and Redis's result.
   */
  async step(op: Op): Promise<string> {
    this.picked = '';
    const [actual, expected] = await this.apply(op);
    const happened = `${this.picked}→ ${show(actual)}`;
    expect(actual, `result of ${describeOp(op)} (Redis vs model)`).toEqual(expected);
    const outcome = `${op.op}:${outcomeClass(actual)}`;
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    await this.checkState(op.op === 'gc');
    return happened;
  }

  /** Deletes every key the sequence may have written. */
  async cleanup(): Promise<void> {
    for (const waiter of this.pending.splice(0)) waiter.controller.abort(new Error('sequence over'));
    await this.allocator.close();
    const { pool, head, tail, gcCursor, fence, deadlines, lockPrefix, bindPrefix, legacyBindPrefix } =
      this.allocator.redisKeys;
    const { waiters, tickets, waiterArrival } = this.allocator.redisKeys;
    await rawClient(this.allocator).del(
      pool,
      head,
      tail,
      gcCursor,
      waiters,
      tickets,
      waiterArrival,
      fence,
      deadlines,
      ...KEYS.map((key) => lockPrefix + key),
      ...NAMES.flatMap((name) => [bindPrefix + name, legacyBindPrefix + name]),
    );
  }

  /** Every hand-off the model made reaches the same waiter on the Redis side, with the same key. */
  private async checkHandOffs(): Promise<void> {
    for (const { label, key, lock, fence } of this.model.takeHandOffs()) {
      const index = this.pending.findIndex((waiter) => waiter.label === label);
      expect(index, `waiter ${label} is pending`).toBeGreaterThanOrEqual(0);
      const [waiter] = this.pending.splice(index, 1);
      const timeout = new Promise<'late'>((resolve) =>
        setTimeout(() => resolve('late'), DELIVERY_MS).unref(),
      );
      const settled = await Promise.race([waiter!.settled, timeout]);
      expect(settled, `hand-off to ${label}`).not.toBe('late');
      const lease = (settled as { lease?: Lease | null }).lease;
      expect(lease?.key, `key handed to ${label} (Redis vs model)`).toBe(key);
      expect(lease?.fence, `fence of the hand-off to ${label} (Redis vs model)`).toBe(fence);
      this.leases.push(lease!);
      if (lease!.token !== '') this.model.learnToken(key, lease!.token, lock);
    }
  }

  private async checkState(afterFullGc: boolean): Promise<void> {
    await this.checkHandOffs();
    expect(await this.allocator.queueLength(), 'queued waiters (Redis vs model)').toBe(
      this.model.queueLength(),
    );
    const readStarted = performance.now();
    const snapshot = await takeSnapshot(this.allocator);
    expect(checkInvariants(snapshot, { shared: this.allocator.shared }), 'invariants').toEqual([]);
    // INV-6: a full GC pass leaves no allocated entry without a lock behind.
    if (afterFullGc) expect(reclaimableKeys(snapshot), 'INV-6 after a full GC pass').toEqual([]);
    const { state, encoding, pttls } = await observeRedis(this.allocator, snapshot, KEYS, NAMES);
    const readMs = performance.now() - readStarted;
    // The model's GC and key order assume a listpack hash (allocator-model.ts header).
    expect(encoding ?? 'listpack', 'pool hash encoding').toBe('listpack');
    const expected = this.model.observe();
    // A script ran between the previous snapshot (the model's clock) and this one.
    const elapsed = Math.floor(snapshot.now) - Math.floor(this.now);
    expect(alignWithModel(state, expected, elapsed), 'Redis state vs model').toEqual(expected);
    expect(
      ttlsOutOfBounds(this.model.timedTtls(), pttls, snapshot.now, readMs),
      'lock and binding TTLs vs model',
    ).toEqual([]);
    for (const entry of state.entries) this.model.adoptExpiry(entry.key, entry.expiry);
    this.now = snapshot.now;
  }

  private lease(index: number): LeaseRef {
    const lease = this.leases.at(-1 - index) ?? { key: KEYS[index % KEYS.length]!, token: 'forged-token' };
    this.picked = `lease ${show(lease)} `;
    return lease;
  }

  /** @returns [Redis result, model result]. */
  private async apply(op: Op): Promise<[unknown, unknown]> {
    const { allocator: real, model, now } = this;
    switch (op.op) {
      case 'noop':
        return [null, null];
      case 'extend':
        await real.extend(op.keys, { timeout: op.timeout });
        model.extend(op.keys, lifetimeOf(op.timeout ?? DEFAULTS.entryLifetime), now);
        return [null, null];
      case 'assign':
        await real.assign(op.keys, { timeout: op.timeout });
        model.assign(op.keys, lifetimeOf(op.timeout ?? DEFAULTS.entryLifetime), now);
        return [null, null];
      case 'shrink':
        await real.shrink(op.keys);
        model.shrink(op.keys);
        return [null, null];
      case 'clear':
        await real.clear();
        model.clear();
        return [null, null];
      case 'mallocKey':
      case 'acquireLease': {
        const gcCount = op.op === 'acquireLease' ? op.gcCount : 0;
        const options = { timeout: op.timeout, name: op.name, cacheTimeout: op.cacheTimeout };
        let actual: { key: string; fence: number } | string | null;
        let token: string | null = null;
        if (op.op === 'mallocKey') {
          actual = await real.mallocKey(options);
        } else {
          const lease = await real.acquireLease({ ...options, gcCount });
          if (lease) this.leases.push(lease);
          actual = lease === null ? null : { key: lease.key, fence: lease.fence };
          token = lease?.token ?? null;
        }
        const granted = model.malloc({
          now,
          leaseTtlMs: ttlMsOf(op.timeout ?? DEFAULTS.leaseTimeout),
          name: op.name ?? '',
          bindingTtlMs: ttlMsOf(op.cacheTimeout ?? DEFAULTS.bindingTimeout),
          gc: gcCount > 0,
          token,
        });
        // mallocKey shows only the key; the model's fence counter moves all the same.
        return [actual, op.op === 'mallocKey' ? (granted?.key ?? null) : granted];
      }
      case 'acquireKey': {
        const lease = await real.acquireKey(op.key, { timeout: op.timeout });
        if (lease) this.leases.push(lease);
        const ttlMs = ttlMsOf(op.timeout ?? DEFAULTS.leaseTimeout);
        // The token is random: the model takes Redis's (or a placeholder when Redis refused).
        return [lease?.fence ?? 0, model.acquireKey(op.key, lease?.token ?? 'refused', ttlMs, now)];
      }
      case 'releaseLease': {
        const lease = this.lease(op.lease);
        const lifetime = op.timeout === undefined ? undefined : lifetimeOf(op.timeout);
        const cooldown = op.cooldown ?? 0;
        return [
          await real.releaseLease(lease, { timeout: op.timeout, cooldown }),
          model.release(lease, lifetime, now, ttlMsOf(cooldown)),
        ];
      }
      case 'renewLease': {
        const lease = this.lease(op.lease);
        const ttlMs = ttlMsOf(op.timeout ?? DEFAULTS.leaseTimeout);
        return [await real.renewLease(lease, op.timeout), model.renew(lease, ttlMs, now)];
      }
      case 'freeKeys': {
        const lifetime = op.timeout === undefined ? undefined : lifetimeOf(op.timeout);
        await real.freeKeys(op.keys, { timeout: op.timeout });
        model.freeKeys(op.keys, lifetime, now);
        return [null, null];
      }
      case 'updateSoftBind':
        await real.updateSoftBind(op.name, op.key, op.timeout);
        model.updateSoftBind(op.name, op.key, ttlMsOf(op.timeout ?? DEFAULTS.bindingTimeout), now);
        return [null, null];
      case 'unbindSoftBind':
        await real.unbindSoftBind(op.name);
        model.unbindSoftBind(op.name);
        return [null, null];
      case 'getSoftBind':
        return [await real.getSoftBind(op.name), model.getSoftBind(op.name)];
      case 'gc':
        return [await real.gc(op.count), model.gc(now, op.count)];
      case 'getFreeList':
        return [await real.getFreeList(), model.getFreeList()];
      case 'has':
        return [await real.has(op.key), model.has(op.key)];
      case 'size':
        return [await real.size(), model.size()];
      case 'keys':
        return [await real.keys(), model.keys()];
      case 'iterate': {
        const seen: string[] = [];
        for await (const key of real) seen.push(key);
        return [seen, model.keys()];
      }
      case 'itemsLockedStatus':
        return [await real.itemsLockedStatus(), model.itemsLockedStatus()];
      case 'leaseExpires': {
        const locked = model.lockedKeys();
        const key = locked[op.lock % Math.max(1, locked.length)] ?? KEYS[0];
        this.picked = `key ${show(key)} `;
        return [await this.expireTimed(real.redisKeys.lockPrefix + key), model.expireLock(key)];
      }
      case 'bindingExpires':
        return [await this.expireTimed(real.redisKeys.bindPrefix + op.name), model.expireBinding(op.name)];
      case 'entryExpires': {
        const past = Math.floor(now) - PAST;
        return [await this.expireEntry(op.key, past), model.expireEntry(op.key, past)];
      }
      case 'deadlinePasses':
        return [await this.deadlinePasses(op.key), model.deadlinePasses(op.key)];
      case 'quarantine':
        await real.update(op.key, QUARANTINE);
        model.update(op.key, QUARANTINE.value, ttlMsOf(QUARANTINE.timeout), now);
        return [null, null];
      case 'unlock':
        return [await real.unlock(op.key), model.unlock(op.key)];
      case 'waitingMalloc':
        return this.waitingMalloc(op);
      case 'cancelWaiter': {
        const waiter = this.pending[op.waiter % Math.max(1, this.pending.length)];
        if (waiter === undefined) return [null, null];
        this.pending.splice(this.pending.indexOf(waiter), 1);
        this.picked = `${waiter.label} `;
        const reason = new Error(`${waiter.label} gives up`);
        waiter.controller.abort(reason);
        const settled = await waiter.settled;
        return [settled.error === reason, model.cancel(waiter.label)];
      }
    }
  }

  /** Starts a waiting malloc; answers its key when it got one at once, else 'queued' once it is. */
  private async waitingMalloc(op: Extract<Op, { op: 'waitingMalloc' }>): Promise<[unknown, unknown]> {
    const { allocator: real, model, now } = this;
    const label = `w${++this.waiterCount}`;
    this.picked = `${label} `;
    const controller = new AbortController();
    // Queued = a ticket that was not in the queue before. Not a count: the waiting malloc's own
    // deadline pop can hand a key to an earlier waiter first, so the length may stay the same.
    const { waiters } = real.redisKeys;
    const redis = rawClient(real);
    const queuedBefore = new Set(await redis.zrange(waiters, 0, -1));
    const newTicket = async () => (await redis.zrange(waiters, 0, -1)).some((m) => !queuedBefore.has(m));
    const settled: PendingWaiter['settled'] = real
      .acquireLease({
        timeout: op.timeout,
        name: op.name,
        cacheTimeout: op.cacheTimeout,
        wait: Number.POSITIVE_INFINITY,
        priority: op.priority,
        signal: controller.signal,
      })
      .then(
        (lease) => ({ lease }),
        (error: unknown) => ({ error }),
      );
    let answered = false;
    const queued = (async () => {
      // A call that neither answers nor queues is a failure to report, not a hang to time out on.
      const giveUpAt = Date.now() + ANSWER_OR_QUEUE_MS;
      while (!answered && !(await newTicket())) {
        if (Date.now() > giveUpAt)
          throw new Error(
            `${label}: the waiting malloc neither answered nor queued within ${ANSWER_OR_QUEUE_MS} ms`,
          );
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return 'queued' as const;
    })();
    void queued.catch(() => undefined); // a give-up after the call answered is not a failure
    const first = await Promise.race([settled, queued]);
    answered = true;
    const expected = model.waitMalloc(
      {
        now,
        leaseTtlMs: ttlMsOf(op.timeout ?? DEFAULTS.leaseTimeout),
        name: op.name ?? '',
        bindingTtlMs: ttlMsOf(op.cacheTimeout ?? DEFAULTS.bindingTimeout),
        gc: false,
        token: null,
      },
      label,
      op.priority,
    );
    if (first === 'queued') {
      this.pending.push({ label, controller, settled });
      return ['queued', expected];
    }
    await queued;
    if (first.lease) {
      this.leases.push(first.lease);
      if (first.lease.token !== '') model.learnToken(first.lease.key, first.lease.token);
    }
    const actual = first.lease ? { key: first.lease.key, fence: first.lease.fence } : first.error;
    return [actual, expected];
  }

  /** An indexed key's deadline passes: score 0 (due) and its timed lock runs out. */
  private async deadlinePasses(key: string): Promise<boolean> {
    const { deadlines, lockPrefix } = this.allocator.redisKeys;
    const redis = rawClient(this.allocator);
    if ((await redis.zscore(deadlines, key)) === null) return false;
    await redis.zadd(deadlines, 0, key);
    await this.expireTimed(lockPrefix + key);
    return true;
  }

  /** A timed Redis key runs out (DEL); keys without a TTL never do. */
  private async expireTimed(redisKey: string): Promise<boolean> {
    const redis = rawClient(this.allocator);
    if ((await redis.pttl(redisKey)) <= 0) return false;
    return (await redis.del(redisKey)) === 1;
  }

  /** A timed pool entry reaches its expiry: its expiry field becomes `past`, links kept. */
  private async expireEntry(key: string, past: number): Promise<boolean> {
    const { redisKeys } = this.allocator;
    const redis = rawClient(this.allocator);
    const value = await redis.hget(redisKeys.pool, key);
    if (value === null) return false;
    const [prev, next, expiry] = value.split('||');
    if (!(Number(expiry) > 0)) return false;
    await redis.hset(redisKeys.pool, key, `${prev}||${next}||${past}`);
    return true;
  }
}

/** `null`, `true`, `false`, `0`, `>0`, `key`, `[]` or `[…]`: enough to see which branches ran. */
function outcomeClass(result: unknown): string {
  if (typeof result === 'number') return result > 0 ? '>0' : '0';
  if (result === 'queued') return 'queued';
  if (typeof result === 'string') return 'key';
  if (Array.isArray(result)) return result.length > 0 ? '[…]' : '[]';
  if (result !== null && typeof result === 'object') return 'key';
  return String(result);
}
