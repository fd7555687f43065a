/**
 * One crash-stress worker process. It uses the BUILT package (self-reference import), does random
 * operations on an exclusive and a shared-mode pool until the parent SIGKILLs it, claims every
 * exclusive key on the oracle, and reports counters over IPC every 100 ms.
 *
 * Compiled once per run by bundle.ts and started by run-stress.ts as `node <bundle>` with a
 * WorkerEnv (`node --import tsx test/stress/worker.ts` runs it too, at a higher start-up cost).
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { type LeaseRef, RedisAllocator } from 'redis-allocator';
import {
  anomaliesKey,
  BINDING_SECONDS,
  EXCLUSIVE_KEYS,
  EXCLUSIVE_SUFFIX,
  emptyStats,
  FREE_KEYS_MIN_PTTL_MS,
  LANES_PER_WORKER,
  LEASE_SECONDS,
  MAX_HOLD_MS,
  MAX_QUARANTINE_SECONDS,
  MIN_QUARANTINE_SECONDS,
  ORACLE_MARGIN_MS,
  SAFE_CLAIM_WINDOW_MS,
  SHARED_SUFFIX,
  slowKey,
  type WorkerMessage,
} from './config.js';
import { licenseRemoval } from './membership.js';
import { Oracle } from './oracle.js';
import { judgeStall } from './stall.js';

const url = requireEnv('STRESS_REDIS_URL');
const prefix = requireEnv('STRESS_PREFIX');
const slot = Number(requireEnv('STRESS_SLOT'));
const holderId = `w${slot}.${requireEnv('STRESS_GENERATION')}`;
const bindingName = `w${slot}`;

const redis = new Redis(url, { maxRetriesPerRequest: 1 });
const exclusive = new RedisAllocator(redis, prefix, { suffix: EXCLUSIVE_SUFFIX });
const shared = new RedisAllocator(redis, prefix, { suffix: SHARED_SUFFIX, shared: true });
const oracle = new Oracle(redis, prefix, exclusive.redisKeys.lockPrefix, holderId);
let stats = emptyStats();

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`worker: ${name} is not set`);
  return value;
}

/** Allowance for the difference between this process's clock and Redis's expiry clock, in ms. */
const CLOCK_CUSHION_MS = 50;
/** Gate of the GC step folded into exclusive mallocs, in seconds. */
const GC_GATE_SECONDS = 1;
const random = Math.random;
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (min: number, max: number): number => min + random() * (max - min);
const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records a lease the library failed to honour, in Redis so that a kill cannot lose it. */
async function anomaly(message: string): Promise<void> {
  stats.anomalies++;
  await redis.rpush(anomaliesKey(prefix), `${holderId}: ${message}`);
}

/**
 * A case only a stall of this worker explains: a slow case when the measured delay `elapsedMs`
 * reaches `guaranteedMs` (what the lease or oracle key guaranteed), else an anomaly. Slow cases are
 * recorded with their evidence, so the test can print and bound them.
 */
async function slowOrAnomaly(what: string, elapsedMs: number, guaranteedMs: number): Promise<void> {
  const { kind, evidence } = judgeStall(what, elapsedMs, guaranteedMs);
  if (kind === 'anomaly') {
    await anomaly(evidence);
    return;
  }
  stats.slow++;
  await redis.rpush(slowKey(prefix), `${holderId}: ${evidence}`);
}

// ---- exclusive pool: allocate, claim, hold, maybe renew, free --------------------------------

/**
 * A waiting malloc (DESIGN.md §10): waits up to a second, at a random priority, and is sometimes
 * aborted mid-wait; the killer also SIGKILLs workers while they wait. Timed out or aborted: no key.
 * One in ten is aborted while its script is still on the way (in the same tick as the call): a key
 * it is answered goes straight back. That path needs no exhausted pool, so give-ups happen however lightly the machine's load
 * lets the workers contend (a loaded run once saw no empty malloc, hence no give-up, at all).
 */
