/**
 * A waiter whose process died (SIGKILL, so nothing is cleaned up) never stalls the queue: its
 * ticket is skipped once its liveness key runs out, and a key handed to it in the instant it died
 * comes back like the lease of any crashed holder. Runs the built package in a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisAllocator } from '../../../src/index.js';
import { rawClient, sleep, testClient, uniquePrefix } from '../../helpers/redis.js';
import { expectSound } from '../helpers.js';
import { expectNothingLeft, untilQueued } from './helpers.js';

const child = fileURLToPath(new URL('../fixtures/waiting-child.mjs', import.meta.url));
const redis = testClient();
const children: ChildProcess[] = [];
const allocators: RedisAllocator[] = [];

afterAll(async () => {
  for (const process of children) process.kill('SIGKILL');
  await Promise.all(allocators.map((allocator) => allocator.close()));
});

/** Starts a child that waits on `prefix`'s pool; resolves once its ticket is queued. */
async function deadSoonWaiter(
  pool: RedisAllocator,
  prefix: string,
  leaseSeconds: number,
  queuedBefore: number,
) {
  const spawned = spawn(process.execPath, [child], {
    env: {
      ...process.env,
      WAIT_URL: inject('redisUrl'),
      WAIT_PREFIX: prefix,
      WAIT_LEASE: String(leaseSeconds),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(spawned);
  await untilQueued(pool, queuedBefore + 1, 30);
  return spawned;
}

async function killed(spawned: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => spawned.once('exit', resolve));
  spawned.kill('SIGKILL');
  await exited;
}

describe('dead waiters', () => {
  it('a waiter whose process was killed is skipped within a few seconds', async () => {
    const prefix = uniquePrefix('dead');
    const pool = new RedisAllocator(redis, prefix);
    allocators.push(pool);
    await pool.extend(['only']);
    const held = (await pool.acquireLease({ timeout: 60 }))!;
    const dead = await deadSoonWaiter(pool, prefix, 60, 0);
    const live = pool.acquireLease({ wait: 60 });
    await untilQueued(pool, 2);
    await killed(dead);
    const killedAt = performance.now();
    // Wait for the dead instance's liveness key to run out, then return the key.
    const raw = rawClient(pool);
    while ((await raw.keys(`${pool.redisKeys.alivePrefix}*`)).length > 1) await sleep(0.05);
    await pool.releaseLease(held);
    const lease = (await live)!;
    const seconds = (performance.now() - killedAt) / 1000;
    expect(lease.key).toBe('only');
    expect(seconds).toBeLessThan(8); // liveness TTL (5 s) plus slack for a loaded machine
    expect(await raw.get(`${pool.redisKeys.lockPrefix}only`)).toBe(lease.token);
    await expectNothingLeft(pool);
    await expectSound(pool);
  }, 60_000);

  it('a key handed to a waiter that died in the same instant comes back when its lease ends; its unread mailbox expires', async () => {
    const prefix = uniquePrefix('dying');
    const pool = new RedisAllocator(redis, prefix);
    allocators.push(pool);
    await pool.extend(['only']);
    const held = (await pool.acquireLease({ timeout: 60 }))!;
    const dying = await deadSoonWaiter(pool, prefix, 1, 0);
    const live = pool.acquireLease({ wait: 60 });
    await untilQueued(pool, 2);
    await killed(dying);
    await pool.releaseLease(held); // its liveness key still runs: the dead process gets the key
    const releasedAt = performance.now();
    // Nobody reads the dead instance's mailbox: it expires within a minute by itself.
    const raw = rawClient(pool);
    const mailboxes = await raw.keys(`${pool.redisKeys.mailboxPrefix}*`);
    expect(mailboxes).toHaveLength(1);
    const ttl = await raw.pttl(mailboxes[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const lease = (await live)!;
    expect(lease.key).toBe('only');
    // One lease (1 s), then at most one drain period (1 s) of the live instance, plus slack.
    expect((performance.now() - releasedAt) / 1000).toBeLessThan(4);
    await expectSound(pool);
  }, 60_000);
});
