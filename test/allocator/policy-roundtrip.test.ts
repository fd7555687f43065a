/**
 * A policy malloc is one round trip: exactly one EVALSHA and no other command per call, GC step
 * included, counted by the server itself on a private redis-server that no other test touches:
 * `INFO commandstats` for the EVALSHA calls, and MONITOR for every command the client sent
 * (commandstats also counts the commands a script runs, MONITOR tags those `lua`).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefaultRedisAllocatorPolicy, RedisAllocator, silentLogger } from '../../src/index.js';
import { type PrivateRedisServer, startRedisServer } from '../../tools/redis-server.js';
import { commandCalls } from '../helpers/own-server.js';
import { Probe } from './fixtures/probe.js';
import { CallbackUpdater } from './fixtures/updaters.js';

let server: PrivateRedisServer;
let redis: Redis;
let admin: Redis;
let monitor: Redis;
/** Address the server sees for `redis`, as MONITOR reports it. */
let clientAddress: string;
const seen: string[][] = [];

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
  admin = new Redis(server.url);
  const info = String(await redis.call('CLIENT', 'INFO'));
  clientAddress = /addr=(\S+)/.exec(info)![1]!;
  monitor = await new Redis(server.url).monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source === clientAddress) seen.push(args);
  });
});

afterAll(async () => {
  monitor?.disconnect();
  await Promise.all([redis?.quit(), admin?.quit()]);
  await server?.stop();
});

function evalshaCalls(): Promise<number> {
  return commandCalls(admin, 'evalsha');
}

/** EVALSHA calls (commandstats) and every command the client sent (MONITOR) while `run` ran. */
async function countCommands(run: () => Promise<void>) {
  const before = await evalshaCalls();
  seen.length = 0;
  await run();
  const marker = `end-${Math.random()}`;
  await redis.echo(marker);
  while (!seen.some((args) => args[1] === marker)) await new Promise((resolve) => setTimeout(resolve, 10));
  const sent = seen.filter((args) => args[1] !== marker).map((args) => args[0]!.toLowerCase());
  return { evalsha: (await evalshaCalls()) - before, sent: new Set(sent), total: sent.length };
}

async function allocatorWith(prefix: string, options: { shared?: boolean; updater?: CallbackUpdater } = {}) {
  const policy = new DefaultRedisAllocatorPolicy({
    gcCount: 5,
    updater: options.updater,
    logger: silentLogger,
  });
  const allocator = new RedisAllocator<Probe>(redis, prefix, { shared: options.shared, policy });
  await allocator.extend(Array.from({ length: 50 }, (_, i) => `k${i}`));
  await allocator.malloc(); // loads the script (NOSCRIPT → EVAL) before counting
  await policy.whenIdle();
  return { allocator, policy };
}

describe('one round trip per malloc', () => {
  it('exclusive malloc with a GC step is one EVALSHA and nothing else', async () => {
    const { allocator } = await allocatorWith('rt-exclusive');
    const counts = await countCommands(async () => {
      for (let i = 0; i < 20; i++) expect(await allocator.malloc()).not.toBeNull();
    });
    expect(counts).toEqual({ evalsha: 20, sent: new Set(['evalsha']), total: 20 });
  });

  it('shared malloc with soft binding is one EVALSHA and nothing else', async () => {
    const { allocator } = await allocatorWith('rt-shared', { shared: true });
    const counts = await countCommands(async () => {
      for (let i = 0; i < 20; i++)
        expect(await allocator.malloc({ obj: new Probe({ name: `w${i % 3}` }) })).not.toBeNull();
    });
    expect(counts).toEqual({ evalsha: 20, sent: new Set(['evalsha']), total: 20 });
  });

  it('with an updater, mallocs between refreshes are still one EVALSHA each', async () => {
    const updater = new CallbackUpdater(async () => Array.from({ length: 50 }, (_, i) => `k${i}`));
    const { allocator } = await allocatorWith('rt-updater', { updater });
    const counts = await countCommands(async () => {
      for (let i = 0; i < 20; i++) expect(await allocator.malloc()).not.toBeNull();
    });
    expect(counts).toEqual({ evalsha: 20, sent: new Set(['evalsha']), total: 20 });
  });
});