async function waitForExclusive(name: string | undefined): Promise<{ key: string | null; token: string }> {
  stats.waits++;
  const controller = new AbortController();
  const dice = random();
  const abort =
    dice >= 0.1 && dice < 0.4
      ? setTimeout(() => controller.abort(new Error('stress abort')), between(5, 300))
      : undefined;
  try {
    const acquiring = exclusive.acquireLease({
      timeout: LEASE_SECONDS,
      name,
      cacheTimeout: BINDING_SECONDS,
      wait: between(0.05, 1),
      priority: pick([0, 0, 1]),
      signal: controller.signal,
    });
    // Its script was written synchronously; the answer cannot have been read yet.
    if (dice < 0.1) controller.abort(new Error('stress abort'));
    const lease = await acquiring;
    if (lease === null) stats.waitsGivenUp++;
    return { key: lease?.key ?? null, token: lease?.token ?? '' };
  } catch (error) {
    if (controller.signal.aborted && error === controller.signal.reason) {
      stats.waitsGivenUp++;
      return { key: null, token: '' };
    }
    throw error;
  } finally {
    clearTimeout(abort);
  }
}

async function holdExclusive(): Promise<void> {
  const name = random() < 0.4 ? bindingName : undefined;
  const sentAt = performance.now();
  let key: string | null;
  let token = '';
  if (random() < 0.6) {
    // The fleet-wide GC gate of the default policy: one folded GC step per second at most, so
    // the leases of killed workers stay reclaimable long enough for the INV-6 probes to see them.
    const gcCount = Math.floor(random() * 4);
    const lease = await exclusive.acquireLease({
      timeout: LEASE_SECONDS,
      name,
      cacheTimeout: BINDING_SECONDS,
      gcCount,
      gcInterval: GC_GATE_SECONDS,
    });
    key = lease?.key ?? null;
    token = lease?.token ?? '';
  } else if (random() < 0.5) {
    ({ key, token } = await waitForExclusive(name));
  } else {
    key = await exclusive.mallocKey({ timeout: LEASE_SECONDS, name, cacheTimeout: BINDING_SECONDS });
  }
  stats.ops++;
  // Nothing free: often wait for a key instead (queued behind the fleet's other waiters).
  if (key === null && random() < 0.6) {
    ({ key, token } = await waitForExclusive(name));
    stats.ops++;
  }
  if (key === null) {
    stats.empty++;
    await sleepMs(between(20, 60)); // the pool is exhausted: back off instead of spinning
    return;
  }

  const claimSentAt = performance.now();
  const claim = await oracle.claim(key, token);
  if (claim.status === 'double') {
    stats.doubles++;
    if (token !== '') await exclusive.releaseLease({ key, token });
    return;
  }
  if (claim.status === 'lost') {
    await slowOrAnomaly(
      `lease on ${key} gone at claim (lock ${claim.lockValue || 'none'})`,
      performance.now() - sentAt,
      SAFE_CLAIM_WINDOW_MS,
    );
    if (token !== '') await exclusive.releaseLease({ key, token });
    return;
  }
  stats.claims++;
  const lease: LeaseRef = { key, token: claim.token };
  // The lock was written (PX = lease) after `sentAt`, and only its holder deletes it: until this
  // local time, a failed renew or release means the library lost a live lease.
  let liveUntil = sentAt + LEASE_SECONDS * 1000 - CLOCK_CUSHION_MS;
  // Likewise the oracle key, written with PX ttlMs after `claimSentAt`, lives at least until then.
  let oracleUntil = claimSentAt + claim.ttlMs - CLOCK_CUSHION_MS;

  const hold = between(0, MAX_HOLD_MS);
  if (random() < 0.3) {
    await sleepMs(hold / 2);
    const renewSentAt = performance.now();
    stats.ops++;
    if (await exclusive.renewLease(lease, LEASE_SECONDS)) {
      stats.renewals++;
      liveUntil = renewSentAt + LEASE_SECONDS * 1000 - CLOCK_CUSHION_MS;
      const extendSentAt = performance.now();
      const extended = await oracle.extend(key, lease.token);
      // Right after a successful renew, the lock is ours for a whole lease: only a stall explains
      // a failed oracle extend, otherwise it is the signature of a lease given away.
      if (extended > 0) oracleUntil = extendSentAt + extended - CLOCK_CUSHION_MS;
      else if (extended === -1) {
        await slowOrAnomaly(
          `oracle key of ${key} gone at extend`,
          performance.now() - claimSentAt,
          oracleUntil - claimSentAt,
        );
      } else {
        const bound = (extended === -2 ? 0 : ORACLE_MARGIN_MS) + CLOCK_CUSHION_MS;
        await slowOrAnomaly(
          `lock of ${key} ${extended === -2 ? 'not ours' : 'nearly over'} at oracle extend after a renew`,
          performance.now() - renewSentAt,
          LEASE_SECONDS * 1000 - bound,
        );
      }
    } else if (performance.now() < liveUntil) {
      await anomaly(`renewLease of ${key} failed while the lease was live`);
    }
    await sleepMs(hold / 2);
  } else {
    await sleepMs(hold);
  }
  await freeExclusive(lease, liveUntil, oracleUntil);
}

