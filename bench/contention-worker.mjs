// One process of the contention figure (figure 5). Plain ESM on the built library, so eight of
// them start fast (no tsx). Protocol (IPC): parent sends { subject, seconds }, worker answers
// { latencies: number[] } in microseconds; 'ceiling' times one trivial EVALSHA, 'malloc' times
// mallocKey. Each loop then makes its second, untimed call (EVALSHA / freeKeys), so both subjects
// keep the same two-round-trip rhythm.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';

// The library comes from a snapshot of dist/ the parent took: another engineer's build may be
// rewriting dist/ (tsup cleans it first) at the moment this process starts.
const [url, prefix, concurrencyArg, script, libraryPath] = process.argv.slice(2);
const { RedisAllocator } = await import(pathToFileURL(libraryPath).href);
const concurrency = Number(concurrencyArg);
const client = new Redis(url, { maxRetriesPerRequest: 3 });
const allocator = new RedisAllocator(client, prefix);
const sha = await client.script('LOAD', script);
const ceilingKey = `${prefix}:ceiling`;

const timedOps = {
  ceiling: async (latencies) => {
    const t0 = performance.now();
    await client.evalsha(sha, 1, ceilingKey);
    latencies.push((performance.now() - t0) * 1000);
    await client.evalsha(sha, 1, ceilingKey);
  },
  malloc: async (latencies) => {
    const t0 = performance.now();
    const key = await allocator.mallocKey({ timeout: 600 });
    latencies.push((performance.now() - t0) * 1000);
    if (key === null) throw new Error('contention pool ran dry');
    await allocator.freeKeys([key]);
  },
};

process.on('message', async (message) => {
  if (message.stop) {
    await client.quit();
    process.disconnect();
    return;
  }
  const op = timedOps[message.subject];
  const latencies = [];
  const end = performance.now() + message.seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) await op(latencies);
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  process.send({ latencies });
});
process.send({ ready: true });
