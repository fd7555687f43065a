/**
 * Typed errors. Each has its own `name`, so `catch` sites and logs can tell them apart, and every
 * one of them is thrown before any Redis call: bad input never changes the pool.
 */

/** Base class of every error this library throws on purpose. */
export class RedisAllocatorError extends Error {
  override name = 'RedisAllocatorError';
}

/** A resource key, binding name, prefix or suffix that cannot be stored safely. */
export class InvalidKeyError extends RedisAllocatorError {
  override name = 'InvalidKeyError';
  /** The offending value (truncated to 80 characters when it is a long string). */
  readonly key: unknown;
  constructor(key: unknown, reason: string) {
    super(`invalid key ${describe(key)}: ${reason}`);
    this.key = typeof key === 'string' && key.length > 80 ? `${key.slice(0, 80)}…` : key;
  }
}

/** A timeout that is not a number of seconds (NaN, a string, an object…). */
export class InvalidTimeoutError extends RedisAllocatorError {
  override name = 'InvalidTimeoutError';
  constructor(what: string, value: unknown) {
    super(`${what} must be a number of seconds (<= 0 or Infinity for no expiry), got ${describe(value)}`);
  }
}

/** Any other argument outside its documented domain (e.g. `gc(0)`, a non-array key list). */
export class InvalidArgumentError extends RedisAllocatorError {
  override name = 'InvalidArgumentError';
}

/** A wait for a resource ended because its allocator was closed (`allocator.close()`). */
export class AllocatorClosedError extends RedisAllocatorError {
  override name = 'AllocatorClosedError';
}

/** `refreshUntilHealthy` gave up: no healthy resource within `maxAttempts`. */
export class NoHealthyResourceError extends RedisAllocatorError {
  override name = 'NoHealthyResourceError';
}

/** A Lua script answered something the library does not expect: the pool may be damaged. */
export class PoolCorruptionError extends RedisAllocatorError {
  override name = 'PoolCorruptionError';
}

/** Diagnostics found a key of another type where the pool (or a free-list pointer) should be. */
export class NotAPoolError extends RedisAllocatorError {
  override name = 'NotAPoolError';
  constructor(
    readonly redisKey: string,
    readonly actualType: string,
    expected: string,
  ) {
    super(`${redisKey} is a ${actualType}, not ${expected}: not an allocator pool (check prefix and suffix)`);
  }
}

/**
 * Redis could not be reached, dropped the connection, or answered that the cluster cannot serve
 * (`CLUSTERDOWN`, `TRYAGAIN`). A state-changing call that fails this way **may or may not have been
 * applied**: an applied malloc only keeps its key until the lease ends, it never double-allocates.
 * `cause` keeps the client's own error.
 */
export class RedisUnavailableError extends RedisAllocatorError {
  override name = 'RedisUnavailableError';
}

/**
 * The client cannot send anything yet or any more: a node-redis client before `connect()` or after
 * `close()`, an ioredis client after `quit()`. Nothing was sent to Redis.
 */
export class ClientNotReadyError extends RedisUnavailableError {
  override name = 'ClientNotReadyError';
}

/**
 * No reply within `operationTimeout`: Redis is stalled (a long script, `DEBUG SLEEP`, a full
 * disk), unreachable while the client reconnects, or overloaded. The command may still run later.
 */
export class OperationTimeoutError extends RedisUnavailableError {
  override name = 'OperationTimeoutError';
  /** The bound that ran out, in seconds. */
  readonly timeout: number;
  constructor(command: string, timeoutMs: number) {
    super(
      `no reply to ${command} within ${timeoutMs / 1000} s (operationTimeout); the operation may or may not have been applied`,
    );
    this.timeout = timeoutMs / 1000;
  }
}

/**
 * A write was applied on the primary but fewer replicas than `durability.replicas` acknowledged it
 * within `durability.timeout` (`WAIT`), so a failover could lose it. The library fails closed: a
 * malloc releases its key again before throwing this, a renewal counts as failed (the lease's
 * previous expiry is the one to trust).
 */
export class NotReplicatedError extends RedisUnavailableError {
  override name = 'NotReplicatedError';
  constructor(
    what: string,
    /** Replicas that acknowledged the write. */
    readonly acknowledged: number,
    /** Replicas required (`durability.replicas`). */
    readonly required: number,
    /** Why, when not simply too few acknowledgements. */
    detail?: string,
  ) {
    super(
      `${what} was acknowledged by ${acknowledged} of ${required} required replica(s) in time` +
        `${detail ? ` (${detail})` : ''}: a failover could lose it`,
    );
  }
}

/** Why a lease ended for its holder (`LeaseLostError.reason`). */
export type LeaseLossReason = 'expired' | 'taken' | 'unreachable' | 'released';

/**
 * The holder no longer has its lease; the object's `signal` is aborted with this error.
 * - `expired`: the lease ran out (a renewal found the lock gone, or it was not kept alive past its
 *   local deadline);
 * - `taken`: another value holds the key's lock (a new holder, a quarantine, an administrative free
 *   followed by a new malloc);
 * - `unreachable`: renewals kept failing and the local deadline passed — measured on a monotonic
 *   clock from the moment the malloc was sent, minus a safety margin, so this fires before Redis
 *   can hand the key to anyone else;
 * - `released`: the holder let go (`release()`, `free()`, `setUnhealthy()`, `allocator.close()`).
 */
export class LeaseLostError extends RedisAllocatorError {
  override name = 'LeaseLostError';
  readonly reason: LeaseLossReason;
  /** The resource key of the lost lease. */
  readonly key: string;
  constructor(reason: LeaseLossReason, key: string, detail?: string) {
    super(`lease on ${describe(key)} lost: ${reason}${detail ? ` (${detail})` : ''}`);
    this.reason = reason;
    this.key = key;
  }
}

/** `using()` got no key: none was free (within `wait`, when waiting is available). */
export class NoResourceError extends RedisAllocatorError {
  override name = 'NoResourceError';
}

function describe(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}… (${value.length} chars)` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return `a value of type ${typeof value}`;
}
