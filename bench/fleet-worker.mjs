// One client process of the fleet figure. Plain ESM on a snapshot of the built library, so several
// start fast (no tsx). Protocol (IPC): the parent sends { subject, seconds }; the worker runs
// `concurrency` closed loops of that subject's pair and answers { pairs, elapsed, sent }, where
// `sent` counts every top-level command this process sent, by name (what the parent reads back
// from INFO commandstats).
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { Semaphore } from 'redis-semaphore';

const [url, prefix, concurrencyArg, floorScript, libraryPath] = process.argv.slice(2);
const { RedisAllocator, DefaultRedisAllocatorPolicy } = await import(pathToFileURL(libraryPath).href);
const concurrency = Number(concurrencyArg);
const LEASE_SECONDS = 600;
const SEMAPHORE_LIMIT = 100_000;

const client = new Redis(url, { maxRetriesPerRequest: 3 });
let sent = {};
const send = client.sendCommand.bind(client);
client.sendCommand = (command, ...rest) => {
  const name = command.name.toLowerCase(); // commandstats names are lower-case; clients may send either
  sent[name] = (sent[name] ?? 0) + 1;
  return send(command, ...rest);
};

const floorSha = await client.script('LOAD', floorScript);
const floorKey = `${prefix}:floor`;
const exclusive = new RedisAllocator(client, `${prefix}:pair`);
// The same pool path one call per script: what coalescing adds (issue 13, step 4).
const single = new RedisAllocator(client, `${prefix}:single`, { coalesce: false });
const policy = new RedisAllocator(client, `${prefix}:policy`, { policy: new DefaultRedisAllocatorPolicy() });
const semaphoreOptions = {
  lockTimeout: LEASE_SECONDS * 1000,
  refreshInterval: 0,
  acquireTimeout: 10_000,
  retryInterval: 1,
};

const pairs = {
  floor: async () => {
    await client.evalsha(floorSha, 1, floorKey);
    await client.evalsha(floorSha, 1, floorKey);
  },
  pair: async () => {
    const key = await exclusive.mallocKey({ timeout: LEASE_SECONDS });
    if (key === null) throw new Error('fleet pool ran dry');
    await exclusive.freeKeys([key]);
  },
  single: async () => {
    const key = await single.mallocKey({ timeout: LEASE_SECONDS });
    if (key === null) throw new Error('fleet pool ran dry');
    await single.freeKeys([key]);
  },
  policy: async () => {
    const obj = await policy.malloc({ timeout: LEASE_SECONDS });
    if (obj === null) throw new Error('fleet pool ran dry');
    await obj.release();
  },
  semaphore: async () => {
    const semaphore = new Semaphore(client, `${prefix}:semaphore`, SEMAPHORE_LIMIT, semaphoreOptions);
    await semaphore.acquire();
    await semaphore.release();
  },
};

process.on('message', async (message) => {
  if (message.stop) {
    await client.quit();
    process.disconnect();
    return;
  }
  const pair = pairs[message.subject];
  sent = {};
  let done = 0;
  const start = performance.now();
  const end = start + message.seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      await pair();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  process.send({ pairs: done, elapsed: (performance.now() - start) / 1000, sent });
});
process.send({ ready: true });
