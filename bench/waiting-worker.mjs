// One process of the waiting figure (issue 9). Plain ESM on a snapshot of the built library.
// IPC: the parent sends { phase, ... }; the worker answers with a report. Every Redis command
// this process sends (its main client and every duplicate, i.e. the blocking connection) is
// counted, so "client commands per acquisition" is exact, not estimated.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { Semaphore } from 'redis-semaphore';

const [url, prefix, libraryPath, trivialScript] = process.argv.slice(2);
const { RedisAllocator } = await import(pathToFileURL(libraryPath).href);

let commands = 0;
/** Counts every command a client (and its duplicates) sends. */
function counted(client) {
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    commands++;
    return send(command, stream);
  };
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (...args) => counted(duplicate(...args));
  return client;
}

const client = counted(new Redis(url, { maxRetriesPerRequest: 3 }));
const sha = await client.script('LOAD', trivialScript);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Closed loops that wait for a key, hold it `holdMs`, release it; until `end`. The first `warmup`
 * seconds are not measured (JIT, script loading, the allocator's blocking connection, the
 * semaphore's first polls): the figure is the steady state, for both subjects alike.
 */
async function contend({ subject, loops, holdMs, seconds, warmup = 0, limit, key, pool }) {
  const allocator = new RedisAllocator(client, pool);
  const events = []; // [kind, key, t]: 'g' grant, 'r' release sent (in the measured window)
  let acquisitions = 0;
  let heldMs = 0;
  const rtts = [];
  const start = now() + warmup * 1000;
  const end = start + seconds * 1000;
  commands = 0;
  // The counters restart when the measured window opens.
  let cpuAtStart = process.cpuUsage();
  const opening = setTimeout(() => {
    commands = 0;
    rtts.length = 0;
    cpuAtStart = process.cpuUsage();
  }, warmup * 1000);
  /** A hold from `granted` to `released`, counted for the part inside the window. */
  const held = (granted, released) => {
    heldMs += Math.max(0, Math.min(released, end) - Math.max(granted, start));
    if (granted >= start && granted < end) acquisitions++;
  };
  const loop = async () => {
    // One Semaphore per loop: an instance is one holder identity in redis-semaphore.
    const semaphore = new Semaphore(client, key, limit, { acquireTimeout: 600_000, lockTimeout: 600_000 });
    while (now() < end) {
      if (subject === 'allocator') {
        const lease = await allocator.acquireLease({ wait: 600, timeout: 600 });
        const granted = now();
        if (granted >= start) events.push(['g', lease.key, granted]);
        await sleep(holdMs);
        const released = now();
        if (released >= start) events.push(['r', lease.key, released]);
        held(granted, released);
        await allocator.releaseLease(lease);
      } else {
        await semaphore.acquire();
        const granted = now();
        await sleep(holdMs);
        held(granted, now());
        await semaphore.release();
      }
    }
  };
  // The yardstick: one trivial EVALSHA on the same connection, under the same load (its own
  // commands are not counted as the subject's).
  const ceiling = async () => {
    while (now() < end) {
      const t0 = performance.now();
      await client.evalsha(sha, 1, `${prefix}:ceiling`);
      rtts.push(performance.now() - t0);
      await sleep(5);
    }
  };
  await Promise.all([...Array.from({ length: loops }, loop), ceiling()]);
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  clearTimeout(opening);
  const sent = commands - rtts.length;
  await allocator.close();
  return { acquisitions, commands: sent, heldMs, events, rtts, start, end, cpuMs };
}

/** Queues one waiter (parent serialises arrivals); reports its grant time when served. */
const fairnessAllocator = new RedisAllocator(client, prefix);
const grants = [];
function queueOne({ label, priority, holdMs }) {
  void fairnessAllocator.acquireLease({ wait: 600, priority }).then(async (lease) => {
    grants.push([label, now()]);
    await sleep(holdMs);
    await fairnessAllocator.releaseLease(lease);
  });
}

process.on('message', async (message) => {
  if (message.phase === 'stop') {
    await fairnessAllocator.close();
    await client.quit();
    process.disconnect();
    return;
  }
  if (message.phase === 'contend') process.send(await contend(message));
  else if (message.phase === 'queue') {
    queueOne(message);
    process.send({ queued: true });
  } else if (message.phase === 'grants') process.send({ grants: grants.splice(0) });
});
process.send({ ready: true });
