/**
 * Concurrency: 8 holders, each with its own Redis connection, interleave random operations on one
 * exclusive pool while a watcher checks the invariants on atomic snapshots. An in-process oracle
 * records who holds what: a key handed to a holder while another holder's live lease claims it is a
 * double allocation. Leases are long (1000 s) so none ends by itself, except "doomed" leases of
 * 0.3 s that are abandoned at once (a crashed holder) and must come back through GC.
 *
 * CI runs 4 s; `LONG=1` runs 30 s.
 */
import { describe, expect, it } from 'vitest';
import {
  checkInvariants,
  type Lease,
  RedisAllocator,
  reclaimableKeys,
  takeSnapshot,
} from '../../src/index.js';
import { type Floor, formatFloors, unmetFloors } from '../helpers/floors.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';

const LONG = process.env.LONG === '1';
const SECONDS = LONG ? 30 : 4;
const HOLDERS = 8;
const KEYS = Array.from({ length: 18 }, (_, i) => `r${i}`);
const NAMES = ['w0', 'w1', 'w2'];
/** Lease of a normal hold (s): far longer than any hold, so a live holder never loses its key. */
const LEASE = 1000;
/** Lease of an abandoned allocation (s): it must run out and be reclaimed by GC. */
const DOOMED_LEASE = 0.3;
const MAX_HELD = 2;
/**
 * Work floors per second of run, a small fraction of what an idle 2-core machine does (about
 * 35 000 operations/s): low enough for a machine loaded by other test runs, high enough that a
 * run which hardly did anything fails instead of reporting "0 violations". Printed with the run.
 */
const FLOORS_PER_SECOND = {
  operations: 500,
  acquisitions: 50,
  releases: 40,
  renewals: 5,
  abandoned: 2,
  snapshots: 50,
};

/** A key held by a test holder; `lease` is null for `mallocKey` holds (freed with `freeKeys`). */
interface Hold {
  key: string;
  lease: Lease | null;
}

const counts = {
  operations: 0,
  acquisitions: 0,
  refused: 0,
  releases: 0,
  renewals: 0,
  abandoned: 0,
  snapshots: 0,
};
const violations: string[] = [];
/** The oracle: key → id of the holder whose live lease holds it. */
const claims = new Map<string, number>();

function claim(holder: number, key: string): void {
  const other = claims.get(key);
  if (other !== undefined)
    violations.push(`double allocation: ${key} given to holder ${holder} while holder ${other} holds it`);
  claims.set(key, holder);
}