/** Drops the oracle claim, then frees: `freeKeys` only while our lock surely is still ours. */
async function freeExclusive(lease: LeaseRef, liveUntil: number, oracleUntil: number): Promise<void> {
  const pttl = await oracle.release(lease.key, lease.token);
  stats.ops++;
  if (pttl === -1 && performance.now() < oracleUntil) {
    await anomaly(`oracle key of ${lease.key} gone before its TTL`);
  }
  if (pttl >= FREE_KEYS_MIN_PTTL_MS && random() < 0.4) {
    await exclusive.freeKeys([lease.key]);
    return;
  }
  if (!(await exclusive.releaseLease(lease)) && performance.now() < liveUntil) {
    await anomaly(`releaseLease of ${lease.key} failed while the lease was live`);
  }
}

// ---- exclusive pool: membership and maintenance -----------------------------------------------

async function churnMembership(): Promise<void> {
  const key = pick(EXCLUSIVE_KEYS);
  const roll = random();
  if (roll < 0.4) {
    // Every removal is licensed first (membership.ts); the watcher alone restores the key, on
    // that license, so a kill right after the shrink loses nothing.
    await licenseRemoval(redis, prefix, key);
    await exclusive.shrink([key]);
    stats.ops++;
    stats.removals++;
  } else if (roll < 0.6) {
    await licenseRemoval(redis, prefix, key);
    await exclusive.extend([key], { timeout: 1 }); // leaves within a second; restored on the license
    stats.ops++;
    stats.removals++;
  } else if (roll < 0.8) {
    await exclusive.updateSoftBind(bindingName, key, BINDING_SECONDS);
    stats.ops++;
  } else if (roll < 0.9) {
    await exclusive.unbindSoftBind(bindingName);
    stats.ops++;
  } else {
    await exclusive.getSoftBind(bindingName);
    await exclusive.getFreeList();
    stats.ops += 2;
  }
}

// ---- shared pool: rotate, quarantine, gc --------------------------------------------------------

async function useShared(): Promise<void> {
  const name = random() < 0.5 ? bindingName : undefined;
  const key = await shared.mallocKey({ timeout: LEASE_SECONDS, name, cacheTimeout: BINDING_SECONDS });
  stats.ops++;
  stats.sharedOps++;
  if (key === null) return;
  await sleepMs(between(0, 30));
  const roll = random();
  if (roll < 0.15) {
    const timeout = between(MIN_QUARANTINE_SECONDS, MAX_QUARANTINE_SECONDS);
    await shared.update(key, { value: 'q', timeout });
    stats.ops++;
    stats.sharedOps++;
  } else if (roll < 0.2) {
    await shared.freeKeys([key]);
    stats.ops++;
    stats.sharedOps++;
  } else if (roll < 0.3) {
    await shared.gc(Math.ceil(between(1, 10)));
    stats.ops++;
    stats.sharedOps++;
  }
}

async function randomOperation(): Promise<void> {
  const roll = random();
  if (roll < 0.62) await holdExclusive();
  else if (roll < 0.9) await useShared();
  else if (roll < 0.95) {
    await exclusive.gc(Math.ceil(between(1, 10)));
    stats.ops++;
  } else await churnMembership();
}

/**
 * One operation loop. The pause keeps the fleet's CPU use low: every restart is a whole Node
 * start-up, and busy workers would starve their own replacements on a 2-core machine.
 */
async function lane(): Promise<void> {
  for (;;) {
    await randomOperation();
    await sleepMs(between(5, 25));
  }
}

async function main(): Promise<void> {
  // Orphaned by a dead parent: the IPC channel closes, and no stress worker may outlive the test.
  process.on('disconnect', () => process.exit(0));
  await redis.ping();
  setInterval(() => {
    send({ type: 'stats', stats });
    stats = emptyStats();
  }, 100);
  send({ type: 'ready' });
  await Promise.all(Array.from({ length: LANES_PER_WORKER }, lane));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ type: 'error', message: `${holderId}: ${message}` });
  // Let the IPC message flush before dying.
  setTimeout(() => process.exit(1), 50);
});
