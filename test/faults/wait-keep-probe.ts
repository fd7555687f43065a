/**
 * Waiting and keep-alive across a fault (DESIGN.md §10, §11, §14). Before each fault the probe
 * holds every key of its own small pool with kept-alive leases (one allocator) and queues waiters
 * on another allocator (so the waiters' mailbox loop runs on that allocator's own blocking
 * connection). After the fault it checks:
 * - the queue survived: every waiter still pending is still queued (a key can only leave the
 *   queue's reach by a hand-off, possible only once a kept-alive lease was reported lost);
 * - each kept-alive lease either still renews (its lock still holds its token after its first TTL
 *   ran out, its signal not aborted) or has its signal aborted with `LeaseLostError`
 *   'expired'/'unreachable' — never silently lost;
 * then releases one lease (a hand-off to the first waiter through the reconnected mailbox loop),
 * aborts the second waiter and lets the third run out; every waiter must settle within its bound.
 * Every lease (kept-alive ones until their release or loss report) goes into the run's lease
 * timeline, so the double-allocation oracle covers the probe's pool too.
 */
import { performance } from 'node:perf_hooks';
import type { Cluster, Redis } from 'ioredis';
import {
  allocatorKeys,
  LeaseLostError,
  type RedisAllocator,
  type RedisAllocatorObject,
  RedisUnavailableError,
} from '../../src/index.js';
import type { LeaseInterval, LeaseTimeline } from '../stress/lease-timeline.js';
import { LEASE_SECONDS, OPERATION_TIMEOUT, SETTLE_MARGIN_SECONDS } from './config.js';

/** Keys of the probe's pool: all held by kept-alive leases while the fault strikes. */
export const PROBE_KEYS = 2;
/** Waiters queued per fault. */
const WAITERS = 3;
/** How long each waiter waits, in seconds: well past the fault and the post-fault checks. */
const WAIT_SECONDS = LEASE_SECONDS * 2;
/** How long `arm` waits for a key to hold, in ms: an earlier round's leases are all released by then. */
const ARM_BOUND_MS = (WAIT_SECONDS + 2) * 1000;
/** A waiter must settle within its wait, one operationTimeout (the last call) and slack. */
const SETTLE_BOUND_MS = (WAIT_SECONDS + OPERATION_TIMEOUT + SETTLE_MARGIN_SECONDS) * 1000;

export interface ProbeFigures {
  waiters: number;
  /** Waiters that got a key (a hand-off). */
  served: number;
  /** Waiters that settled otherwise: null (wait ran out), aborted, or RedisUnavailableError. */
  settled: number;
  keptAlive: number;
  /** Kept-alive leases still renewing after the fault. */
  resumed: number;
  /** Kept-alive leases whose loss was reported ('expired' / 'unreachable'). */
  reported: number;
  /** Each a broken promise: a hung or lost waiter, a silently lost lease, a wrong loss reason. */
  findings: string[];
}

/** Test-only variants that break what the probe checks (its self-test). */
export interface ProbeSabotage {
  /** Runs after the fault, right before the probe reads the queue and the locks. */
  tamper?(admin: Redis | Cluster, keys: { waiters: string; lockPrefix: string }): Promise<void>;
  /** The last waiter of each round is a call that never settles (a wait that hangs). */
  hang?: boolean;
}

interface Held {
  obj: RedisAllocatorObject;
  interval: LeaseInterval;
  acquiredAt: number;
}

export class WaitKeepProbe {
  readonly figures: ProbeFigures = {
    waiters: 0,
    served: 0,
    settled: 0,
    keptAlive: 0,
    resumed: 0,
    reported: 0,
    findings: [],
  };
  #pending = new Set<Promise<void>>();
  /** Each unsettled waiter's wait deadline (performance.now() ms): its ticket is live until then. */
  #unsettled = new Map<symbol, number>();
  #held: Held[] = [];
  #aborts: AbortController[] = [];

  constructor(
    readonly prefix: string,
    private readonly holders: RedisAllocator,
    private readonly waiters: RedisAllocator,
    private readonly admin: Redis | Cluster,
    private readonly timeline: LeaseTimeline,
    private readonly sabotage: ProbeSabotage = {},
  ) {}

