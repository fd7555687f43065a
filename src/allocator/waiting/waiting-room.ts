/**
 * The waiters of one allocator instance (DESIGN.md §10). A waiting malloc queues a ticket in Redis
 * (the malloc script itself); a key that comes back is handed to the first live ticket by the Lua
 * `handOff` and posted to the ticket's instance mailbox, which this room's `MailboxLoop` reads.
 * Everything a waiter leaves in Redis is removed when it gives up (`cancel` script), and a key
 * that reaches a waiter who gave up is released again, to the next waiter.
 */
import { randomBytes } from 'node:crypto';
import type { RedisConnection, RedisReply } from '../../client/index.js';
import type { Durability } from '../../durability.js';
import { AllocatorClosedError } from '../../errors.js';
import type { AllocatorKeys } from '../../keys.js';
import type { LuaScript, ScriptArg } from '../../scripts/loader.js';
import { fencedToken } from '../holder.js';
import type { Lease } from '../types.js';
import { MailboxLoop } from './mailbox-loop.js';
import type { WaitRequest } from './options.js';
import { waitingScripts } from './scripts.js';
import { type EnqueueResult, type GiveUp, Waiter } from './waiter.js';

/** Shortest time an instance counts as alive after its last sign of life (its tickets are skipped after). */
const MIN_LIVENESS_MS = 5000;
/** Pool entries the drain's GC step visits. */
const DRAIN_GC_COUNT = 10;
/** Longest delay `setTimeout` takes; longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the room needs from its allocator. */
export interface WaitingRoomHost {
  readonly connection: RedisConnection;
  readonly keys: AllocatorKeys;
  /** At most one drain per this many milliseconds, while the instance has waiters. */
  readonly drainIntervalMs: number;
  /** Runs a script with the allocator's pool key list and lock prefix as ARGV[1]. */
  runPoolScript(script: LuaScript, args: readonly ScriptArg[]): Promise<RedisReply>;
  /** Token-checked release: the key goes to the next waiter first. */
  release(lease: Lease): Promise<unknown>;
  /** With durability, a hand-off is granted only once the replicas have it (DESIGN.md §14). */
  readonly durability?: Durability | undefined;
}

export class WaitingRoom {
  /** Names this allocator instance in tickets, its mailbox and its liveness key. */
  readonly instance = randomBytes(8).toString('hex');
  /** How long the instance's liveness key lives after each refresh (three drain periods, >= 5 s). */
  readonly livenessMs: number;
  readonly #waiters = new Map<string, Waiter>();
  readonly #loop: MailboxLoop;
  #sequence = 0;
  #lastDrain = 0;
  /** `performance.now()` when the last call that refreshed the liveness key was sent. */
  #livenessSentAt = Number.NEGATIVE_INFINITY;
  /** Tickets the last drain found neither queued nor in the mailbox. */
  #missing = new Set<string>();

