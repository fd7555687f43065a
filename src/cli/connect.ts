/**
 * Opening the Redis connection of the CLI: the URL is checked first (a bad URL never reaches the
 * network), and a one-shot command fails fast instead of retrying forever.
 */
import type { Cluster, Redis, RedisOptions } from 'ioredis';

/** The client the CLI opens (ioredis; the library itself takes any supported client). */
export type CliRedis = Redis | Cluster;

/** The connection could not be opened or the URL is unusable (exit code 2). */
export class CannotConnectError extends Error {
  override name = 'CannotConnectError';
}

export interface ConnectOptions {
  readonly url: string;
  readonly cluster: boolean;
  /** Keep reconnecting after a drop (watch, dashboard) instead of failing at once. */
  readonly persistent: boolean;
  /** Seconds to wait for the first connection. */
  readonly connectTimeout: number;
}

/** `url` with its password masked, for messages. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Validates a `redis://` / `rediss://` URL. @throws CannotConnectError */
export function parseRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CannotConnectError(`invalid --url ${JSON.stringify(url)}: expected redis://host:port[/db]`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new CannotConnectError(`invalid --url ${maskUrl(url)}: the scheme must be redis:// or rediss://`);
  }
  if (parsed.hostname === '') throw new CannotConnectError(`invalid --url ${maskUrl(url)}: no host`);
  return parsed;
}

/**
 * ioredis, loaded when the command first needs it: it is an optional peer of the library (a
 * node-redis user may not have it), and a missing one deserves a sentence, not a stack trace.
 */
async function loadIoredis(): Promise<typeof import('ioredis')> {
  try {
    return await import('ioredis');
  } catch {
    throw new CannotConnectError('the redis-allocator command connects with ioredis: npm install ioredis');
  }
}

/** Connects and answers a PING. @throws CannotConnectError */
export async function connect(options: ConnectOptions): Promise<CliRedis> {
  const client = await openClient(options);
  let cause: Error | undefined;
  // The socket's own error (ECONNREFUSED, ENOTFOUND, auth) says more than the command's.
  client.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await client.ping();
  } catch (error) {
    client.disconnect();
    const reason = (cause ?? (error as Error)).message || String(cause ?? error);
    throw new CannotConnectError(`cannot connect to ${maskUrl(options.url)}: ${reason}`);
  }
  return client;
}

/**
 * A client that connects in the background (the URL is checked at once); commands fail while
 * Redis is unreachable. @throws CannotConnectError for a bad URL.
 */
export async function openClient(options: ConnectOptions): Promise<CliRedis> {
  const parsed = parseRedisUrl(options.url);
  const { Cluster, Redis } = await loadIoredis();
  const base: RedisOptions = {
    connectTimeout: options.connectTimeout * 1000,
    maxRetriesPerRequest: options.persistent ? 1 : 0,
    retryStrategy: options.persistent ? (attempt) => Math.min(attempt * 200, 2000) : () => null,
    username: decodeURIComponent(parsed.username) || undefined,
    password: decodeURIComponent(parsed.password) || undefined,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
  const client: CliRedis = options.cluster
    ? new Cluster([{ host: parsed.hostname, port: Number(parsed.port || 6379) }], {
        redisOptions: base,
        clusterRetryStrategy: options.persistent ? (attempt) => Math.min(attempt * 200, 2000) : () => null,
      })
    : new Redis(options.url, base);
  // Errors surface through the rejected commands; the event would only print noise.
  client.on('error', () => {});
  return client;
}
