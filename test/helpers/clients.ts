/**
 * The client family the library is driven through in this run, chosen by `REDIS_CLIENT` (default
 * `ioredis`). The contract suites build their locks and allocators on `libraryClient()`, so the
 * same tests prove every supported client; raw inspection stays on ioredis (`testClient()`).
 */

import { Cluster as IoredisCluster } from 'ioredis';
import { Redis as Ioredis6, Cluster as Ioredis6Cluster } from 'ioredis6';
import { Redis as Iovalkey, Cluster as IovalkeyCluster } from 'iovalkey';
import { createClient, createCluster } from 'redis';
import { createClient as createClient5, createCluster as createCluster5 } from 'redis5';
import { afterAll, inject } from 'vitest';
import type { RedisClient } from '../../src/index.js';
import { testClient } from './redis.js';

export const CLIENT_KINDS = [
  'ioredis',
  'ioredis6',
  'iovalkey',
  'node-redis',
  'node-redis5',
  'node-redis-resp3',
] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** The family of this run. */
export const clientKind: ClientKind = parseKind(process.env.REDIS_CLIENT);

function parseKind(value: string | undefined): ClientKind {
  if (value === undefined || value === '') return 'ioredis';
  if ((CLIENT_KINDS as readonly string[]).includes(value)) return value as ClientKind;
  throw new Error(`REDIS_CLIENT=${value}: expected one of ${CLIENT_KINDS.join(', ')}`);
}

type Closable = {
  quit?(): Promise<unknown>;
  close?(): Promise<unknown>;
  disconnect?(): void;
  destroy?(): void;
};
const opened: Closable[] = [];

/** A client of this run's family on the run's private server, connected (or connecting). */
export function libraryClient(kind: ClientKind = clientKind): RedisClient {
  const url = inject('redisUrl');
  switch (kind) {
    case 'ioredis':
      return testClient();
    case 'ioredis6':
      return track(new Ioredis6(url, { maxRetriesPerRequest: 3 }));
    case 'iovalkey':
      return track(new Iovalkey(url, { maxRetriesPerRequest: 3 }));
    case 'node-redis':
      return connect(createClient({ url }));
    case 'node-redis5':
      return connect(createClient5({ url }));
    case 'node-redis-resp3':
      return connect(createClient({ url, RESP: 3 }));
  }
}

/** A cluster client of this run's family for the given startup nodes, ready to use. */
export async function libraryClusterClient(
  nodes: ReadonlyArray<{ host: string; port: number }>,
  kind: ClientKind = clientKind,
): Promise<RedisClient> {
  const rootNodes = nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` }));
  switch (kind) {
    case 'ioredis':
      return track(new IoredisCluster([...nodes]));
    case 'ioredis6':
      return track(new Ioredis6Cluster([...nodes]));
    case 'iovalkey':
      return track(new IovalkeyCluster([...nodes]));
    case 'node-redis':
      return connected(createCluster({ rootNodes }));
    case 'node-redis5':
      return connected(createCluster5({ rootNodes }));
    case 'node-redis-resp3':
      return connected(createCluster({ rootNodes, RESP: 3 }));
  }
}

function track<C>(client: C): C {
  opened.push(client as Closable);
  return client;
}

/** node-redis: `isOpen` turns true at once and commands queue until the socket is ready. */
function connect<C extends { connect(): Promise<unknown> }>(client: C): C {
  client.connect().catch(() => {});
  return track(client);
}

async function connected<C extends { connect(): Promise<unknown> }>(client: C): Promise<C> {
  await client.connect();
  return track(client);
}

/** Closes every client this file opened (call it before stopping a private server they use). */
export async function closeLibraryClients(): Promise<void> {
  await Promise.all(opened.splice(0).map(close));
}

async function close(client: Closable): Promise<void> {
  try {
    if (client.quit) await client.quit();
    else await client.close?.();
  } catch {
    client.disconnect?.();
    client.destroy?.();
  }
}

afterAll(closeLibraryClients);
