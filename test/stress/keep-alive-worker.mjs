/**
 * A keep-alive stress worker (keep-alive-pause.test.ts): holds keys with `using()` (kept alive,
 * often longer than the lease) and "acts" on the held key every 50 ms through a fenced store — a
 * Lua script standing for a downstream system that refuses a fence lower than one it has seen.
 * The parent SIGKILLs it, or SIGSTOPs it for longer than its lease and resumes it.
 *
 * Everything it learns goes to Redis at once (a SIGKILL loses nothing):
 *   stats hash   acts, staleRefused, holds, pausedTold:<reason>, lost:<reason>
 *   violations   list of what must never happen: two holders acting with one fence, or a holder
 *                that resumed from a pause longer than its lease without being told.
 *
 * Plain JavaScript on the BUILT package (`redis-allocator` resolves to dist/ by self-reference).
 */
import { Redis } from 'ioredis';
import { RedisAllocator } from 'redis-allocator';

const { STRESS_URL, STRESS_PREFIX, STRESS_HOLDER, STRESS_LEASE, STRESS_FAULT } = process.env;
// Deliberate bugs, to prove the checks catch them: 'untold' ignores the lease after a pause,
// 'one-fence' acts with fence 1 whatever the lease's fence.
const fault = STRESS_FAULT ?? '';
const LEASE = Number(STRESS_LEASE);
const redis = new Redis(STRESS_URL ?? '');
const allocator = new RedisAllocator(redis, STRESS_PREFIX ?? '');
const statsKey = `${STRESS_PREFIX}|stats`;
const violationsKey = `${STRESS_PREFIX}|violations`;

// The fenced store. KEYS[1] highest fence seen for the key, KEYS[2] hash fence → holder of every
// act, KEYS[3] violations list. ARGV[1] fence, ARGV[2] holder. Returns 1 accepted, 0 refused.
const STORE = `
local highest = tonumber(redis.call('GET', KEYS[1]) or '0')
local fence = tonumber(ARGV[1])
local actor = redis.call('HGET', KEYS[2], ARGV[1])
if actor and actor ~= ARGV[2] then
  redis.call('RPUSH', KEYS[3], 'fence ' .. ARGV[1] .. ' acted on by ' .. actor .. ' and ' .. ARGV[2])
end
if fence < highest then return 0 end
redis.call('SET', KEYS[1], fence)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (field) => redis.hincrby(statsKey, field, 1);

async function hold(obj, signal) {
  await count('holds');
  const holdFor = 200 + Math.random() * LEASE * 2000; // up to twice the lease: keep-alive must carry it
  const end = performance.now() + holdFor;
  // The time since the holder last checked its lease: a pause can land in the sleep or in an act's
  // round trip alike (measuring only the sleep missed the second, a few % of pauses).
  let lastCheck = performance.now();
  while (performance.now() < end && !signal.aborted) {
    await sleep(50);
    const gap = performance.now() - lastCheck;
    lastCheck = performance.now();
    if (gap > LEASE * 1000) {
      // Resumed from a pause longer than the lease: the holder must know before it acts again.
      // One write per outcome, so a SIGKILL right after the resume cannot split the record.
      try {
        if (fault !== 'untold') obj.assertHeld();
        await redis.rpush(
          violationsKey,
          `${STRESS_HOLDER}: resumed after ${gap.toFixed(0)} ms still holding ${obj.key}`,
        );
      } catch (error) {
        await count(`pausedTold:${error.reason}`);
      }
      return;
    }
    try {
      obj.assertHeld();
    } catch {
      return;
    }
    const prefix = `${STRESS_PREFIX}|store:${obj.key}`;
    const accepted = await redis.eval(
      STORE,
      3,
      `${prefix}|highest`,
      `${prefix}|acts`,
      violationsKey,
      fault === 'one-fence' ? 1 : obj.fence,
      STRESS_HOLDER,
    );
    await count(accepted === 1 ? 'acts' : 'staleRefused');
  }
}

await redis.ping();
process.stdout.write('ready\n');
for (;;) {
  try {
    await allocator.using(
      { timeout: LEASE, renewEvery: LEASE / 4, holder: STRESS_HOLDER },
      async (obj, signal) => {
        obj.lost.then((error) => count(`lost:${error.reason}`));
        await hold(obj, signal);
      },
    );
  } catch (error) {
    if (error?.name !== 'NoResourceError') throw error;
  }
  await sleep(20 + Math.random() * 80); // let the others in
}
