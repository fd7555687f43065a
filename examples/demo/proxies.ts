/**
 * The simulated proxies: a provider whose list slides (every `updateIntervalSeconds` it retires its
 * oldest proxy and offers a new one), the updater that feeds that list into the pool, and the
 * object a worker allocates.
 */
import { RedisAllocatableClass, RedisAllocatorUpdater } from 'redis-allocator';
import { DEMO } from './config.js';

/** Name of the n-th proxy the provider ever offered. */
export function proxyName(n: number): string {
  return `proxy-${String(n).padStart(3, '0')}:3128`;
}

/** The provider's epoch at Unix ms `now`, counted from `startedAt`. */
export function proxyEpoch(startedAt: number, now: number = Date.now()): number {
  return Math.max(0, Math.floor((now - startedAt) / (DEMO.updateIntervalSeconds * 1000)));
}

/** The proxies offered during `epoch`: a sliding window of `poolSize` names. */
export function proxiesAt(epoch: number): string[] {
  return Array.from({ length: DEMO.poolSize }, (_, i) => proxyName(epoch + i));
}

/**
 * The provider's API as an updater. Its list is a pure function of the clock, so every process
 * gets the same answer: the policy runs the refresh in whichever worker takes the fleet-wide
 * refresh lock, at most once per `updateIntervalSeconds`.
 */
export class ProxyProviderUpdater extends RedisAllocatorUpdater<string> {
  constructor(private readonly startedAt: number) {
    super(['simulated-provider']);
  }

  async fetch(_provider: string): Promise<string[]> {
    return proxiesAt(proxyEpoch(this.startedAt));
  }
}

/**
 * What a worker holds while it "uses" a proxy. Its `name` is the worker's name: the soft binding
 * hands a worker the same proxy again whenever it is free.
 */
export class SimulatedProxy extends RedisAllocatableClass<undefined> {
  /** `host:port` of the proxy this object is configured for. */
  address = '';

  constructor(private readonly worker: string) {
    super();
  }

  setConfig(key: string): void {
    this.address = key;
  }

  override get name(): string {
    return this.worker;
  }

  /** A real client would send a probe request through the proxy; here a few fail at random. */
  override isHealthy(): boolean {
    return Math.random() >= DEMO.unhealthyChance;
  }
}
