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
   * Call just before a state-changing write, whose node serves `routingKey`: remembers when the
   * call began, which bounds the whole call, the `WAIT` included.
   */
  begin(connection: RedisConnection, routingKey: string): PendingWrite {
    return new PendingWrite(this, connection, routingKey, performance.now());
  }
}

/**
 * A write awaiting its replicas. `WAIT` only counts the writes of its own connection: when a
 * reconnect replaced the connection that answered the write before `WAIT` answered (the client
 * re-sent the `WAIT`, or sent it late, on the new one), the answer says nothing about the write,
 * which the old primary may have taken with it, so the write counts as unconfirmed.
 */
export class PendingWrite {
  constructor(
    private readonly durability: Durability,
    private readonly connection: RedisConnection,
    private readonly routingKey: string,
    /** `performance.now()` when the call began. */
    readonly started: number,
  ) {}

  /**
   * Waits until the writes sent so far on the connection reached `replicas` replicas, within what
   * is left of the operation timeout plus `timeout` since `begin`. Call it as soon as the write
   * answered, with no timer or I/O in between: the connection that delivered that answer is still
   * the current one then (a reconnect needs I/O), and it is the one the `WAIT` must run on.
   * @throws NotReplicatedError when fewer replicas acknowledged in time, or a reconnect replaced
   *         the connection before `WAIT` answered (then nothing is known about the write).
   */
  async confirm(what: string): Promise<void> {
    const { durability, connection, routingKey } = this;
    const mark = connection.connectionMark(routingKey);
    const acknowledged = integerReply(
      await connection.send('WAIT', [durability.replicas, durability.timeoutMs], routingKey, {
        timeoutMs: this.remainingMs(),
      }),
    );
    if (connection.connectionMark(routingKey) !== mark) throw replaced(what, durability);
    if (acknowledged < durability.replicas)
      throw new NotReplicatedError(what, acknowledged, durability.replicas);
  }

  /** Milliseconds left of the call's bound (at least 1). */
  remainingMs(): number {
    return Math.max(
      1,
      this.started + this.connection.operationTimeoutMs + this.durability.timeoutMs - performance.now(),
    );
  }
}

function replaced(what: string, durability: Durability): NotReplicatedError {
  return new NotReplicatedError(
    what,
    0,
    durability.replicas,
    'the connection that sent it was replaced by a reconnect before WAIT answered',
  );
}
