/**
 * How long `diagnose` takes and how long it blocks Redis, by pool size, atomic and chunked.
 * "Blocked" is the longest single script call the server logged (SLOWLOG with a 0 µs threshold,
 * on our private server only), i.e. the longest time every other client had to wait.
 */
import { diagnose, RedisAllocatorCore } from 'redis-allocator';
import { openBenchRedis } from './lib/redis.js';
import { median } from './lib/stats.js';
import { resourceKeys } from './lib/subjects.js';

const SIZES = process.argv.includes('--quick') ? [1000, 10_000] : [1000, 10_000, 100_000];
const HELD_SHARE = 0.2;
const RUNS = 3;
const CHUNK = 2000;

const env = await openBenchRedis();
if (!env.private) throw new Error('bench:diagnose changes SLOWLOG settings: run it without REDIS_URL');
const admin = await env.client();
const client = await env.client();
await admin.config('SET', 'slowlog-log-slower-than', '0');
await admin.config('SET', 'slowlog-max-len', '100000');

/** Longest script call since the last SLOWLOG RESET, in ms. */
async function longestScriptMs(): Promise<number> {
  const entries = (await admin.call('SLOWLOG', 'GET', '-1')) as [number, number, number, string[]][];
  const scripts = entries.filter((e) => /^eval/i.test(String(e[3][0])));
  return Math.max(0, ...scripts.map((e) => e[2] / 1000));
}

console.log('pool size | mode | diagnose wall (median ms) | snapshot calls | longest script block (ms)');
try {
  for (const size of SIZES) {
    const allocator = new RedisAllocatorCore(client, `diag-bench:${size}`);
    await allocator.clear();
    const keys = resourceKeys(size);
    for (let i = 0; i < keys.length; i += 1000) await allocator.extend(keys.slice(i, i + 1000));
    for (let i = 0; i < size * HELD_SHARE; i++) await allocator.acquireLease({ timeout: 600 });
    for (const chunkSize of [0, CHUNK]) {
      const walls: number[] = [];
      const blocks: number[] = [];
      let calls = 0;
      for (let run = 0; run < RUNS; run++) {
        await admin.call('SLOWLOG', 'RESET');
        const started = performance.now();
        const report = await diagnose(allocator, { chunkSize });
        walls.push(performance.now() - started);
        blocks.push(await longestScriptMs());
        calls = report.timing.snapshotCalls;
        if (report.pool.total !== size) throw new Error(`read ${report.pool.total} of ${size} entries`);
      }
      const mode = chunkSize === 0 ? 'atomic' : `chunked ${chunkSize}`;
      console.log(
        `${size} | ${mode} | ${median(walls).toFixed(0)} | ${calls} | ${Math.max(...blocks).toFixed(1)}`,
      );
    }
    await allocator.clear();
  }
} finally {
  await env.close();
}
