/**
 * When the default policy refreshes the pool. Each policy instance remembers, per allocator, when
 * to try next, so a malloc normally costs no extra round trip; the attempt itself runs in the
 * background and takes the fleet-wide lock `redisKeys.policyLock` (`SET NX PX`), so the pool is
 * refreshed at most once per interval across every process, Python peers included.
 */
import { RedisCommands } from '../../client/index.js';
import type { Logger } from '../logger.js';
import type { RedisAllocator } from '../redis-allocator.js';

export class RefreshScheduler {
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #refresh: (allocator: RedisAllocator) => Promise<void>;
  /** Per allocator: Unix ms before which this process does not try again. */
  readonly #nextAttempt = new WeakMap<RedisAllocator, number>();
  readonly #running = new Set<Promise<void>>();

  constructor(
    intervalSeconds: number,
    logger: Logger,
    refresh: (allocator: RedisAllocator) => Promise<void>,
  ) {
    this.#intervalMs = Math.max(1, Math.ceil(intervalSeconds * 1000));
    this.#logger = logger;
    this.#refresh = refresh;
  }

  /** Starts a background attempt if this allocator's is due; returns at once. */
  poke(allocator: RedisAllocator): void {
    const now = Date.now();
    if (now < (this.#nextAttempt.get(allocator) ?? 0)) return;
    this.#nextAttempt.set(allocator, now + this.#intervalMs);
    const task: Promise<void> = this.#attempt(allocator)
      .catch((error: unknown) => {
        // The fleet lock stays until the interval ends: the next refresh (here or elsewhere) retries.
        this.#logger.warn('pool refresh failed; it is retried at the next interval', { error });
      })
      .finally(() => this.#running.delete(task));
    this.#running.add(task);
  }

  /** Resolves when no attempt is running. */
  async whenIdle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async #attempt(allocator: RedisAllocator): Promise<void> {
    const lockKey = allocator.redisKeys.policyLock;
    // One round trip: both commands leave in the same tick, so the client pipelines them.
    const commands = new RedisCommands(allocator.connection);
    const [acquired, ttlMs] = await Promise.all([
      commands.set(lockKey, '1', this.#intervalMs, true),
      commands.pttl(lockKey),
    ]);
    if (acquired) {
      await this.#refresh(allocator);
      return;
    }
    // Another process refreshed: try again right when its lock ends, not a full interval later.
    if (ttlMs >= 0) this.#nextAttempt.set(allocator, Date.now() + ttlMs);
  }
}
