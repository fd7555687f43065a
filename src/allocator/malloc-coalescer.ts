/**
 * Coalescing of concurrent allocations (issue 13): the unnamed exclusive mallocs one allocator
 * instance issues in the same tick go to Redis as one malloc script call that hands out one key
 * per caller. Redis runs scripts one at a time, so the fixed cost of a script call (parsing,
 * building KEYS/ARGV, the Lua GC) and the list writes are paid once per batch, not per caller.
 * Callers keep their own owner tokens and are served in arrival order (FIFO across the batch).
 */

/** One batch: the callers with identical options, in arrival order. */
interface Waiter {
  token: string;
  resolve(key: string | null): void;
  reject(error: unknown): void;
}

/** Sends one batch: resolves with the keys handed out, the i-th for the i-th token. */
export type SendBatch<O> = (options: O, tokens: readonly string[]) => Promise<readonly string[]>;

/** Most callers one script call serves: bounds how long a batch holds Redis's script thread. */
export const MAX_BATCH = 64;

/** Queues of callers by options (`O`: the script arguments every caller of a batch shares). */
export class MallocCoalescer<O> {
  readonly #send: SendBatch<O>;
  readonly #queues = new Map<string, { options: O; waiters: Waiter[] }>();

  constructor(send: SendBatch<O>) {
    this.#send = send;
  }

  /**
   * Queues one allocation; every request with the same `batchKey` (the call's options) made before
   * the current microtask queue drains goes out in the same script call.
   * @returns the key locked with `token`, or `null` when none was free.
   */
  request(batchKey: string, options: O, token: string): Promise<string | null> {
    let queue = this.#queues.get(batchKey);
    if (queue === undefined) {
      queue = { options, waiters: [] };
      this.#queues.set(batchKey, queue);
      queueMicrotask(() => this.#flush(batchKey));
    }
    const { waiters } = queue;
    return new Promise((resolve, reject) => {
      waiters.push({ token, resolve, reject });
    });
  }

  #flush(batchKey: string): void {
    const queue = this.#queues.get(batchKey);
    if (queue === undefined) return;
    this.#queues.delete(batchKey);
    const { options, waiters } = queue;
    for (let start = 0; start < waiters.length; start += MAX_BATCH) {
      const batch = waiters.slice(start, start + MAX_BATCH);
      this.#send(
        options,
        batch.map((waiter) => waiter.token),
      ).then(
        (keys) => {
          batch.forEach((waiter, i) => {
            waiter.resolve(keys[i] ?? null);
          });
        },
        (error: unknown) => {
          for (const waiter of batch) waiter.reject(error);
        },
      );
    }
  }
}
