import { describe, expect, it } from 'vitest';
import { testClient } from './helpers/redis.js';

describe('test harness', () => {
  it('talks to a private redis-server, never the shared one on 6379', async () => {
    const redis = testClient();
    expect(await redis.ping()).toBe('PONG');
    const [, port] = (await redis.config('GET', 'port')) as string[];
    expect(Number(port)).not.toBe(6379);
  });
});
