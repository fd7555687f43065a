/**
 * The one internal view of Redis (DESIGN.md §13): the few things the library needs from a client.
 * Everything above `src/client/` talks to a `RedisConnection`; only the adapters know which client
 * family is underneath.
 */

/** An argument of a Redis command. Numbers are sent as their decimal text. */
export type RedisArg = string | number;

/**
 * A reply, normalised to the RESP2 shapes whatever protocol the client speaks: bulk/simple strings
 * as `string`, integers as `number`, nil as `null`, arrays as arrays.
 */
export type RedisReply = string | number | null | RedisReply[];

/** Client families the library recognises (iovalkey is an ioredis fork and counts as ioredis). */
export type ClientFamily = 'ioredis' | 'node-redis';

/** Per-send options. */
export interface SendOptions {
  /**
   * Bound of this one send in milliseconds, replacing the connection's operation timeout:
   * `Infinity` = unbounded (a blocking `BLPOP` whose own timeout is the bound), a larger number for
   * a command that blocks server-side (`WAIT`). Ignored by connections without a timeout.
   */
  timeoutMs?: number;
}

/** A connection to Redis (standalone or cluster) as the library uses it. */
export interface RedisConnection {
  /** Which client family the user gave us (for messages and metrics, never for branching above). */
  readonly family: ClientFamily;
  /** True for a cluster client: every key of one allocator must then share a hash slot. */
  readonly isCluster: boolean;
  /**
   * Sends one command. `routingKey` (a key the command touches) routes it on a cluster; standalone
   * connections ignore it, and keyless commands such as `WAIT` go to the node that serves it.
   * Rejects with the client's error, mapped by `mapClientError`; a connection with an operation
   * timeout rejects with `OperationTimeoutError` when no reply came in time.
   */
  send(
    command: string,
    args: readonly RedisArg[],
    routingKey?: string,
    options?: SendOptions,
  ): Promise<RedisReply>;
  /**
   * Milliseconds after which a send is abandoned (`Infinity` = never): what a multi-send step such
   * as the NOSCRIPT fallback must fit into.
   */
  readonly operationTimeoutMs: number;
  /**
   * An opaque value naming the physical connection that serves `routingKey` now (standalone: the
   * one connection); it changes whenever that connection is replaced by a reconnect. `WAIT` counts
   * only the writes its own connection sent, and clients re-send (or send late) a command across a
   * reconnect, so durability compares the mark when the write answered with the one when its
   * `WAIT` answered.
   */
  connectionMark(routingKey?: string): unknown;
  /**
   * Opens a new dedicated connection of the same kind and address, ready for blocking commands
   * (`BLPOP`…) that must not stall the shared one. The caller closes it.
   */
  openDedicated(): Promise<DedicatedConnection>;
}

/** A connection the library opened itself and must close. */
export interface DedicatedConnection extends RedisConnection {
  /** Closes the connection; pending blocking commands reject. Idempotent. */
  close(): Promise<void>;
}

/**
 * A Redis client as users have it: an ioredis 5/6 `Redis` or `Cluster`, an iovalkey client, or a
 * node-redis 5/6 client from `createClient()` / `createCluster()`. Typed structurally so that every
 * supported major fits without importing any of them; detection happens at run time.
 */
export type RedisClient = IoredisLikeClient | NodeRedisLikeClient | NodeRedisLikeCluster;

// Methods are typed `(...args: never[]) => unknown`: every overload set of every supported major is
// assignable to that, and the adapters give the real argument shapes.

/** The part of an ioredis (or iovalkey) `Redis`/`Cluster` the library uses. */
export interface IoredisLikeClient {
  call(...args: never[]): unknown;
  duplicate(...args: never[]): unknown;
  readonly status: string;
}

/** The part of a node-redis `createClient()` client the library uses. */
export interface NodeRedisLikeClient {
  sendCommand(...args: never[]): unknown;
  readonly isOpen: boolean;
}

/** The part of a node-redis `createCluster()` client the library uses. */
export interface NodeRedisLikeCluster {
  sendCommand(...args: never[]): unknown;
  readonly isOpen: boolean;
  readonly masters: readonly unknown[];
}
