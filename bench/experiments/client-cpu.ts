/**
 * EXPERIMENT (issue 9): client CPU per acquire + release in one process, 8 concurrent loops, no
 * contention (100 keys): two trivial EVALSHAs, redis-semaphore's acquire + release, and ours with
 * and without `wait` (a waiting malloc is one script call per caller; the others are coalesced).
 * Shows where the waiting bench's client CPU comes from.
 * Run: `npm run build && node --import tsx bench/experiments/client-cpu.ts [operations]`
 */
import { RedisAllocator } from 'redis-allocator';
import { Semaphore } from 'redis-semaphore';
import { openBenchRedis } from '../lib/redis.js';
import { resourceKeys, TRIVIAL_SCRIPT } from '../lib/subjects.js';

const operations = Number(process.argv[2] ?? 20_000);
const LOOPS = 8;
const env = await openBenchRedis();
try {
  const client = await env.client();
  /** CPU µs of this process per operation, after as many unmeasured operations first. */
  async function measure(name: string, operation: () => Promise<void>): Promise<void> {
    let done = 0;
    const run = () =>
      Promise.all(
        Array.from({ length: LOOPS }, async () => {
          while (done++ < operations) await operation();
        }),
      );
    await run();
    done = 0;
    const before = process.cpuUsage();
    await run();
    const cpu = process.cpuUsage(before);
    console.log(
      `${name}: ${((cpu.user + cpu.system) / operations).toFixed(1)} µs client CPU per operation (user ${(cpu.user / operations).toFixed(1)})`,
    );
  }
  const sha = (await client.script('LOAD', TRIVIAL_SCRIPT)) as string;
  await measure('two trivial EVALSHAs', async () => {
    await client.evalsha(sha, 1, 'cpu:trivial');
    await client.evalsha(sha, 1, 'cpu:trivial');
  });
  let next = 0;
  await measure('redis-semaphore acquire + release', async () => {
    const semaphore = new Semaphore(client, `cpu:semaphore:${next++ % LOOPS}`, 1000, {
      lockTimeout: 60_000,
      refreshInterval: 0,
    });
    await semaphore.acquire();
    await semaphore.release();
  });
  const allocator = new RedisAllocator(client, 'cpu:allocator');
  await allocator.extend(resourceKeys(100));
  for (const wait of [0, 5]) {
    await measure(`allocator acquireLease${wait ? '({ wait })' : ''} + releaseLease`, async () => {
      await allocator.releaseLease((await allocator.acquireLease({ timeout: 60, wait }))!);
    });
  }
  await allocator.close();
} finally {
  await env.close();
}
