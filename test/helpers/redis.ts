/** Per-test-file Redis access: a client on the run's private server and a unique key prefix. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';

const clients: Redis[] = [];

/** A new client on the run's private server; closed after the file's tests. */
export function testClient(): Redis {
  const client = new Redis(inject('redisUrl'), { lazyConnect: false, maxRetriesPerRequest: 3 });
  clients.push(client);
  return client;
}

let inspector: Redis | undefined;

/**
 * An ioredis client for raw inspection of what `target` wrote: its own client when that is an
 * ioredis one, else a client on the run's private server (when the library is driven through
 * another client family).
 */
export function rawClient(target: { readonly redis: unknown }): Redis {
  const client = target.redis as Partial<Redis> | null;
  if (client && typeof client.hgetall === 'function' && typeof client.pipeline === 'function')
    return client as Redis;
  inspector ??= testClient();
  return inspector;
}

/** A key prefix no other test (or run) uses: `t:<label>:<random>`. */
export function uniquePrefix(label: string): string {
  return `t:${label}:${randomBytes(4).toString('hex')}`;
}

afterAll(async () => {
  inspector = undefined;
  await Promise.all(clients.splice(0).map((client) => client.quit().catch(() => client.disconnect())));
});

/** Resolves after `seconds` (fractional allowed). */
export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}
