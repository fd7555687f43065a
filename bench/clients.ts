/**
 * Issue 8: the same pair through every client family. Throughput of mallocKey+freeKeys through
 * node-redis against a ceiling measured through node-redis (two trivial EVALSHA per pair), beside
 * the same two through ioredis, interleaved round by round; and a structural check that every
 * supported client costs exactly one script call per operation.
 */

import { Redis as Ioredis6 } from 'ioredis6';
import Valkey from 'iovalkey';
import { createClient } from 'redis';
import { RedisAllocator, type RedisClient } from 'redis-allocator';
import { createClient as createClient5 } from 'redis5';
import type { BenchConfig } from './lib/config.js';
import { interleave, type Operation, throughput } from './lib/measure.js';
import { type BenchRedis, commandStats, diffStats } from './lib/redis.js';
import { type Check, type FigureResult, type Ratio, type Row, ratio } from './lib/report.js';
import { median, pairedRatios, summarize } from './lib/stats.js';
import { ceilingPair, fillPool, mallocFreePair, resourceKeys, TRIVIAL_SCRIPT } from './lib/subjects.js';

/** Pairs run by the structural check on each client. */
const CHECK_PAIRS = 50;

type NodeRedis = ReturnType<typeof createClient>;

/** Ceiling through node-redis: two trivial EVALSHA per pair, as `ceilingPair` does through ioredis. */
async function nodeRedisCeiling(client: NodeRedis, key: string): Promise<Operation> {
  const sha = await client.scriptLoad(TRIVIAL_SCRIPT);
  return async () => {
    await client.evalSha(sha, { keys: [key] });
    await client.evalSha(sha, { keys: [key] });
  };
}

export async function runClients(
  env: BenchRedis,
  config: BenchConfig,
  prefix: string,
): Promise<FigureResult> {
  const started = Date.now();
  const { concurrencies, poolSize, rounds, seconds, warmupSeconds } = config.throughput;
  const keys = resourceKeys(poolSize);
  const admin = await env.client();
  const ioredis = await env.client();
  const nodeRedis = (await createClient({ url: env.url }).connect()) as NodeRedis;
  const closers: Array<() => Promise<unknown>> = [() => nodeRedis.close()];
  try {
    const allocator = async (client: RedisClient, name: string) => {
      const a = new RedisAllocator(client, `${prefix}:${name}`);
      await fillPool(a, keys);
      return a;
    };
    const subjects: Record<string, Operation> = {
      ioredisCeiling: await ceilingPair(ioredis, `${prefix}:ceiling`),
      ioredisPair: mallocFreePair(await allocator(ioredis, 'ioredis')),
      nodeRedisCeiling: await nodeRedisCeiling(nodeRedis, `${prefix}:ceiling`),
      nodeRedisPair: mallocFreePair(await allocator(nodeRedis, 'node-redis')),
    };
    const names = Object.keys(subjects);
    const rows: Row[] = [];
    const ratios: Ratio[] = [];
    for (const c of concurrencies) {
      for (const name of names) await throughput(subjects[name]!, c, warmupSeconds);
      const runs = await interleave(names, rounds, (name) => throughput(subjects[name]!, c, seconds));
      for (const name of names)
        rows.push({ label: `${name} @c${c}`, unit: 'pairs/s', ...summarize(runs[name]!) });
      const paired = (id: string, label: string, subject: string, baseline: string) => {
        const r = pairedRatios(runs[subject]!, runs[baseline]!);
        ratios.push(ratio(`${id}@c${c}`, `${label} @c${c}`, median(r), Math.min(...r), Math.max(...r)));
      };
      paired(
        'nodeRedisPair/nodeRedisCeiling',
        'node-redis: mallocKey+freeKeys / its ceiling',
        'nodeRedisPair',
        'nodeRedisCeiling',
      );
      paired(
        'ioredisPair/ioredisCeiling',
        'ioredis: mallocKey+freeKeys / its ceiling',
        'ioredisPair',
        'ioredisCeiling',
      );
      paired('nodeRedisPair/ioredisPair', 'node-redis pair / ioredis pair', 'nodeRedisPair', 'ioredisPair');
    }

    // One script call per operation on every client family, nothing else sent.
    const families: Array<[string, RedisClient]> = [
      ['ioredis 5', ioredis],
      ['node-redis 6', nodeRedis],
    ];
    const ioredis6 = new Ioredis6(env.url);
    const valkey = new Valkey(env.url);
    const nodeRedis5 = await createClient5({ url: env.url }).connect();
    const resp3 = await createClient({ url: env.url, RESP: 3 }).connect();
    closers.push(
      () => ioredis6.quit(),
      () => valkey.quit(),
      () => nodeRedis5.close(),
      () => resp3.close(),
    );
    families.push(
      ['ioredis 6', ioredis6],
      ['iovalkey', valkey],
      ['node-redis 5', nodeRedis5],
      ['node-redis 6 RESP3', resp3],
    );
    const checks: Check[] = [];
    for (const [family, client] of families) {
      const pair = mallocFreePair(await allocator(client, `check-${family}`));
      await pair(); // scripts cached, connection warm
      const before = await commandStats(admin);
      for (let i = 0; i < CHECK_PAIRS; i++) await pair();
      const sent = diffStats(before, await commandStats(admin));
      delete sent.info;
      // commandstats also counts the commands a script runs inside; what the client itself sent
      // is pinned by test/client/round-trips.test.ts (MONITOR), here only the script calls count.
      const scriptCalls = (sent.evalsha?.calls ?? 0) + (sent.eval?.calls ?? 0);
      checks.push({
        id: `clients/one-script-per-op/${family}`,
        label: `${family}: one script call per mallocKey and per freeKeys`,
        pass: scriptCalls === 2 * CHECK_PAIRS,
        detail: `${scriptCalls} script calls for ${2 * CHECK_PAIRS} operations`,
      });
    }
    return {
      id: 'clients',
      title: `Client families: the pair through node-redis and ioredis, pool of ${poolSize} (issue 8)`,
      rows,
      ratios,
      checks,
      notes: [],
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await Promise.all(closers.map((close) => close().catch(() => undefined)));
  }
}
