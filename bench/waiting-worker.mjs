// One process of the waiting figure (issue 9). Plain ESM on a snapshot of the built library.
// IPC: the parent sends { phase, ... }; the worker answers with a report. Every Redis command
// this process sends (its main client and every duplicate, i.e. the blocking connection) is
// counted, so "client commands per acquisition" is exact, not estimated.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { Semaphore } from 'redis-semaphore';

const [url, prefix, libraryPath, trivialScript] = process.argv.slice(2);
const { RedisAllocator } = await import(pathToFileURL(libraryPath).href);

let commands = 0;
/** TRACE_RELEASE (bench/experiments/waiting-profile.ts): when each key's release script was written and its reply parsed. */
const TRACE = Boolean(process.env.TRACE_RELEASE);
/** Set by waiting-profile.ts: measure the event-loop delay too. */
const DIAGNOSTICS = Boolean(process.env.WAITING_DIAGNOSTICS);
/**
 * ALLOCATOR_SPIN_US (experiments only): busy CPU this long after each of our releases, off the
 * hand-off's path (the next holder is granted before the releasing loop resumes), to see how much
 * the figure depends on the workers' client CPU.
 */
const SPIN_US = Number(process.env.ALLOCATOR_SPIN_US ?? 0);
const releaseWire = new Map();
/** TRACE_RELEASE: each mailbox read's [written, reply parsed, keys it delivered]. */
const mailboxReads = [];
/** Counts every command a client (and its duplicates) sends. */
function counted(client) {
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    commands++;
    // release.lua is the only script called with 4 keys; its first key/token pair is ARGV[5..6].
    if (TRACE && /^evalsha$/i.test(command.name) && String(command.args[1]) === '4') {
      const wire = { sentAt: now(), parsedAt: Number.NaN };
      releaseWire.set(String(command.args[10]), wire);
      command.promise.then(
        () => (wire.parsedAt = now()),
        () => {},
      );
    }
    if (TRACE && /^blmpop$/i.test(command.name)) {
      const read = [now(), Number.NaN, []];
      mailboxReads.push(read);
      command.promise.then(
        (reply) => {
          read[1] = now();
          // Messages "<ticket>|<fence>|<token>|<key>": the key follows the third "|".
          for (const message of reply?.[1] ?? []) read[2].push(String(message).split('|').slice(3).join('|'));
        },
        () => {},
      );
    }
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
const spin = (us) => {
  for (const until = performance.now() + us / 1000; performance.now() < until; );
};

/**
 * Closed loops that wait for a key, hold it `holdMs`, release it; until `end`. The first `warmup`
 * seconds are not measured (JIT, script loading, the allocator's blocking connection, the
 * semaphore's first polls): the figure is the steady state, for both subjects alike.
 */
async function contend({ subject, loops, holdMs, seconds, warmup = 0, limit, key, pool }) {
  const allocator = new RedisAllocator(client, pool);
  const events = []; // [kind, key, t]: 'g' grant, 'r' release sent (in the measured window)
  // TRACE: each release's round trip in ms; for ours split as [call → script written, written →
  // reply parsed, parsed → the releasing loop resumes].
  const releases = [];
  let acquisitions = 0;
  let heldMs = 0;
  const rtts = [];
  const start = now() + warmup * 1000;
  const end = start + seconds * 1000;
  commands = 0;
  // The counters restart when the measured window opens.
  let cpuAtStart = process.cpuUsage();
  let switchesAtStart = process.resourceUsage();
  // How late this process's event loop runs what is due (a grant waits behind it as well); only
  // for waiting-profile: its 1 ms timer would be one more wake-up per millisecond in the bench.
  const loopDelay = DIAGNOSTICS ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
  const opening = setTimeout(() => {
    commands = 0;
    rtts.length = 0;
    cpuAtStart = process.cpuUsage();
    switchesAtStart = process.resourceUsage();
    loopDelay?.enable();
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
        if (SPIN_US > 0) spin(SPIN_US);
        if (TRACE && released >= start) {
          const wire = releaseWire.get(lease.key);
          releases.push([wire.sentAt - released, wire.parsedAt - wire.sentAt, now() - wire.parsedAt]);
        }
      } else {
        await semaphore.acquire();
        const granted = now();
        await sleep(holdMs);
        const released = now();
        held(granted, released);
        await semaphore.release();
        if (TRACE && released >= start) releases.push([now() - released]);
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
  const systemCpuMs = cpu.system / 1000;
  const usage = process.resourceUsage();
  /** Times this process went to sleep (voluntary) or was preempted, in the measured window. */
  const switches = {
    voluntary: usage.voluntaryContextSwitches - switchesAtStart.voluntaryContextSwitches,
    involuntary: usage.involuntaryContextSwitches - switchesAtStart.involuntaryContextSwitches,
  };
  clearTimeout(opening);
  const sent = commands - rtts.length;
  await allocator.close();
  loopDelay?.disable();
  const loopDelayMs = loopDelay && {
    p50: loopDelay.percentile(50) / 1e6,
    p99: loopDelay.percentile(99) / 1e6,
    max: loopDelay.max / 1e6,
  };
  const reads = mailboxReads.splice(0).filter((read) => read[1] >= start && read[2].length > 0);
  return {
    reads,
    releases,
    acquisitions,
    commands: sent,
    heldMs,
    events,
    rtts,
    start,
    end,
    cpuMs,
    systemCpuMs,
    switches,
    loopDelayMs,
  };
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
