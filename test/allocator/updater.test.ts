/** `RedisAllocatorUpdater`: round-robin over its params, advancing only after a successful fetch. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, RedisAllocatorUpdater } from '../../src/index.js';
import { ListUpdater } from './fixtures/updaters.js';

class FlakyUpdater extends RedisAllocatorUpdater<string> {
  readonly fetched: string[] = [];
  failNext = false;

  async fetch(param: string): Promise<string[]> {
    this.fetched.push(param);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('provider down');
    }
    return [`${param}-key`];
  }
}

describe('RedisAllocatorUpdater', () => {
  it('fetches the params round-robin', async () => {
    const updater = new ListUpdater({ p1: ['a'], p2: ['b'], p3: ['c'] });
    const keys = [];
    for (let i = 0; i < 4; i++) keys.push(...(await updater.fetchNext()));
    expect(keys).toEqual(['a', 'b', 'c', 'a']);
    expect(updater.size).toBe(3);
  });

  it('retries the same param after a failed fetch (F23)', async () => {
    const updater = new FlakyUpdater(['p1', 'p2']);
    updater.failNext = true;
    await expect(updater.fetchNext()).rejects.toThrow('provider down');
    expect(updater.index).toBe(0);
    expect(await updater.fetchNext()).toEqual(['p1-key']);
    expect(await updater.fetchNext()).toEqual(['p2-key']);
    expect(updater.fetched).toEqual(['p1', 'p1', 'p2']);
  });

  it('rejects an empty params list', () => {
    expect(() => new FlakyUpdater([])).toThrow(InvalidArgumentError);
  });

  it('rejects a fetch that does not resolve to an array, without advancing', async () => {
    class Broken extends RedisAllocatorUpdater<string> {
      async fetch(): Promise<string[]> {
        return undefined as unknown as string[];
      }
    }
    const updater = new Broken(['p1', 'p2']);
    await expect(updater.fetchNext()).rejects.toThrow(InvalidArgumentError);
    expect(updater.index).toBe(0);
  });
});
