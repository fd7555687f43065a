/**
 * Detection at the edge (DESIGN §13): each supported client is recognised as it comes, anything
 * else is refused with a typed error that names the supported clients, before anything is sent.
 */
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, inject, it } from 'vitest';
import { toConnection } from '../../src/client/index.js';
import { InvalidArgumentError, RedisAllocator, RedisLock, RedisLockPool } from '../../src/index.js';
import { CLIENT_KINDS, clientKind, libraryClient } from '../helpers/clients.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';

const expectedFamily = (kind: string) => (kind.startsWith('node-redis') ? 'node-redis' : 'ioredis');

describe('client detection', () => {
  it.each(CLIENT_KINDS)('%s is detected as its family, standalone', (kind) => {
    const connection = toConnection(libraryClient(kind));
    expect(connection.family).toBe(expectedFamily(kind));
    expect(connection.isCluster).toBe(false);
  });

  it("this run's contract suites use the family REDIS_CLIENT names", () => {
    expect(toConnection(libraryClient()).family).toBe(expectedFamily(clientKind));
  });

  it('one client object gets one adapter, shared by every lock and allocator on it', () => {
    const client = testClient();
    const lock = new RedisLock(client, uniquePrefix('detect'));
    const allocator = new RedisAllocator(client, uniquePrefix('detect'));
    expect(lock.connection).toBe(allocator.connection);
  });

  it.each([
    ['null', null],
    ['a string', 'redis://127.0.0.1'],
    ['a plain object', {}],
    ['an object with only a get method', { get: async () => null }],
  ])('%s is refused with InvalidArgumentError naming the supported clients', (_label, value) => {
    for (const make of [
      () => new RedisLock(value as never, 'p'),
      () => new RedisLockPool(value as never, 'p'),
      () => new RedisAllocator(value as never, 'p'),
    ]) {
      expect(make).toThrow(InvalidArgumentError);
      expect(make).toThrow(/ioredis 5\/6.*iovalkey.*node-redis 5\/6/);
    }
  });

  it('an ioredis client that was closed is refused at construction', async () => {
    const client = new Redis(inject('redisUrl'));
    const ended = new Promise((resolve) => client.once('end', resolve));
    await client.quit();
    await ended;
    expect(() => new RedisAllocator(client, 'p')).toThrow(/closed.*pass an open client/);
  });

  it('a node-redis client that was never connected is accepted, so it can be connected later', async () => {
    const client = createClient({ url: inject('redisUrl') });
    const allocator = new RedisAllocator(client, uniquePrefix('later'));
    await client.connect();
    try {
      await allocator.extend(['a']);
      expect(await allocator.mallocKey()).toBe('a');
    } finally {
      await client.close();
    }
  });
});
