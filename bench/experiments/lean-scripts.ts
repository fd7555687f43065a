/**
 * EXPERIMENT, not part of `npm run bench`: what the changes proposed in the issue 5 report would
 * buy, measured as raw EVALSHA pairs beside the ceiling in one run (rounds interleaved):
 *   current   malloc.lua + free.lua as shipped (composed with pool.lua, as the loader does)
 *   lean      lean-malloc.lua + lean-free.lua (no helper closures, merged HSET/HMGET)
 *   gc5       malloc.lua with a GC step of 5 + release.lua (the policy path)
 *   gc5-gated the same with the GC step gated by `SET <gc cursor>|gate 1 NX PX 100`
 * Run: `npm run build && node --import tsx bench/experiments/lean-scripts.ts [concurrency] [rounds]`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';
import { costedThroughput, interleave, type Operation } from '../lib/measure.js';
import { openBenchRedis, serverCpuSeconds } from '../lib/redis.js';
import { median } from '../lib/stats.js';
import { ceilingPair, fillPool, mallocFreePair, resourceKeys } from '../lib/subjects.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const include = read('../../src/scripts/includes/pool.lua');
const compose = (source: string) => source.replace(/^--\s*@include\s+pool\s*$/m, include);
const mallocSource = read('../../src/scripts/allocator/malloc.lua');
const GC_LINE = 'if gcCount > 0 then gcStep(KEYS[4], gcCount) end';
const GATED_LINE =
  "if gcCount > 0 and rcall('SET', KEYS[4] .. '|gate', '1', 'NX', 'PX', 100) then gcStep(KEYS[4], gcCount) end";
if (!mallocSource.includes(GC_LINE)) throw new Error('malloc.lua changed: update the gate patch');

const concurrency = Number(process.argv[2] ?? 64);
const rounds = Number(process.argv[3] ?? 8);
const env = await openBenchRedis();
const client = await env.client();
const admin = await env.client();
const load = async (source: string) => (await client.script('LOAD', source)) as string;
const sha = {
  malloc: await load(compose(mallocSource)),
  gated: await load(compose(mallocSource.replace(GC_LINE, GATED_LINE))),
  free: await load(compose(read('../../src/scripts/allocator/free.lua'))),
  release: await load(compose(read('../../src/scripts/allocator/release.lua'))),
  leanMalloc: await load(read('./lean-malloc.lua')),
  leanFree: await load(read('./lean-free.lua')),
};

async function pool(name: string): Promise<RedisAllocator> {
  const allocator = new RedisAllocator(client, `experiment:${name}`);
  await fillPool(allocator, resourceKeys(1000));
  return allocator;
}

/** malloc with the library's exact arguments, then free (or token-checked release). */
function rawPair(
  redis: Redis,
  allocator: RedisAllocator,
  malloc: string,
  gcCount: number,
  back: string,
  checked: boolean,
): Operation {
  const { pool: p, head, tail, gcCursor, lockPrefix, bindPrefix } = allocator.redisKeys;
  return async () => {
    const token = randomUUID();
    const key = (await redis.evalsha(
      malloc,
      4,
      p,
      head,
      tail,
      gcCursor,
      lockPrefix,
      bindPrefix,
      '0',
      600_000,
      token,
      '',
      3_600_000,
      gcCount,
    )) as string | null;
    if (key === null) throw new Error('experiment pool ran dry');
    if (checked) await redis.evalsha(back, 3, p, head, tail, lockPrefix, '', key, token);
    else await redis.evalsha(back, 3, p, head, tail, lockPrefix, '', key);
  };
}

const ops: Record<string, Operation> = {
  ceiling: await ceilingPair(client, 'experiment:ceiling'),
  library: mallocFreePair(await pool('library')),
  current: rawPair(client, await pool('current'), sha.malloc, 0, sha.free, false),
  lean: rawPair(client, await pool('lean'), sha.leanMalloc, 0, sha.leanFree, false),
  gc5: rawPair(client, await pool('gc5'), sha.malloc, 5, sha.release, true),
  'gc5-gated': rawPair(client, await pool('gated'), sha.gated, 5, sha.release, true),
};
const names = Object.keys(ops);
for (const name of names) await costedThroughput(ops[name]!, concurrency, 0.3, () => serverCpuSeconds(admin));
const runs = await interleave(names, rounds, (name) =>
  costedThroughput(ops[name]!, concurrency, 0.5, () => serverCpuSeconds(admin)),
);
console.log(`concurrency ${concurrency}, ${rounds} interleaved rounds of 0.5 s`);
for (const name of names) {
  const r = runs[name]!;
  const vsCeiling = median(r.map((x, i) => x.opsPerSecond / runs.ceiling![i]!.opsPerSecond));
  const client = median(r.map((x) => x.clientCpu));
  const server = median(r.map((x) => x.serverCpu));
  console.log(
    `${name.padEnd(10)} ${median(r.map((x) => x.opsPerSecond))
      .toFixed(0)
      .padStart(6)} pairs/s  ` +
      `${vsCeiling.toFixed(2)} × ceiling  CPU µs/pair: client ${client.toFixed(1)}, server ${server.toFixed(1)}`,
  );
}
await env.close();
