/**
 * `operationTimeout`: every call settles. A paused Redis (`CLIENT PAUSE`) answers nothing, so each
 * call must reject in time with the typed error; a send with its own bound is not cut.
 */
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toConnection, withOperationTimeout } from '../../src/client/index.js';
import {
  InvalidArgumentError,
  OperationTimeoutError,
  RedisAllocator,
  RedisLock,
  RedisUnavailableError,
} from '../../src/index.js';
import { type PrivateRedisServer, startRedisServer } from '../../tools/redis-server.js';
import { uniquePrefix } from '../helpers/redis.js';

let server: PrivateRedisServer;
let admin: Redis;
let ioredis: Redis;
let nodeRedis: ReturnType<typeof createClient>;

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.port);
  ioredis = new Redis(server.port);
  nodeRedis = createClient({ url: server.url });
  nodeRedis.on('error', () => undefined);
  await nodeRedis.connect();
});
afterAll(async () => {
  admin?.disconnect();
  ioredis?.disconnect();
  await nodeRedis?.destroy();
  await server?.stop();
});

/** Redis stops answering every client but `admin` for `ms`. */
async function pauseRedis(ms: number): Promise<void> {
  await admin.call('CLIENT', 'PAUSE', String(ms), 'ALL');
}

const clients = () =>
  [
    ['ioredis', ioredis],
    ['node-redis', nodeRedis],
  ] as const;

describe.each(['ioredis', 'node-redis'] as const)('operationTimeout on %s', (family) => {
  const client = () => Object.fromEntries(clients())[family]!;

  it('a malloc against a stalled Redis rejects within operationTimeout with OperationTimeoutError', async () => {
    const allocator = new RedisAllocator(client() as never, uniquePrefix('optimeout'), {
      operationTimeout: 0.2,
    });
    await allocator.extend(['a']);
    await pauseRedis(800);
    const started = performance.now();
    const error = await allocator.mallocKey().catch((caught: unknown) => caught);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(OperationTimeoutError);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as OperationTimeoutError).timeout).toBe(0.2);
    expect((error as Error).message).toMatch(/may or may not have been applied/);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
    await admin.call('CLIENT', 'UNPAUSE');
  });

  it('a lock call against a stalled Redis rejects within operationTimeout too', async () => {
    const lock = new RedisLock(client() as never, uniquePrefix('optimeout-lock'), { operationTimeout: 0.2 });
    await pauseRedis(800);
    await expect(lock.lock('k')).rejects.toBeInstanceOf(OperationTimeoutError);
    await admin.call('CLIENT', 'UNPAUSE');
  });

  it('a send with its own bound (a blocking read) is not cut by operationTimeout', async () => {
    const connection = withOperationTimeout(toConnection(client() as never), 100);
    const dedicated = await connection.openDedicated();
    try {
      const started = performance.now();
      const reply = await dedicated.send('BLPOP', [uniquePrefix('never-pushed'), 0.5], undefined, {
        timeoutMs: Number.POSITIVE_INFINITY,
      });
      expect(reply).toBeNull();
      expect(performance.now() - started).toBeGreaterThanOrEqual(450);
      // Without the opt-out, the same read is cut at the operation timeout.
      await expect(dedicated.send('BLPOP', [uniquePrefix('never-pushed'), 0.5])).rejects.toBeInstanceOf(
        OperationTimeoutError,
      );
    } finally {
      await dedicated.close();
    }
  });
});

describe('operationTimeout validation', () => {
  it.each([0, -1, Number.NaN, '1', null])('rejects %s at construction, before any Redis call', (value) => {
    expect(() => new RedisAllocator(ioredis, 'p', { operationTimeout: value as never })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new RedisLock(ioredis, 'p', { operationTimeout: value as never })).toThrow(
      InvalidArgumentError,
    );
  });

  it('Infinity opts out: the allocator talks to the client adapter directly', () => {
    const allocator = new RedisAllocator(ioredis, 'p', { operationTimeout: Number.POSITIVE_INFINITY });
    expect(allocator.connection).toBe(toConnection(ioredis));
    expect(allocator.connection.operationTimeoutMs).toBe(Number.POSITIVE_INFINITY);
  });

  it('the default bound is DEFAULTS.operationTimeout (5 s)', () => {
    expect(new RedisAllocator(ioredis, 'p').connection.operationTimeoutMs).toBe(5000);
  });
});
