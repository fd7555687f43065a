/**
 * A file's own `redis-server`, for tests that read the server's command statistics: on the run's
 * shared private server, other files' calls would be counted too.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type PrivateRedisServer, startRedisServer } from '../../tools/redis-server.js';

/** Starts a server for the file's tests and stops it after them; `redis` is usable inside tests. */
export function ownServer(): { readonly redis: Redis } {
  let server: PrivateRedisServer | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return {
    get redis(): Redis {
      if (client === undefined) throw new Error('ownServer(): the server starts in beforeAll');
      return client;
    },
  };
}

/** Calls of `command` (lower case) the server has run so far, scripts' own calls included. */
export async function commandCalls(redis: Redis, command: string): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
}
