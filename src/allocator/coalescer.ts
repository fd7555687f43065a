/**
 * Coalescing of concurrent operations (issue 13): the calls one allocator instance makes in the
 * same tick with the same options go to Redis as one script call. Redis runs scripts one at a
 * time, so the fixed cost of a script call (parsing, building KEYS/ARGV, the Lua GC) and the
 * free-list writes are paid once per batch, not per caller. Callers are served in arrival order
 * and each gets its own result (for malloc: its own key, locked with its own owner token).
 */

interface Waiter<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/** Sends one batch: resolves with one result per item, in item order. */
export type SendBatch<O, I, R> = (options: O, items: readonly I[]) => Promise<readonly R[]>;

/** Most callers one script call serves: bounds how long a batch holds Redis's script thread. */
export const MAX_BATCH = 64;

/** Queues of callers by options (`O`: the script arguments every caller of a batch shares). */
export class Coalescer<O, I, R> {
  readonly #send: SendBatch<O, I, R>;
  readonly #queues = new Map<string, { options: O; waiters: Waiter<I, R>[] }>();

  constructor(send: SendBatch<O, I, R>) {
    this.#send = send;
  }

  /**
   * Queues one call; every request with the same `batchKey` (a string naming `options`) made
   * before the current microtask queue drains goes out in the same script call (a lone call
   * waits one microtask).
   */
  request(batchKey: string, options: O, item: I): Promise<R> {
    let queue = this.#queues.get(batchKey);
    if (queue === undefined) {
      queue = { options, waiters: [] };
      this.#queues.set(batchKey, queue);
      queueMicrotask(() => this.#flush(batchKey));
    }
    const { waiters } = queue;
    return new Promise((resolve, reject) => {
      waiters.push({ item, resolve, reject });
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
        batch.map((waiter) => waiter.item),
      ).then(
        (results) => {
          batch.forEach((waiter, i) => {
            waiter.resolve(results[i]!);
          });
        },
        (error: unknown) => {
          for (const waiter of batch) waiter.reject(error);
        },
      );
    }
  }
}