  /**
   * Before a fault: hold every key with kept-alive leases and queue the waiters behind them. A
   * round arms at least one lease when a key comes back within ARM_BOUND_MS: a key can still be out
   * (an earlier round's lease, a waiter holding its hand-off), and a round with none has nothing to
   * resume or report (the AOF case failed by chance so: "kept-alive 2 (resumed 2, reported 0)").
   */
  async arm(): Promise<void> {
    const armBy = performance.now() + ARM_BOUND_MS;
    for (;;) {
      for (let i = this.#held.length; i < PROBE_KEYS; i++) {
        const sentAt = performance.now();
        const obj = await this.holders.malloc({ timeout: LEASE_SECONDS, keepAlive: true }).catch(() => null);
        if (obj === null) break; // a key still out, or Redis busy: fewer this round
        const acquiredAt = performance.now();
        // Guaranteed until released or reported lost: the keep-alive contract under test.
        const interval = this.#record(obj, 'keep-alive', sentAt, acquiredAt, Number.POSITIVE_INFINITY);
        obj.signal.addEventListener('abort', () => this.timeline.released(interval, performance.now()));
        this.#held.push({ obj, interval, acquiredAt });
        this.figures.keptAlive++;
      }
      if (this.#held.length > 0 || performance.now() >= armBy) break;
      await pause(100);
    }
    this.#aborts = [];
    for (let i = 0; i < WAITERS; i++) {
      const controller = new AbortController();
      this.#aborts.push(controller);
      const hang = this.sabotage.hang === true && i === WAITERS - 1;
      this.#startWaiter(WAITERS - i, controller.signal, hang);
    }
    const deadline = performance.now() + 2000;
    while (performance.now() < deadline && (await this.#queued()) < this.#unsettled.size) await pause(20);
  }

  /** After a fault: the checks, then a release (hand-off), an abort and a wait left to run out. */
  async check(): Promise<void> {
    // Past the first TTL of every lease: a lock still holding its token was renewed after the fault.
    const oldest = Math.min(...this.#held.map((held) => held.acquiredAt), performance.now());
    await pause(Math.max(0, oldest + LEASE_SECONDS * 1000 + 300 - performance.now()));
    const { waiters, lockPrefix } = allocatorKeys(this.prefix, 'allocator');
    await this.sabotage.tamper?.(this.admin, { waiters, lockPrefix });
    const servedBefore = this.figures.served;
    // Only waiters whose wait has not run out must still be queued: a ticket past its deadline is
    // pruned by Redis while its caller may not have settled yet (its last call can still be in flight
    // after a long crash). The server's deadline is at least sentAt + wait, so one still ahead of
    // `readAt` cannot have been pruned.
    const readAt = performance.now();
    const queued = await this.#retry(() => this.#queued());
    const pending = [...this.#unsettled.values()].filter((deadline) => deadline > readAt).length;
    const resumedBefore = this.figures.resumed;
    const locks = await this.#retry(() =>
      this.#held.length === 0
        ? Promise.resolve([])
        : this.admin.mget(...this.#held.map((held) => lockPrefix + held.obj.key)),
    );
    this.#held.forEach((held, i) => {
      const { signal, key, token } = held.obj;
      if (!signal.aborted) {
        if (locks[i] === token) this.figures.resumed++;
        else this.figures.findings.push(`kept-alive lease on ${key} silently lost (lock ${locks[i]})`);
      } else if (
        signal.reason instanceof LeaseLostError &&
        (signal.reason.reason === 'expired' || signal.reason.reason === 'unreachable')
      ) {
        this.figures.reported++;
      } else {
        this.figures.findings.push(`kept-alive lease on ${key} ended with ${String(signal.reason)}`);
      }
    });
    // Every pending waiter is queued, except those a hand-off already took out (they are served
    // within moments). A hand-off needs a key not under a renewing lease of this round: one a lost
    // lease let go, or one an earlier round's release left to expire while Redis was down.
    const keysOut = PROBE_KEYS - (this.figures.resumed - resumedBefore);
    await pause(500);
    const handedOff = this.figures.served - servedBefore;
    if (queued + keysOut + handedOff < pending)
      this.figures.findings.push(
        `${pending} waiters pending but ${queued} queued (${keysOut} keys out of renewing leases, ${handedOff} served since)`,
      );
    const [first, ...rest] = this.#held;
    this.#held = [];
    if (first) await this.#release(first);
    this.#aborts[1]?.abort(new Error('probe: abort a waiter'));
    // The other leases go once the last waiter ran out, so that it settles by its wait.
    this.#track(
      (async () => {
        await pause(WAIT_SECONDS * 1000 + 200);
        for (const held of rest) await this.#release(held);
      })(),
    );
  }

  /** Every waiter settled within its bound (else: a finding), and every lease released. */
  async finish(): Promise<void> {
    for (const held of this.#held) await this.#release(held);
    this.#held = [];
    await Promise.all([...this.#pending]);
  }

  #startWaiter(priority: number, signal: AbortSignal, hang: boolean): void {
    this.figures.waiters++;
    const sentAt = performance.now();
    const id = Symbol('waiter');
    this.#unsettled.set(id, sentAt + WAIT_SECONDS * 1000);
    let bound: ReturnType<typeof setTimeout> | undefined;
    const malloc = hang
      ? new Promise<null>(() => undefined)
      : this.waiters.malloc({ timeout: LEASE_SECONDS, wait: WAIT_SECONDS, priority, signal });
    const call = malloc.then(
      async (obj) => {
        if (obj === null) return void this.figures.settled++;
        this.figures.served++;
        const interval = this.#record(obj, 'waiter', sentAt, performance.now(), LEASE_SECONDS * 1000);
        await pause(20);
        this.timeline.released(interval, performance.now());
        await obj.release().catch(() => undefined);
      },
      (error: unknown) => {
        this.figures.settled++;
        if (signal.aborted || error instanceof RedisUnavailableError) return;
        this.figures.findings.push(`waiter rejected with ${String(error)}`);
      },
    );
    const hung = new Promise<void>((resolve) => {
      bound = setTimeout(() => {
        this.figures.findings.push(`a waiter (priority ${priority}) did not settle within its bound`);
        resolve();
      }, SETTLE_BOUND_MS);
    });
    this.#track(
      Promise.race([call.finally(() => this.#unsettled.delete(id)), hung]).finally(() => clearTimeout(bound)),
    );
  }

  #record(
    obj: RedisAllocatorObject,
    holder: string,
    sentAt: number,
    repliedAt: number,
    ttlMs: number,
  ): LeaseInterval {
    const lease = { pool: this.prefix, key: obj.key, token: obj.token, holder: `probe:${holder}` };
    return this.timeline.acquired(lease, sentAt, repliedAt, ttlMs);
  }

  async #release(held: Held): Promise<void> {
    this.timeline.released(held.interval, performance.now());
    await held.obj.release().catch(() => undefined);
  }

  #track(promise: Promise<void>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }

  #queued(): Promise<number> {
    return this.admin.zcard(allocatorKeys(this.prefix, 'allocator').waiters);
  }

  async #retry<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await read();
      } catch (error) {
        if (attempt >= 20) throw error;
        await pause(100);
      }
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