/** Drops a claim; always before the key is released, so the next holder never sees a stale claim. */
function unclaim(holder: number, key: string): void {
  if (claims.get(key) === holder) claims.delete(key);
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function acquire(id: number, pool: RedisAllocator, held: Hold[]): Promise<void> {
  const roll = Math.random();
  const name = Math.random() < 0.4 ? pick(NAMES) : undefined;
  let hold: Hold | null = null;
  if (roll < 0.6) {
    const gcCount = Math.random() < 0.3 ? 3 : 0;
    const lease = await pool.acquireLease({ timeout: LEASE, name, gcCount });
    if (lease) hold = { key: lease.key, lease };
  } else if (roll < 0.85) {
    const key = await pool.mallocKey({ timeout: LEASE, name });
    if (key !== null) hold = { key, lease: null };
  } else {
    const lease = await pool.acquireKey(pick(KEYS), { timeout: LEASE });
    if (lease) hold = { key: lease.key, lease };
  }
  if (hold === null) {
    counts.refused++;
    return;
  }
  counts.acquisitions++;
  claim(id, hold.key);
  held.push(hold);
}

async function release(id: number, pool: RedisAllocator, hold: Hold): Promise<void> {
  unclaim(id, hold.key);
  counts.releases++;
  if (hold.lease === null || Math.random() < 0.2) {
    await pool.freeKeys([hold.key]);
  } else if (!(await pool.releaseLease(hold.lease))) {
    violations.push(`holder ${id} lost its live lease on ${hold.key} (release refused)`);
  }
}

/** A holder that allocates with a short lease and dies without freeing it. */
async function abandon(id: number, pool: RedisAllocator): Promise<void> {
  const lease = await pool.acquireLease({ timeout: DOOMED_LEASE });
  if (lease === null) return;
  counts.abandoned++;
  claim(id, lease.key);
  unclaim(id, lease.key);
}

/** Relative frequency of each holder action (acquire/release adapt to what the holder holds). */
const ACTIONS = [
  ['acquire', 40],
  ['release', 30],
  ['renew', 8],
  ['abandon', 1],
  ['gc', 8],
  ['churn', 3],
  ['read', 7],
  ['pause', 3],
] as const;
type Action = (typeof ACTIONS)[number][0];
const TOTAL_WEIGHT = ACTIONS.reduce((sum, [, weight]) => sum + weight, 0);

function chooseAction(held: number): Action {
  let roll = Math.random() * TOTAL_WEIGHT;
  let action: Action = 'pause';
  for (const [name, weight] of ACTIONS) {
    roll -= weight;
    if (roll < 0) {
      action = name;
      break;
    }
  }
  if (action === 'acquire' && held >= MAX_HELD) return 'release';
  if ((action === 'release' || action === 'renew') && held === 0) return 'acquire';
  return action;
}

async function runHolder(id: number, pool: RedisAllocator, deadline: number): Promise<void> {
  const held: Hold[] = [];
  while (Date.now() < deadline) {
    counts.operations++;
    switch (chooseAction(held.length)) {
      case 'acquire':
        await acquire(id, pool, held);
        break;
      case 'release':
        await release(id, pool, held.splice(Math.floor(Math.random() * held.length), 1)[0]!);
        break;
      case 'renew': {
        const hold = pick(held);
        if (hold.lease) {
          if (await pool.renewLease(hold.lease, LEASE)) counts.renewals++;
          else violations.push(`holder ${id} lost its live lease on ${hold.key} (renew refused)`);
        }
        break;
      }
      case 'abandon':
        await abandon(id, pool);
        break;
      case 'gc':
        await pool.gc(1 + Math.floor(Math.random() * 5));
        break;
      case 'churn': {
        // Membership churn: a held key keeps its lock and re-enters as allocated (F6).
        const key = pick(KEYS);
        await pool.shrink([key]);
        await pool.extend([key]);
        break;
      }
      case 'read':
        await Promise.all([pool.getFreeList(), pool.size(), pool.getSoftBind(pick(NAMES))]);
        break;
      case 'pause':
        await sleep(Math.random() * 0.003);
        break;
    }
  }
  for (const hold of held) await release(id, pool, hold);
}

async function watch(pool: RedisAllocator, stop: { done: boolean }): Promise<void> {
  while (!stop.done) {
    const snapshot = await takeSnapshot(pool);
    counts.snapshots++;
    for (const violation of checkInvariants(snapshot, { shared: false })) {
      violations.push(`${violation.invariant}: ${violation.message}`);
    }
  }
}

describe('concurrency', () => {
  it(
    '8 holders interleaving random operations never share a key and never break the invariants',
    async () => {
      const prefix = uniquePrefix('concurrency');
      const pools = Array.from({ length: HOLDERS }, () => new RedisAllocator(testClient(), prefix));
      const watcherPool = new RedisAllocator(testClient(), prefix);
      await watcherPool.extend(KEYS);

      const started = Date.now();
      const stop = { done: false };
      const watcher = watch(watcherPool, stop);
      await Promise.all(pools.map((pool, id) => runHolder(id, pool, started + SECONDS * 1000)));
      stop.done = true;
      await watcher;

      // Quiescent: every lease is released or has run out, so one full GC pass frees everything.
      await sleep(DOOMED_LEASE + 0.5);
      await watcherPool.gc(KEYS.length);
      const final = await takeSnapshot(watcherPool);
      const seconds = (Date.now() - started) / 1000;
      const floors: Floor[] = (Object.keys(FLOORS_PER_SECOND) as (keyof typeof FLOORS_PER_SECOND)[]).map(
        (figure) => ({ figure, seen: counts[figure], min: FLOORS_PER_SECOND[figure] * SECONDS }),
      );
      console.log(
        `concurrency: ${counts.refused} refused acquisitions by ${HOLDERS} holders, ` +
          `${violations.length} violations in ${seconds.toFixed(1)} s\n` +
          formatFloors('concurrency floors (figure, seen, floor):', floors),
      );
      expect(violations).toEqual([]);
      expect(checkInvariants(final, { shared: false })).toEqual([]);
      expect(reclaimableKeys(final)).toEqual([]);
      expect((await watcherPool.getFreeList()).sort()).toEqual([...KEYS].sort());
      expect(claims.size).toBe(0);
      expect(unmetFloors(floors)).toEqual([]);
    },
    (SECONDS + 60) * 1000,
  );
});
