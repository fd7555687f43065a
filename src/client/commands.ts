/**
 * The plain commands the library sends, typed once over any `RedisConnection`. Each routes by its
 * (first) key, so it works on a cluster as long as multi-key calls stay within one slot.
 */
import { integerReply, stringArrayReply, stringReply } from './reply.js';
import type { RedisArg, RedisConnection } from './types.js';

export class RedisCommands {
  constructor(readonly connection: RedisConnection) {}

  async get(key: string): Promise<string | null> {
    return stringReply(await this.connection.send('GET', [key], key));
  }

  /**
   * `SET key value [PX ttlMs] [NX]`; `ttlMs <= 0` = no expiry.
   * @returns `true` when written (always, unless `nx` found the key taken).
   */
  async set(key: string, value: string, ttlMs: number, nx = false): Promise<boolean> {
    const args: RedisArg[] = [key, value];
    if (ttlMs > 0) args.push('PX', ttlMs);
    if (nx) args.push('NX');
    return (await this.connection.send('SET', args, key)) === 'OK';
  }

  /** Keys of one call must share a slot on a cluster. @returns how many existed. */
  async del(...keys: string[]): Promise<number> {
    return integerReply(await this.connection.send('DEL', keys, keys[0]));
  }

  async exists(key: string): Promise<boolean> {
    return integerReply(await this.connection.send('EXISTS', [key], key)) === 1;
  }

  /** Remaining TTL in ms; -1 = no expiry, -2 = no key. */
  async pttl(key: string): Promise<number> {
    return integerReply(await this.connection.send('PTTL', [key], key));
  }

  /** Keys of one call must share a slot on a cluster. */
  async mget(keys: readonly string[]): Promise<Array<string | null>> {
    return stringArrayReply(await this.connection.send('MGET', keys, keys[0]));
  }

  async hexists(key: string, field: string): Promise<boolean> {
    return integerReply(await this.connection.send('HEXISTS', [key, field], key)) === 1;
  }

  async hlen(key: string): Promise<number> {
    return integerReply(await this.connection.send('HLEN', [key], key));
  }

  async hkeys(key: string): Promise<string[]> {
    return strings(await this.connection.send('HKEYS', [key], key));
  }

  /** One `HSCAN` page: the next cursor and the flat `[field, value, …]` list. */
  async hscan(key: string, cursor: string, count: number): Promise<[string, string[]]> {
    return scanPage(await this.connection.send('HSCAN', [key, cursor, 'COUNT', count], key));
  }

  async sadd(key: string, members: readonly string[]): Promise<number> {
    return integerReply(await this.connection.send('SADD', [key, ...members], key));
  }

  async srem(key: string, members: readonly string[]): Promise<number> {
    return integerReply(await this.connection.send('SREM', [key, ...members], key));
  }

  async smembers(key: string): Promise<string[]> {
    return strings(await this.connection.send('SMEMBERS', [key], key));
  }

  async sismember(key: string, member: string): Promise<boolean> {
    return integerReply(await this.connection.send('SISMEMBER', [key, member], key)) === 1;
  }

  async scard(key: string): Promise<number> {
    return integerReply(await this.connection.send('SCARD', [key], key));
  }

  /** One `SSCAN` page: the next cursor and the members. */
  async sscan(key: string, cursor: string, count: number): Promise<[string, string[]]> {
    return scanPage(await this.connection.send('SSCAN', [key, cursor, 'COUNT', count], key));
  }
}

function strings(reply: unknown): string[] {
  return stringArrayReply(reply as never).map((value) => value ?? '');
}

function scanPage(reply: unknown): [string, string[]] {
  if (!Array.isArray(reply) || reply.length !== 2)
    throw new TypeError(`unexpected SCAN reply ${JSON.stringify(reply)}`);
  return [String(reply[0]), strings(reply[1])];
}
