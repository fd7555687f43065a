/**
 * Durability (DESIGN.md §14): after a state-changing write, `WAIT replicas timeout` on the same
 * connection (and, on a cluster, the same node) until that many replicas acknowledged it. Redis
 * replication is asynchronous, so without this a failover can lose the newest leases; `WAIT`
 * cannot run inside Lua, hence one extra round trip per write, and none when the option is off.
 */
import { performance } from 'node:perf_hooks';
import type { RedisConnection } from './client/index.js';
import { integerReply } from './client/index.js';
import { InvalidArgumentError, NotReplicatedError } from './errors.js';

/** The `durability` option of the allocator and the locks. */
export interface DurabilityOptions {
  /** Replicas that must acknowledge every write (a positive integer). */
  replicas: number;
  /**
   * Seconds to wait for the acknowledgements (positive, finite, fractional allowed); when they do
   * not come, the call fails closed with `NotReplicatedError`. A call then settles within
   * `operationTimeout + timeout`.
   */
  timeout: number;
}

/** Validated durability settings. */
export class Durability {
  private constructor(
    readonly replicas: number,
    readonly timeoutMs: number,
  ) {}

  /**
   * @returns `undefined` when `options` is `undefined` (durability off).
   * @throws InvalidArgumentError unless `replicas` is a positive integer and `timeout` a positive
   *         finite number of seconds (`WAIT 0` would block forever).
   */
  static from(options: DurabilityOptions | undefined): Durability | undefined {
    if (options === undefined) return undefined;
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(`durability must be { replicas, timeout }, got ${String(options)}`);
    }
    const { replicas, timeout } = options;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1) {
      throw new InvalidArgumentError(
        `durability.replicas must be a positive integer, got ${String(replicas)}`,
      );
    }
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      throw new InvalidArgumentError(
        `durability.timeout must be a positive finite number of seconds, got ${String(timeout)}`,
      );
    }
    return new Durability(replicas, Math.max(1, Math.ceil(timeout * 1000)));
  }

  /**
   * Waits until the writes sent so far on `connection` (to the node serving `routingKey`) reached
   * `replicas` replicas. The whole call, from `started` (a `performance.now()` taken before its
   * write) to here, stays within the operation timeout plus `timeout`.
   * @throws NotReplicatedError when fewer replicas acknowledged in time.
   */
  async confirm(
    connection: RedisConnection,
    routingKey: string,
    what: string,
    started: number = performance.now(),
  ): Promise<void> {
    const timeoutMs = this.remainingMs(connection, started);
    const acknowledged = integerReply(
      await connection.send('WAIT', [this.replicas, this.timeoutMs], routingKey, { timeoutMs }),
    );
    if (acknowledged < this.replicas) throw new NotReplicatedError(what, acknowledged, this.replicas);
  }

  /** Milliseconds left of a call that began at `started` (at least 1). */
  remainingMs(connection: RedisConnection, started: number): number {
    return Math.max(1, started + connection.operationTimeoutMs + this.timeoutMs - performance.now());
  }
}
