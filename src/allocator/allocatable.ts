/**
 * The user's object behind an allocated key (a proxy client, a browser session…). The allocator
 * configures it with the key it got (`setConfig`), opens and closes it around a lease, and asks it
 * whether the resource still works (`isHealthy`).
 */

/**
 * Structural contract of an allocatable object: any object with `setConfig` qualifies.
 * @typeParam P the `params` passed to `malloc` and on to `setConfig`.
 */
export interface Allocatable<P = unknown> {
  /** Called synchronously whenever the object is bound to a key (malloc, refresh, health check). */
  setConfig(key: string, params: P | undefined): void;
  /** Prepares the object for use (called by `RedisAllocatorObject.open`). */
  open?(): unknown;
  /** Releases what `open` acquired (called by `close`, `release` and auto-close). */
  close?(): unknown;
  /** `false` (or a rejected promise) marks the resource unhealthy. Default healthy. */
  isHealthy?(): boolean | Promise<boolean>;
  /** Soft-binding name: the same name gets the same key back while it is free. Empty = none. */
  readonly name?: string | null;
  /** Distinguishes objects sharing one key; part of `RedisAllocatorObject.uniqueId`. */
  readonly uniqueId?: string;
}

/** The `params` type an allocatable object is configured with. */
export type ParamsOf<U> = U extends { setConfig(key: string, params: infer P): void } ? P : unknown;

/**
 * Base class with the spec's defaults: `open`/`close` do nothing, always healthy, no soft-binding
 * name, empty unique id. Subclasses implement `setConfig`.
 */
export abstract class RedisAllocatableClass<P = unknown> implements Allocatable<P> {
  abstract setConfig(key: string, params: P | undefined): void;

  open(): unknown {
    return this;
  }

  close(): unknown {
    return undefined;
  }

  isHealthy(): boolean | Promise<boolean> {
    return true;
  }

  /** `null`: no soft binding. Override to bind this object's allocations to a name. */
  get name(): string | null {
    return null;
  }

  get uniqueId(): string {
    return '';
  }
}
