/**
 * The dashboard server, spawned from the built CLI: its routes, Prometheus text, read-only
 * behaviour, and an unreachable Redis shown as an error instead of a crash.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { DashboardState } from '../../src/cli/dashboard/state.js';
import { RedisAllocator, RedisAllocatorCore } from '../../src/index.js';
import { freePort } from '../../tools/redis-server.js';
import { untilQueued } from '../allocator/waiting/helpers.js';
import { keyspaceImage } from '../diagnostics/helpers.js';
import { sleep, testClient, uniquePrefix } from '../helpers/redis.js';
import { startCli, stopCli } from './run-cli.js';

const redis = testClient();
const url = inject('redisUrl');
const running: Parameters<typeof stopCli>[0][] = [];

afterAll(async () => {
  await Promise.all(running.map(stopCli));
});

async function snapshotOf(base: string): Promise<DashboardState> {
  return (await (await fetch(`${base}api/snapshot`)).json()) as DashboardState;
}

async function dashboard(args: string[]) {
  const started = await startCli(['dashboard', '--port', '0', '--interval', '0.3', ...args]);
  running.push(started.child);
  return started;
}

describe('dashboard server', () => {
  it('/metrics and the history carry the waiters per priority, the observed oldest wait and the fence', async () => {
    const prefix = uniquePrefix('dash-wait');
    const first = new RedisAllocator(redis, prefix);
    const second = new RedisAllocator(redis, prefix);
    try {
      await first.extend(['a']);
      await first.acquireLease({ timeout: 60 });
      void first.acquireLease({ wait: 60 }).catch(() => {});
      void second.acquireLease({ wait: 60, priority: 2 }).catch(() => {});
      await untilQueued(first, 2);
      const { url: base } = await dashboard(['--url', url, '--prefix', prefix]);
      const pool = `${prefix}|allocator|pool`;
      await sleep(1);
      const text = await (await fetch(`${base}metrics`)).text();
      expect(text).toContain(`redis_allocator_waiters{pool="${pool}",priority="0"} 1`);
      expect(text).toContain(`redis_allocator_waiters{pool="${pool}",priority="2"} 1`);
      expect(text).toContain(`redis_allocator_waiters{pool="${pool}",priority="all"} 2`);
      expect(text).toContain(`redis_allocator_fence{pool="${pool}"} 1`);
      const oldest = Number(/redis_allocator_oldest_wait_seconds\{pool="[^"]+"\} ([\d.]+)/.exec(text)![1]);
      expect(oldest).toBeGreaterThan(0);
      const state = await snapshotOf(base);
      expect(state.pools[0]!.history.at(-1)!.waiting).toBe(2);
      expect(state.pools[0]!.report!.waiters.count).toBe(2);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('serves the page, the snapshot, the event stream and Prometheus metrics; 404 and 405 otherwise', async () => {
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('dash'));
    await allocator.extend(['a', 'b', 'c']);
    await allocator.acquireLease({ timeout: 60 });
    const before = await keyspaceImage(redis, `${allocator.prefix}*`);
    const { url: base, child } = await dashboard(['--url', url, '--prefix', allocator.prefix]);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/); // loopback by default

    const page = await fetch(base);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('<title>RedisAllocator Diagnostics</title>');

    const snapshot = await snapshotOf(base);
    expect(snapshot.pools).toHaveLength(1);
    expect(snapshot.pools[0]!.report!.pool).toMatchObject({ total: 3, free: 2, held: 1 });
    expect(snapshot.pools[0]!.error).toBeNull();

    const metrics = await fetch(`${base}metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    const pool = `${allocator.prefix}|allocator|pool`;
    expect(text).toContain(`redis_allocator_pool_keys{pool="${pool}",state="held"} 1`);
    expect(text).toContain(`redis_allocator_pool_keys{pool="${pool}",state="free"} 2`);
    expect(text).toContain(`redis_allocator_pool_health{pool="${pool}"} 0`);
    expect(text).toContain('# TYPE redis_allocator_leases gauge');

    const events = await fetch(`${base}api/events`);
    expect(events.headers.get('content-type')).toBe('text/event-stream');
    const reader = events.body!.getReader();
    let received = '';
    while ((received.match(/^data: /gm) ?? []).length < 2)
      received += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const first = JSON.parse(/^data: (.*)$/m.exec(received)![1]!);
    expect(first.pools[0].poolKey).toBe(pool);

    expect((await fetch(`${base}nope`)).status).toBe(404);
    expect((await fetch(`${base}api/snapshot?x=1`)).status).toBe(404);
    expect((await fetch(`${base}api/snapshot`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}metrics`, { method: 'DELETE' })).status).toBe(405);

    expect(await keyspaceImage(redis, `${allocator.prefix}*`)).toEqual(before);
    expect(await stopCli(child)).toBe(0);
  });

  it('an unreachable Redis is shown as an error; the server keeps running', async () => {
    const port = await freePort();
    const { url: base, child } = await dashboard(['--url', `redis://127.0.0.1:${port}`, '--prefix', 'p']);
    const snapshot = await snapshotOf(base);
    expect(snapshot.pools[0]!.report).toBeNull();
    expect(snapshot.pools[0]!.error).toEqual(expect.any(String));
    await sleep(0.7);
    expect(child.exitCode).toBeNull();
    const metrics = await (await fetch(`${base}metrics`)).text();
    expect(metrics).toContain('redis_allocator_report_up{pool="p|allocator|pool"} 0');
  });

  it('a key of the wrong type is shown as an error for that pool only', async () => {
    const good = new RedisAllocatorCore(redis, uniquePrefix('dash-good'));
    await good.extend(['a']);
    const bad = uniquePrefix('dash-bad');
    await redis.set(`${bad}|allocator|pool`, 'x', 'EX', 60);
    const { url: base } = await dashboard(['--url', url, '--prefix', good.prefix, '--prefix', bad]);
    const snapshot = await snapshotOf(base);
    expect(snapshot.pools[0]!.report!.health).toBe('healthy');
    expect(snapshot.pools[1]!.error).toContain('not an allocator pool');
  });
});
