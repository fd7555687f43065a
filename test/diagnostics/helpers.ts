/** Shared helpers of the diagnostics tests. */
import type { Redis } from 'ioredis';

/** Every key under `pattern` with its type, TTL presence and value: proof that nothing was written. */
export async function keyspaceImage(redis: Redis, pattern: string): Promise<Record<string, string>> {
  const image: Record<string, string> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? JSON.stringify(Object.entries(await redis.hgetall(key)).sort())
            : type === 'list'
              ? JSON.stringify(await redis.lrange(key, 0, -1))
              : type === 'zset'
                ? JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES'))
                : type;
      const persistent = (await redis.pttl(key)) === -1;
      image[key] = `${type}:${persistent ? 'persistent' : 'expiring'}:${value}`;
    }
  } while (cursor !== '0');
  return image;
}
