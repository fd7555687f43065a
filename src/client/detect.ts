/**
 * Detection at the edge: the user passes their client as they have it and gets the matching
 * adapter. One adapter per client object (a WeakMap), so every lock and allocator on one client
 * shares it.
 */
import { InvalidArgumentError } from '../errors.js';
import { IoredisConnection } from './ioredis.js';
import { NodeRedisConnection } from './node-redis.js';
import type { RedisClient, RedisConnection } from './types.js';

export const SUPPORTED_CLIENTS =
  'ioredis 5/6 (Redis, Cluster, sentinel), iovalkey, or node-redis 5/6 (createClient(), createCluster(), createSentinel())';

const adapters = new WeakMap<object, RedisConnection>();

/**
 * The connection for `client`.
 * @throws InvalidArgumentError for an object that is none of the supported clients, or an ioredis
 *         client that was already closed.
 */
export function toConnection(client: RedisClient): RedisConnection {
  if (typeof client !== 'object' || client === null) {
    throw new InvalidArgumentError(
      `expected a Redis client: ${SUPPORTED_CLIENTS}; got ${describeValue(client)}`,
    );
  }
  const cached = adapters.get(client);
  if (cached) return cached;
  const connection = detect(client as unknown as Record<string, unknown>);
  adapters.set(client, connection);
  return connection;
}

function detect(client: Record<string, unknown>): RedisConnection {
  if (typeof client.call === 'function' && typeof client.duplicate === 'function' && 'status' in client) {
    if (client.status === 'end') {
      throw new InvalidArgumentError(
        'the ioredis client is closed (quit() or disconnect() was called): pass an open client',
      );
    }
    return new IoredisConnection(client as never);
  }
  if (typeof client.sendCommand === 'function' && typeof client.isOpen === 'boolean') {
    const kind =
      'masters' in client && typeof client.getSlotMaster === 'function'
        ? 'cluster'
        : typeof client.getSentinelNode === 'function'
          ? 'sentinel'
          : 'client';
    return new NodeRedisConnection(client as never, kind);
  }
  throw new InvalidArgumentError(
    `unsupported Redis client (${describeValue(client)}): pass ${SUPPORTED_CLIENTS} exactly as created`,
  );
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `an instance of ${name}` : 'a plain object';
}
