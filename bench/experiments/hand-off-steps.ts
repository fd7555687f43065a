/**
 * EXPERIMENT (issue 9), not part of `npm run bench`: where the time of one hand-off goes. One
 * process, one key, two loops that take turns (each waits for the key, yields once, releases it),
 * on a private Redis: first on one allocator instance (the release reply brings the key: local
 * delivery), then on two (the waiter's mailbox does). A mailbox hand-off is split at two points
 * seen on the wire (ioredis' own command objects): the release's EVALSHA written, and the waiter's
 * BLMPOP answered.
 *   release call → EVALSHA written: the library's release path;
 *   EVALSHA written → BLMPOP answered: Redis (release script, hand-off) and both sockets;
 *   BLMPOP answered → grant seen by the caller: the library's delivery path.
 * Beside it, the floor of the mechanism: a trivial script's RPUSH to a list another connection
 * blocks on (with a second read queued, as the mailbox loop does).
 * Run: `npm run build && node --import tsx bench/experiments/hand-off-steps.ts [hand-offs]`.
 */
import type { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';
import { openBenchRedis } from '../lib/redis.js';
import { median, quantile } from '../lib/stats.js';

const handOffs = Number(process.argv[2] ?? 3000);
const now = () => performance.now();

interface WireCommand {
  name: string;
  promise: Promise<unknown>;
}
type Sender = (command: WireCommand, stream?: unknown) => unknown;

/** Calls `seen(command)` for every command `client` (and its duplicates) writes. */
function watch(client: Redis, seen: (command: WireCommand) => void): void {
  const target = client as unknown as { sendCommand: Sender; duplicate: (...args: unknown[]) => Redis };
  const send = target.sendCommand.bind(target);
  target.sendCommand = (command, stream) => {
    seen(command);
    return send(command, stream);
  };
  const duplicate = target.duplicate.bind(target);
  target.duplicate = (...args) => {
    const copy = duplicate(...args);
    watch(copy, seen);
    return copy;
  };
}

async function floor(env: Awaited<ReturnType<typeof openBenchRedis>>): Promise<number[]> {
  const pusher = await env.client();
  const reader = await env.client();
  const sha = (await pusher.script('LOAD', "redis.call('RPUSH', KEYS[1], ARGV[1]) return 1")) as string;
  const key = `hand-off-steps:floor:${process.pid}`;
  const latencies: number[] = [];
  let sentAt = 0;
  let arrived: (() => void) | undefined;
  let stop = false;
  const read = () => reader.blmpop(1, 1, key, 'LEFT', 'COUNT', 128);
  const reading = (async () => {
    let queued = read();
    while (!stop) {
      const current = queued;
      queued = read();
      if (await current) {
        latencies.push(now() - sentAt);
        arrived?.();
      }
    }
    await queued;
  })();
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (let i = 0; i < handOffs; i++) {
    const got = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    sentAt = now();
    await pusher.evalsha(sha, 1, key, 'x');
    await got;
  }
  stop = true;
  await reading;
  return latencies;
}

const env = await openBenchRedis();
try {
  const floorLatencies = await floor(env);
  const client = await env.client();
  let releaseWritten = 0;
  let answered = 0;
  watch(client, (command) => {
    const name = command.name.toLowerCase();
    if (name === 'evalsha') releaseWritten = now();
    if (name === 'blmpop')
      command.promise.then(
        (reply) => {
          if (reply) answered = now();
        },
        () => {},
      );
  });
  /**
   * Two loops take turns on one key. `instances` 1: both loops on one allocator instance, so every
   * hand-off is answered in the release reply (local delivery); 2: one instance each, so every
   * hand-off goes through the waiter's mailbox and its BLMPOP.
   */
  const run = async (instances: 1 | 2) => {
    const prefix = `hand-off-steps:${process.pid}:${instances}`;
    const allocators = Array.from({ length: instances }, () => new RedisAllocator(client, prefix));
    await allocators[0]!.extend(['k']);
    const steps = {
      total: [] as number[],
      release: [] as number[],
      redis: [] as number[],
      delivery: [] as number[],
    };
    let releaseCalled = 0;
    let releaseSent = 0;
    let count = 0;
    const loop = async (allocator: RedisAllocator) => {
      while (count < handOffs) {
        const lease = (await allocator.acquireLease({ wait: 60, timeout: 60 }))!;
        const granted = now();
        if (releaseCalled > 0) steps.total.push(granted - releaseCalled);
        if (releaseCalled > 0 && answered > releaseSent) {
          steps.release.push(releaseSent - releaseCalled);
          steps.redis.push(answered - releaseSent);
          steps.delivery.push(granted - answered);
        }
        count++;
        await new Promise((resolve) => setImmediate(resolve));
        releaseCalled = now();
        const releasing = allocator.releaseLease(lease);
        // The coalescer writes the EVALSHA a few microtasks after the call.
        for (let i = 0; i < 4; i++) await Promise.resolve();
        releaseSent = releaseWritten;
        await releasing;
      }
    };
    await Promise.all([loop(allocators[0]!), loop(allocators[instances - 1]!)]);
    await Promise.all(allocators.map((allocator) => allocator.close()));
    return steps;
  };
  const show = (label: string, values: number[]) =>
    console.log(
      `${label.padEnd(40)} p50 ${median(values).toFixed(3)} ms  p90 ${quantile(values, 0.9).toFixed(3)} ms`,
    );
  await run(1); // warm-up (JIT, script loading) for both
  const mailbox = await run(2);
  const local = await run(1);
  console.log(`${handOffs} hand-offs each way`);
  show('one instance: release call → grant', local.total);
  show('two instances: release call → grant', mailbox.total);
  show('  release call → EVALSHA written', mailbox.release);
  show('  EVALSHA written → BLMPOP answered', mailbox.redis);
  show('  BLMPOP answered → grant', mailbox.delivery);
  show('floor: RPUSH script → BLMPOP', floorLatencies);
} finally {
  await env.close();
}
