/**
 * Where a policy gets the pool's keys from (a proxy provider's API, a config file…): one `fetch`
 * per call, cycling round-robin through the params (e.g. one param per provider region).
 */
import { InvalidArgumentError } from '../errors.js';

export abstract class RedisAllocatorUpdater<P = unknown> {
  /** The params `fetch` is called with, in turn. Never empty. */
  readonly params: readonly P[];
  #index = 0;

  /** @throws InvalidArgumentError when `params` is empty (upstream asserted the same). */
  constructor(params: readonly P[]) {
    if (!Array.isArray(params) || params.length === 0) {
      throw new InvalidArgumentError('an updater needs at least one param');
    }
    this.params = [...params];
  }

  /** The keys for one param. A rejection is logged by the policy and retried at the next refresh. */
  abstract fetch(param: P): Promise<string[]>;

  /** Number of params (upstream `len(updater)`): with one, a refresh replaces the pool. */
  get size(): number {
    return this.params.length;
  }

  /** Index of the param the next `fetchNext` uses. */
  get index(): number {
    return this.#index;
  }

  /**
   * Fetches the keys for the current param and only then moves on to the next param, so a failed
   * fetch is retried with the same param (upstream advanced first: F23).
   * @throws InvalidArgumentError when `fetch` resolves to something other than an array.
   */
  async fetchNext(): Promise<string[]> {
    const index = this.#index;
    const keys = await this.fetch(this.params[index]!);
    if (!Array.isArray(keys)) {
      throw new InvalidArgumentError(`updater fetch must resolve to an array of keys, got ${typeof keys}`);
    }
    this.#index = (index + 1) % this.params.length;
    return keys;
  }
}
