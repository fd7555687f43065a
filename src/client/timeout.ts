/**
 * The operation timeout (DESIGN.md §14, "every call settles"), implemented once for every client
 * family: a decorator over `RedisConnection` that bounds each send.
 *
 * Cheap on the hot path: sends of one connection share one bound, so their deadlines arrive in
 * the order they were sent. Pending sends wait in a FIFO and **one** unref'd timer is armed for the
 * oldest deadline; a settled send is only marked, and leaves the queue when it reaches the front.
 * A send pays one small record and a clock read, never a timer of its own.
 */
import { performance } from 'node:perf_hooks';
import { OperationTimeoutError } from '../errors.js';
import type { DedicatedConnection, RedisArg, RedisConnection, RedisReply, SendOptions } from './types.js';

/**
 * `connection` with every send bounded by `timeoutMs` (unless the send asks for its own bound);
 * `Infinity` returns `connection` itself, so opting out costs nothing.
 */
export function withOperationTimeout(connection: RedisConnection, timeoutMs: number): RedisConnection {
  return timeoutMs === Number.POSITIVE_INFINITY ? connection : new TimeoutConnection(connection, timeoutMs);
}

/** A send waiting for its reply. */
interface Pending {
  readonly deadline: number;
  readonly command: string;
  settled: boolean;
  reject: (error: unknown) => void;
}

/** Pending sends in deadline order, with one timer for the oldest. */
class DeadlineQueue {
  private items: Pending[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  add(entry: Pending): void {
    this.items.push(entry);
    if (this.timer === undefined) this.arm(entry.deadline);
  }

  /** Drops settled sends from the front, so the queue stays as long as what is in flight. */
  compact(): void {
    const { items } = this;
    while (this.head < items.length && items[this.head]!.settled) this.head++;
    if (this.head === items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }

  private arm(deadline: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(1, deadline - performance.now()));
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    this.compact();
    while (this.head < this.items.length) {
      const entry = this.items[this.head]!;
      if (!entry.settled) {
        if (entry.deadline > now) break;
        entry.settled = true;
        entry.reject(new OperationTimeoutError(entry.command, this.timeoutMs));
      }
      this.head++;
    }
    this.compact();
    if (this.head < this.items.length) this.arm(this.items[this.head]!.deadline);
  }
}

class TimeoutConnection implements RedisConnection {
  private readonly queue: DeadlineQueue;

  constructor(
    private readonly inner: RedisConnection,
    readonly operationTimeoutMs: number,
  ) {
    this.queue = new DeadlineQueue(operationTimeoutMs);
  }

  get family() {
    return this.inner.family;
  }

  get isCluster() {
    return this.inner.isCluster;
  }

  connectionMark(routingKey?: string): unknown {
    return this.inner.connectionMark(routingKey);
  }

  send(
    command: string,
    args: readonly RedisArg[],
    routingKey?: string,
    options?: SendOptions,
  ): Promise<RedisReply> {
    const reply = this.inner.send(command, args, routingKey, options);
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs === undefined) return this.bound(reply, command);
    // A send with its own bound (a blocking command, the NOSCRIPT fallback) does not fit the
    // queue's order: it gets a timer of its own.
    return timeoutMs === Number.POSITIVE_INFINITY ? reply : withTimer(reply, timeoutMs, command);
  }

  private bound<T>(reply: Promise<T>, command: string): Promise<T> {
    const queue = this.queue;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        deadline: performance.now() + this.operationTimeoutMs,
        command,
        settled: false,
        reject,
      };
      queue.add(entry);
      reply.then(
        (value) => {
          entry.settled = true;
          resolve(value);
          queue.compact();
        },
        (error: unknown) => {
          entry.settled = true;
          reject(error);
          queue.compact();
        },
      );
    });
  }

  async openDedicated(): Promise<DedicatedConnection> {
    const opening = this.inner.openDedicated();
    let dedicated: DedicatedConnection;
    try {
      dedicated = await withTimer(opening, this.operationTimeoutMs, 'connect');
    } catch (error) {
      // A connection that arrives after we gave up must not stay open.
      opening.then((late) => late.close()).catch(() => {});
      throw error;
    }
    const decorated = new TimeoutConnection(dedicated, this.operationTimeoutMs) as TimeoutConnection &
      DedicatedConnection;
    decorated.close = () => dedicated.close();
    return decorated;
  }
}

/** `promise`, or an `OperationTimeoutError` after `timeoutMs`, whichever comes first. */
function withTimer<T>(promise: Promise<T>, timeoutMs: number, command: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new OperationTimeoutError(command, timeoutMs)), timeoutMs);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
