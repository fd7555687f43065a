/**
 * Client errors become the library's typed errors, whatever the family: connection loss, closed
 * clients, and a cluster that cannot serve (`CLUSTERDOWN`, `TRYAGAIN`) are `RedisUnavailableError`
 * with the client's error as `cause`; other server replies pass through unchanged.
 */
import { Redis, ReplyError } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapClientError } from '../../src/client/errors.js';
import { ClientNotReadyError, RedisAllocator, RedisLock, RedisUnavailableError } from '../../src/index.js';
import { freePort, type PrivateRedisServer, startRedisServer } from '../../tools/redis-server.js';
import { uniquePrefix } from '../helpers/redis.js';

/** A cluster-enabled node that owns no slot: every keyed command answers CLUSTERDOWN. */
let slotless: PrivateRedisServer;
beforeAll(async () => {
  slotless = await startRedisServer({
    extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
  });
});
afterAll(() => slotless?.stop());

function expectUnavailable(error: unknown): void {
  expect(error).toBeInstanceOf(RedisUnavailableError);
  expect((error as Error).message).toMatch(/may or may not have been applied/);
  expect((error as Error).cause).toBeInstanceOf(Error);
}

describe('connection errors', () => {
  it('ioredis: a server that refuses connections → RedisUnavailableError', async () => {
    const client = new Redis(await freePort(), '127.0.0.1', {
      enableOfflineQueue: false,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    client.on('error', () => undefined);
    const allocator = new RedisAllocator(client, uniquePrefix('refused'));
    expectUnavailable(await allocator.mallocKey().catch((error: unknown) => error));
    client.disconnect();
  });

  it('node-redis: a server that dies under the client → RedisUnavailableError', async () => {
    const server = await startRedisServer();
    const client = createClient({ url: server.url, socket: { reconnectStrategy: false } });
    client.on('error', () => undefined);
    await client.connect();
    const allocator = new RedisAllocator(client, uniquePrefix('died'), { operationTimeout: 2 });
    await allocator.extend(['a']);
    const pending = allocator.mallocKey().catch((error: unknown) => error);
    await server.stop();
    const error = await Promise.race([pending, allocator.mallocKey().catch((caught: unknown) => caught)]);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    client.destroy();
  });
});

describe('closed clients', () => {
  it('ioredis after quit() → RedisUnavailableError', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.port);
    const lock = new RedisLock(client, uniquePrefix('quit'));
    await client.quit();
    expectUnavailable(await lock.lock('k').catch((error: unknown) => error));
    await server.stop();
  });

  it('node-redis after close() → ClientNotReadyError, nothing sent', async () => {
    const server = await startRedisServer();
    const client = createClient({ url: server.url });
    await client.connect();
    const lock = new RedisLock(client, uniquePrefix('closed'));
    await client.close();
    const error = await lock.lock('k').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClientNotReadyError);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    await server.stop();
  });
});

describe('cluster outages', () => {
  it.each(['ioredis', 'node-redis'] as const)(
    'CLUSTERDOWN from a real node → RedisUnavailableError (%s)',
    async (family) => {
      const client =
        family === 'ioredis' ? new Redis(slotless.port) : await createClient({ url: slotless.url }).connect();
      try {
        const allocator = new RedisAllocator(client as never, uniquePrefix('clusterdown'));
        const error = await allocator.mallocKey().catch((caught: unknown) => caught);
        expectUnavailable(error);
        expect(((error as Error).cause as Error).message).toMatch(/^CLUSTERDOWN/);
      } finally {
        if (client instanceof Redis) client.disconnect();
        else await client.destroy();
      }
    },
  );

  it('TRYAGAIN (a multi-key call during resharding) → RedisUnavailableError', () => {
    const reply = new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot');
    const mapped = mapClientError(reply, 'EVALSHA');
    expectUnavailable(mapped);
    expect((mapped as Error).cause).toBe(reply);
  });

  it('a script error is not an outage: it passes through unchanged', () => {
    const reply = new ReplyError('ERR user_script:1: Script attempted to access nonexistent global variable');
    expect(mapClientError(reply, 'EVALSHA')).toBe(reply);
  });
});
