/**
 * One round trip per operation on every client family: a malloc and a free are each one script
 * call and the client sends nothing else (MONITOR shows what each connection sent; commands a
 * script runs inside are tagged `lua` and come from no client address).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { toConnection } from '../../src/client/index.js';
import { RedisAllocator } from '../../src/index.js';
import { CLIENT_KINDS, libraryClient } from '../helpers/clients.js';
import { uniquePrefix } from '../helpers/redis.js';

let monitor: Redis;
const seen: Array<{ source: string; command: string; argument: string }> = [];

beforeAll(async () => {
  monitor = await new Redis(inject('redisUrl')).monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    seen.push({ source, command: String(args[0]).toLowerCase(), argument: String(args[1]) });
  });
});

afterAll(() => monitor?.disconnect());

/** Waits until MONITOR has shown everything `address` sent so far (an ECHO marker sent last). */
async function flushMonitor(connection: ReturnType<typeof toConnection>, address: string): Promise<void> {
  const marker = `marker-${Math.random()}`;
  await connection.send('ECHO', [marker]);
  while (!seen.some((entry) => entry.source === address && entry.argument === marker)) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('commands a client sends per operation', () => {
  it.each(CLIENT_KINDS)('%s: mallocKey and freeKeys are one EVALSHA each and nothing else', async (kind) => {
    const client = libraryClient(kind);
    const connection = toConnection(client);
    const address = /addr=(\S+)/.exec(String(await connection.send('CLIENT', ['INFO'])))![1]!;
    const allocator = new RedisAllocator(client, uniquePrefix('round-trips'));
    await allocator.extend(['a', 'b', 'c']);
    await allocator.freeKeys([(await allocator.mallocKey())!]); // scripts cached before counting

    await flushMonitor(connection, address);
    seen.length = 0;
    for (let i = 0; i < 10; i++) {
      const key = await allocator.mallocKey();
      expect(key).not.toBeNull();
      await allocator.freeKeys([key!]);
    }
    await flushMonitor(connection, address);
    const sent = seen.filter(({ source, command }) => source === address && command !== 'echo');
    expect(sent.map(({ command }) => command)).toEqual(Array(20).fill('evalsha'));
  });
});