  constructor(private readonly host: WaitingRoomHost) {
    this.livenessMs = Math.max(MIN_LIVENESS_MS, 3 * host.drainIntervalMs);
    const mailbox = host.keys.mailboxPrefix + this.instance;
    const { durability } = host;
    this.#loop = new MailboxLoop(
      host.connection,
      mailbox,
      {
        deliver: (message) => this.deliver(message),
        undeliverable: (message) => this.undeliverable(message),
        hasWaiters: () => this.#waiters.size > 0,
        tick: () => this.#drainIfDue(),
      },
      durability && ((connection) => durability.begin(connection, mailbox).confirm('hand-off')),
    );
  }

  /** Number of waits of this instance in progress. */
  get size(): number {
    return this.#waiters.size;
  }

  /**
   * Waits for a key: `enqueue` runs the waiting malloc script for a ticket (it answers a key at
   * once or queues the ticket). Resolves with the lease, `null` when `waitMs` runs out, rejects
   * with the signal's reason on abort.
   */
  async acquire(
    request: WaitRequest,
    token: string,
    enqueue: (ticket: string, livenessTtl: string) => Promise<EnqueueResult>,
  ): Promise<Lease | null> {
    const waiter = new Waiter(`${this.instance}:${++this.#sequence}`, token, enqueue);
    this.#waiters.set(waiter.ticket, waiter);
    const disarm = this.#armGiveUps(waiter, request);
    void this.#enqueue(waiter);
    try {
      return await waiter.promise;
    } finally {
      disarm();
      this.#waiters.delete(waiter.ticket);
    }
  }

  /** Ends every wait in progress (they reject with `AllocatorClosedError`) and stops the loop. */
  async close(): Promise<void> {
    const reason = new AllocatorClosedError('the allocator was closed while waiting for a key');
    const waiters = [...this.#waiters.values()];
    await Promise.all(waiters.map((waiter) => this.#giveUp(waiter, { kind: 'reject', reason })));
    await Promise.all(waiters.map((waiter) => waiter.promise.catch(() => null)));
    await this.#loop.stop();
  }

  #armGiveUps(waiter: Waiter, request: WaitRequest): () => void {
    const { signal, waitMs } = request;
    let timer: NodeJS.Timeout | undefined;
    const deadline = performance.now() + waitMs;
    const arm = () => {
      const left = deadline - performance.now();
      if (left <= 0) return void this.#giveUp(waiter, { kind: 'timeout' });
      timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    if (Number.isFinite(waitMs)) arm();
    const onAbort = () => void this.#giveUp(waiter, { kind: 'reject', reason: signal?.reason });
    signal?.addEventListener('abort', onAbort, { once: true });
    return () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
  }

  async #enqueue(waiter: Waiter): Promise<void> {
    let result: EnqueueResult;
    const liveness = this.#livenessTtl();
    const sentAt = performance.now();
    try {
      result = await waiter.enqueue(waiter.ticket, liveness);
    } catch (error) {
      waiter.fail(error);
      return;
    }
    if (result === 'queued') {
      if (liveness !== '') this.#livenessRefreshed(sentAt);
      if (waiter.state === 'settled') return; // its key was delivered before this answer
      waiter.state = 'queued';
      this.#loop.start();
      if (waiter.giveUp !== undefined) await this.#cancel(waiter);
      return;
    }
    if (waiter.wantsKey) return waiter.grant(result);
    // Gave up while the script was in flight: the key it got goes straight back.
    await this.#releaseQuietly(result);
    waiter.finish();
  }

  async #giveUp(waiter: Waiter, giveUp: GiveUp): Promise<void> {
    if (!waiter.wantsKey) return;
    waiter.giveUp = giveUp;
    // 'enqueuing': #enqueue cancels (or releases) once the script answers.
    if (waiter.state === 'queued') await this.#cancel(waiter);
  }

  /** Removes the ticket, or releases a key already handed to it; then ends the wait. */
  async #cancel(waiter: Waiter): Promise<void> {
    try {
      await this.host.runPoolScript(waitingScripts.cancel, [waiter.ticket, this.instance, waiter.token]);
    } catch {
      // Redis unreachable: the ticket is skipped once this instance stops refreshing its liveness
      // key, and a key handed to it meanwhile comes back when its lease ends.
    }
    waiter.finish();
  }

  /**
   * A hand-off "<ticket>|<fence>|<token>|<key>" (tickets, fences and tokens hold no "|"; keys may),
   * read from the mailbox or answered by this instance's own release (local delivery, release.lua).
   */
  deliver(message: string): void {
    const { ticket, lease } = parseHandOff(message);
    const waiter = this.#waiters.get(ticket);
    if (waiter?.wantsKey) waiter.grant(lease);
    else void this.#releaseQuietly(lease); // nobody waits for it any more: to the next waiter
  }

  /**
   * A hand-off the replicas did not confirm (durability): its waiter must not hold a lock a
   * failover could lose, so the key goes back (to the next waiter first) and the waiter, whose
   * ticket the hand-off took, queues again.
   */
  undeliverable(message: string): void {
    const { ticket, lease } = parseHandOff(message);
    void this.#releaseQuietly(lease);
    const waiter = this.#waiters.get(ticket);
    if (waiter?.wantsKey && waiter.state === 'queued') {
      waiter.state = 'enqueuing';
      void this.#enqueue(waiter);
    }
  }

  async #drainIfDue(): Promise<void> {
    const now = performance.now();
    if (now - this.#lastDrain < this.host.drainIntervalMs) return;
    this.#lastDrain = now; // also keeps a second drain from starting while this one runs
    const queued = [...this.#waiters.values()].filter((w) => w.state === 'queued' && w.wantsKey);
    let lost: RedisReply;
    const sentAt = performance.now();
    try {
      lost = await this.host.runPoolScript(waitingScripts.drain, [
        this.instance,
        this.livenessMs,
        DRAIN_GC_COUNT,
        ...queued.map((waiter) => waiter.ticket),
      ]);
    } catch {
      return; // the next tick tries again
    }
    this.#livenessRefreshed(sentAt);
    // Tickets dropped as dead while this process stalled queue again (behind the others). A
    // ticket counts as lost only when two drains in a row miss it: a hand-off the mailbox loop
    // has read but not yet delivered is missing from Redis for a moment too.
    const missing = new Set((Array.isArray(lost) ? lost : []).map(String));
    for (const ticket of missing) {
      const waiter = this.#waiters.get(ticket);
      if (this.#missing.has(ticket) && waiter?.wantsKey && waiter.state === 'queued') {
        waiter.state = 'enqueuing';
        missing.delete(ticket);
        void this.#enqueue(waiter);
      }
    }
    this.#missing = missing;
  }

  /**
   * The liveness TTL a queueing malloc sends (malloc.lua): "" (leave the key alone) while the
   * last refresh is less than half the key's lifetime old. The drain refreshes it every second
   * while there are waiters, so only the first waiter after a quiet spell pays the write.
   */
  #livenessTtl(): string {
    return performance.now() - this.#livenessSentAt < this.livenessMs / 2 ? '' : String(this.livenessMs);
  }

  #livenessRefreshed(sentAt: number): void {
    this.#livenessSentAt = Math.max(this.#livenessSentAt, sentAt);
  }

  async #releaseQuietly(lease: Lease): Promise<void> {
    try {
      await this.host.release(lease);
    } catch {
      // Unreachable Redis: the lease runs out by itself and GC returns the key.
    }
  }
}

/** A hand-off message "<ticket>|<fence>|<token>|<key>" (see `WaitingRoom.deliver`). */
function parseHandOff(message: string): { ticket: string; lease: Lease } {
  const first = message.indexOf('|');
  const second = message.indexOf('|', first + 1);
  const third = message.indexOf('|', second + 1);
  const fence = Number(message.slice(first + 1, second));
  return {
    ticket: message.slice(0, first),
    lease: {
      fence,
      token: fencedToken(message.slice(second + 1, third), fence),
      key: message.slice(third + 1),
    },
  };
}
