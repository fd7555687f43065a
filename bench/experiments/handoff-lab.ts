/**
 * EXPERIMENT (issue 9): the Redis cost of one contended acquisition (a waiting malloc that queues,
 * then the release that hands the key on), the library's own scripts or variants of them
 * (LAB_LUA_DIR: a directory whose .lua files replace the library's files of the same name, see
 * lua-text-hook.mjs). Two allocator instances in this process (so hand-offs go through the
 * mailbox and by local delivery, as with two processes) run closed loops on 8 keys with no hold.
 * Under callgrind-lab.sh's server (LAB_CALLGRIND_PID) the figure is instructions per acquisition,
 * otherwise server µs from INFO commandstats; redis-semaphore's uncontended acquire + release and
 * two trivial EVALSHAs are the references, in the same units.
 * Run: `bench/experiments/callgrind-lab.sh` style, or directly:
 * `LAB_LUA_DIR=dir node --import tsx bench/experiments/handoff-lab.ts [acquisitions] [waiters] [mailbox|local]`
 */
import { register } from 'node:module';

register('./lua-text-hook.mjs', import.meta.url);
const { basename } = await import('node:path');
const { callgrindPid, serverInstructions } = await import('./callgrind.js');
const { RedisAllocator } = await import('../../src/index.js');
const { commandStats, diffStats, openBenchRedis } = await import('../lib/redis.js');
const { resourceKeys, TRIVIAL_SCRIPT } = await import('../lib/subjects.js');
const { Semaphore } = await import('redis-semaphore');

const target = Number(process.argv[2] ?? 400);
const waiters = Number(process.argv[3] ?? 16);
/** 'mailbox': every release goes through a third instance without waiters, so every hand-off is
 * posted to a mailbox; 'local': each loop releases through its own instance (local delivery). */
const mode = process.argv[4] ?? 'mailbox';
const RESOURCES = 8;

const env = await openBenchRedis();
const client = await env.client();
const admin = await env.client();

/** Server cost of `run` divided by `per`: kilo-instructions under callgrind, else µs. */
async function cost(
  per: number,
  run: () => Promise<unknown>,
): Promise<{ value: number; stats: Record<string, number> }> {
  const before = await commandStats(admin);
  let value = callgrindPid ? (await serverInstructions(run)) / per / 1000 : undefined;
  if (!callgrindPid) await run();
  const diff = diffStats(before, await commandStats(admin));
  delete diff.info;
  delete diff.commandstats;
  value ??= Object.values(diff).reduce((a, x) => a + x.usec, 0) / per;
  const stats = Object.fromEntries(Object.entries(diff).map(([c, s]) => [c, s.calls / per]));
  return { value, stats };
}

const pool = 'lab:handoff';
const a = new RedisAllocator(client, pool);
const b = new RedisAllocator(client, pool);
const releaser = new RedisAllocator(client, pool);
await a.extend(resourceKeys(RESOURCES));
// Every instance learns the server clock, as a process that allocates and releases does (else the
// releaser's hand-offs would read TIME).
for (const instance of [a, b, releaser])
  await instance.releaseLease((await instance.acquireLease({ timeout: 60 }))!);
let acquisitions = 0;
let stop = false;
let finished: () => void;
const done = new Promise<void>((resolve) => (finished = resolve));
async function loop(allocator: InstanceType<typeof RedisAllocator>) {
  while (!stop) {
    const lease = await allocator.acquireLease({ wait: 600, timeout: 600 });
    if (++acquisitions === target) finished();
    await new Promise((r) => setImmediate(r));
    await (mode === 'local' ? allocator : releaser).releaseLease(lease!);
  }
}
// Warm-up: the loops run, the blocking connections open, the clock calibrates.
const loops = Array.from({ length: waiters }, (_, i) => loop(i % 2 === 0 ? a : b));
while (acquisitions < 200) await new Promise((r) => setTimeout(r, 10));
acquisitions = 0;
const cpuBefore = process.cpuUsage();
const measured = await cost(target, () => done);
const cpu = process.cpuUsage(cpuBefore);
const counted = acquisitions;
stop = true;
await Promise.all(loops);

const trivial = (await client.script('LOAD', TRIVIAL_SCRIPT)) as string;
const floor = await cost(target, async () => {
  const p = client.pipeline();
  for (let i = 0; i < 2 * target; i++) p.evalsha(trivial, 1, 'lab:floor');
  await p.exec();
});
const options = { lockTimeout: 600_000, refreshInterval: 0, acquireTimeout: 10_000, retryInterval: 1 };
const semaphores = Array.from(
  { length: target },
  () => new Semaphore(client, 'lab:semaphore', 100_000, options),
);
const semaphore = await cost(target, async () => {
  await Promise.all(semaphores.map((s) => s.acquire()));
  await Promise.all(semaphores.map((s) => s.release()));
});
// The two halves apart: with every key held, `target` waiting mallocs that queue; then the
// releases that hand each key to the first of them (local delivery: the releaser's own waiters).
const split = new RedisAllocator(client, 'lab:handoff-split');
await split.extend(resourceKeys(RESOURCES));
const held = await Promise.all(Array.from({ length: RESOURCES }, () => split.acquireLease({ timeout: 600 })));
let granted: Promise<unknown>[] = [];
const queueing = await cost(target, async () => {
  // Each waiting malloc is its own script call; a few polls of the queue length (not per call)
  // tell when all have queued.
  for (let i = 0; i < target; i++) granted.push(split.acquireLease({ wait: 600, timeout: 600 }));
  while ((await admin.zcard(split.redisKeys.waiters)) < target) await new Promise((r) => setTimeout(r, 50));
});
const handing = await cost(target, async () => {
  const leases = [...held];
  for (let i = 0; i < target; i++) {
    await split.releaseLease(leases[i]!);
    leases.push((await granted[i]) as (typeof leases)[number]);
  }
});
granted = [];
const unit = callgrindPid ? 'kinstr' : 'µs';
console.log(
  `  apart: a waiting malloc that queues ${queueing.value.toFixed(1)} ${unit}, a release handing its key to a waiter (local) ${handing.value.toFixed(1)} ${unit}`,
);
console.log(
  `${LAB()}: ${measured.value.toFixed(1)} ${unit} per contended acquisition (${counted} counted; ${waiters} waiters, ${RESOURCES} keys, ${mode} hand-offs)`,
);
console.log(
  `  client CPU per acquisition (this process, both instances): ${((cpu.user + cpu.system) / counted).toFixed(1)} µs (user ${(cpu.user / counted).toFixed(1)})`,
);
console.log(
  `  redis-semaphore acquire + release (uncontended): ${semaphore.value.toFixed(1)} ${unit}; two trivial EVALSHAs: ${floor.value.toFixed(1)} ${unit}`,
);
console.log(
  `  commands per acquisition: ${Object.entries(measured.stats)
    .sort((x, y) => y[1] - x[1])
    .map(([c, n]) => `${c} ${n.toFixed(2)}`)
    .join(', ')}`,
);
await a.close();
await b.close();
await releaser.close();
await split.close();
await env.close();

function LAB(): string {
  return process.env.LAB_LUA_DIR ? `variant ${basename(process.env.LAB_LUA_DIR)}` : 'current';
}
