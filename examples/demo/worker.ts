/**
 * One demo worker process: allocate a proxy with soft binding (the worker's name), prove with the
 * oracle that nobody else holds it, "use" it for a random time while renewing the lease, then free
 * it, or quarantine it when its health check fails. Reports every step to the parent over IPC.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import {
  DefaultRedisAllocatorPolicy,
  type Logger,
  RedisAllocator,
  type RedisAllocatorObject,
} from 'redis-allocator';
import { DEMO, randomBetween, sleep } from './config.js';
import { type ParentCommand, readWorkerEnvironment, type WorkerEvent } from './messages.js';
import { AllocationOracle } from './oracle.js';
import { ProxyProviderUpdater, SimulatedProxy } from './proxies.js';

const env = readWorkerEnvironment(process.env);
const leaseMs = DEMO.leaseSeconds * 1000;
const marginMs = DEMO.oracleMarginSeconds * 1000;

function send(event: WorkerEvent): void {
  if (process.connected) process.send?.(event);
}

/** The library reports background problems (e.g. a failed pool refresh) here: on to the parent. */
const logger: Logger = {
  warn: (message) => send({ type: 'warning', message }),
  error: (message) => send({ type: 'warning', message }),
};

const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: 3 });
// Failed commands reject (and end the worker through main's catch); the event itself adds only noise.
redis.on('error', () => {});
const policy = new DefaultRedisAllocatorPolicy({
  gcCount: DEMO.gcCount,
  updateInterval: DEMO.updateIntervalSeconds,
  expiryDuration: -1,
  updater: new ProxyProviderUpdater(env.startedAt),
  logger,
});
const allocator = new RedisAllocator<SimulatedProxy>(redis, env.prefix, { policy });
const oracle = new AllocationOracle(redis, env.prefix);
const proxy = new SimulatedProxy(env.name);

let stopping = false;
process.on('message', (command: ParentCommand) => {
  if (command.type === 'stop') stopping = true;
});
// An orphaned worker (parent gone) finishes its hold and exits like a stopped one. Ctrl-C reaches
// the whole process group: the parent stops the run, the workers just finish their hold.
process.on('disconnect', () => {
  stopping = true;
});
process.on('SIGINT', () => {
  stopping = true;
});

/**
 * The earliest moment our lease can end: the send time of the last successful allocation or
 * renewal plus the lease TTL (Redis applied it after we sent it). A lease found gone before then
 * was taken from us: the demo reports that as a safety failure.
 */
class LeaseClock {
  private endsNoEarlierThan: number;
  constructor(sentAt: number) {
    this.endsNoEarlierThan = sentAt + leaseMs;
  }
  renewed(sentAt: number): void {
    this.endsNoEarlierThan = sentAt + leaseMs;
  }
  /** True while the lease must still be alive (with a safety margin). */
  mustBeAlive(): boolean {
    return performance.now() < this.endsNoEarlierThan - marginMs;
  }
}

let claims = 0;

/** Holds the proxy behind an oracle claim for a random time, renewing the lease; then frees or quarantines it. */
async function use(lease: RedisAllocatorObject<SimulatedProxy>, clock: LeaseClock): Promise<void> {
  const { key } = lease;
  const claimant = `${env.name}/${process.pid}/${++claims}`;
  const lock = { key: allocator.redisKeys.lockPrefix + key, token: lease.token };
  const claim = await oracle.claim(key, claimant, lock, DEMO.oracleCapSeconds, DEMO.oracleMarginSeconds);
  if (claim.kind === 'taken') {
    send({ type: 'double', key, holder: claim.holder });
    return;
  }
  if (claim.kind === 'lease-gone') {
    send({
      type: 'lost',
      key,
      stage: 'claim',
      early: clock.mustBeAlive() && claim.lockValue !== lease.token,
    });
    return;
  }

  const holdUntil = performance.now() + randomBetween(DEMO.holdSeconds) * 1000;
  while (performance.now() < holdUntil) {
    await sleep(Math.min(DEMO.renewEverySeconds, (holdUntil - performance.now()) / 1000));
    if (performance.now() >= holdUntil) break;
    const sentAt = performance.now();
    if (!(await lease.update(DEMO.leaseSeconds))) {
      send({ type: 'lost', key, stage: 'renew', early: clock.mustBeAlive() });
      await oracle.unclaim(key, claimant);
      return;
    }
    clock.renewed(sentAt);
    send({ type: 'renewed' });
  }

  // The claim goes first: once the proxy is free, another worker may claim it at once.
  await oracle.unclaim(key, claimant);
  if (!(await lease.isHealthy())) {
    // Our lock now lasts the quarantine; GC returns the proxy when it ends. Also drops our binding.
    if (await lease.setUnhealthy(DEMO.quarantineSeconds)) {
      send({ type: 'quarantined', key, token: lease.token, seconds: DEMO.quarantineSeconds });
    }
    return;
  }
  if (await lease.release()) send({ type: 'released', key });
  else send({ type: 'lost', key, stage: 'release', early: clock.mustBeAlive() });
}

/** One allocation. `await using` frees the lease even if `use` throws (release is idempotent). */
async function allocateOnce(previous: string | null): Promise<string | null> {
  const sentAt = performance.now();
  // When every proxy is held the worker queues (fair, fleet-wide FIFO) instead of polling.
  await using lease = await allocator.malloc({
    timeout: DEMO.leaseSeconds,
    obj: proxy,
    cacheTimeout: DEMO.bindingSeconds,
    wait: DEMO.waitSeconds,
  });
  if (lease === null) {
    send({ type: 'empty' });
    return previous;
  }
  send({
    type: 'acquired',
    key: lease.key,
    token: lease.token,
    sticky: lease.key === previous,
    fence: lease.fence,
    waitedMs: performance.now() - sentAt,
  });
  await use(lease, new LeaseClock(sentAt));
  return lease.key;
}

async function main(): Promise<void> {
  // A restarted worker finds its proxy again through its soft binding, not through local state.
  let previous = await allocator.getSoftBind(env.name);
  send({ type: 'ready' });
  while (!stopping) {
    previous = await allocateOnce(previous);
    await sleep(randomBetween(DEMO.thinkSeconds));
  }
  await policy.whenIdle();
  await allocator.close();
}

main()
  .then(async () => {
    await redis.quit();
    process.exit(0);
  })
  .catch((error: unknown) => {
    send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    redis.disconnect();
    // Let the IPC message drain before exiting.
    setTimeout(() => process.exit(1), 100);
  });
