/**
 * Heartbeats of workers (threads or processes) sharing one `identity`: each worker refreshes its
 * own short-lived key; a member whose heartbeat expired is dead. Keys are upstream's:
 * heartbeat `<identity>|thread-health-check-pool:<id>`, membership set
 * `<identity>|thread-health-check-pool|pool`.
 */
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import type { RedisClient } from '../client/index.js';
import { DEFAULTS } from '../defaults.js';
import { InvalidArgumentError } from '../errors.js';
import { assertName } from '../keys.js';
import { RedisLockPool } from '../lock/redis-lock-pool.js';
import { toTtlMs } from '../timeout.js';

/** Options of `RedisThreadHealthCheckPool`. */
export interface ThreadHealthCheckPoolOptions {
  /** This worker's id. Default `defaultWorkerId()` = `host:pid:threadId`. */
  id?: string;
}

/** Liveness counts of the members. */
export interface ThreadHealth {
  /** Members whose heartbeat is live. */
  alive: number;
  /** Members whose heartbeat expired (they stay members until finalized). */
  dead: number;
}

/**
 * `host:pid:threadId` — unique across machines, processes and worker threads (upstream used a bare
 * thread ident, which collides across processes).
 */
export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${threadId}`;
}

export class RedisThreadHealthCheckPool {
  /** This worker's member id. */
  readonly id: string;
  /** Heartbeat TTL in seconds. */
  readonly timeout: number;
  /** The membership set and heartbeat keys (a `RedisLockPool` with prefix = identity). */
  readonly pool: RedisLockPool;

  /**
   * No I/O here: call `initialize()` (or `update()`) to join. Unlike upstream, joining is explicit
   * because a constructor cannot await.
   * @param timeout heartbeat TTL in seconds (positive): `update()` must run more often than this.
   * @throws InvalidArgumentError for a non-positive or infinite timeout.
   */
  constructor(
    redis: RedisClient,
    identity: string,
    timeout: number,
    options: ThreadHealthCheckPoolOptions = {},
  ) {
    assertName(identity, 'identity');
    if (toTtlMs(timeout, 'timeout') === 0) {
      throw new InvalidArgumentError(
        `heartbeat timeout must be a positive number of seconds, got ${timeout}`,
      );
    }
    this.id = options.id ?? defaultWorkerId();
    assertName(this.id, 'id');
    this.timeout = timeout;
    this.pool = new RedisLockPool(redis, identity, { suffix: DEFAULTS.threadHealthSuffix });
  }

  /** Joins the pool with a fresh heartbeat (same as `update`). */
  initialize(): Promise<void> {
    return this.update();
  }

  /** Refreshes this worker's heartbeat for `timeout` seconds and (re-)joins the membership set. */
  async update(): Promise<void> {
    await Promise.all([this.pool.update(this.id, { timeout: this.timeout }), this.pool.extend([this.id])]);
  }

  /** Leaves the pool: removes this worker's membership and heartbeat. */
  async finalize(): Promise<void> {
    await Promise.all([this.pool.shrink([this.id]), this.pool.unlock(this.id)]);
  }

  /** Counts members with a live heartbeat (`alive`) and with an expired one (`dead`). */
  async healthCheck(): Promise<ThreadHealth> {
    const { locked, free } = await this.pool.healthCheck();
    return { alive: locked, dead: free };
  }
}
