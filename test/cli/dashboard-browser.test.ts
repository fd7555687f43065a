/**
 * The dashboard in a real headless browser (Debian's chromium through playwright-core): the page
 * shows the pools, and allocations and releases made by the test show up in the counters and the
 * lease table within seconds, without a reload. Screenshot: test-results/dashboard.png (and, with
 * UPDATE_DOCS_SCREENSHOT=1, docs/dashboard.png for the README).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RedisAllocator, RedisAllocatorCore } from '../../src/index.js';
import { untilQueued } from '../allocator/waiting/helpers.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';
import { startCli, stopCli } from './run-cli.js';

const CHROMIUM = '/usr/bin/chromium';
const redis = testClient();
let browser: Browser;
let stopDashboard: () => Promise<unknown> = async () => {};
let closeAllocators: () => Promise<unknown> = async () => {};

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} missing: apt-get install -y chromium (.ci/run does)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await closeAllocators();
  await stopDashboard();
  await browser?.close();
});

/** The number shown in a counter of a pool card. */
function counter(page: Page, pool: string, name: string) {
  return page.locator(`section[data-pool="${pool}"] [data-counter="${name}"] b`);
}

describe('dashboard in a browser', () => {
  it('shows the pools and follows allocations and releases live', async () => {
    const proxies = new RedisAllocatorCore(redis, uniquePrefix('browser-proxies'));
    const apiKeys = new RedisAllocator(redis, uniquePrefix('browser-api-keys'));
    const apiKeysElsewhere = new RedisAllocator(redis, apiKeys.prefix);
    closeAllocators = () => Promise.all([apiKeys.close(), apiKeysElsewhere.close()]);
    await proxies.extend(Array.from({ length: 12 }, (_, i) => `proxy-${i + 1}`));
    await apiKeys.extend(['key-a', 'key-b', 'key-c']);
    const early = (await proxies.acquireLease({ timeout: 90, name: 'crawler-1' }))!;
    await apiKeys.acquireLease({ timeout: 120 });

    const dashboard = await startCli([
      'dashboard',
      '--url',
      inject('redisUrl'),
      '--prefix',
      proxies.prefix,
      '--prefix',
      apiKeys.prefix,
      '--port',
      '0',
      '--interval',
      '0.5',
    ]);
    stopDashboard = () => stopCli(dashboard.child);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(dashboard.url);
    await expect.poll(() => page.locator('section[data-pool]').count(), { timeout: 10_000 }).toBe(2);
    const pool = proxies.redisKeys.pool;
    const card = page.locator(`section[data-pool="${pool}"]`);
    await expect.poll(() => card.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => counter(page, pool, 'held').textContent(), { timeout: 10_000 }).toBe('1');
    expect(await counter(page, pool, 'total').textContent()).toBe('12');
    expect(await counter(page, pool, 'cooling').textContent()).toBe('0');
    expect(await card.locator('[data-panel="health"]').textContent()).toBe('HEALTHY');
    expect(await card.locator('[data-panel="leases"]').textContent()).toContain(early.token);
    const earlyRow = card.locator('[data-panel="leases"] tbody tr', { hasText: early.token });
    expect(await earlyRow.locator('td').nth(2).textContent()).toBe(String(early.fence));

    // Allocate three more: counters and the lease table change without a reload.
    const leases = [];
    for (let i = 0; i < 3; i++) leases.push((await proxies.acquireLease({ timeout: 60 }))!);
    await expect.poll(() => counter(page, pool, 'held').textContent(), { timeout: 10_000 }).toBe('4');
    await expect.poll(() => counter(page, pool, 'free').textContent(), { timeout: 10_000 }).toBe('8');
    for (const lease of leases)
      await expect
        .poll(() => card.locator('[data-panel="leases"]').textContent(), { timeout: 10_000 })
        .toContain(lease.key);

    // Release two: back down.
    await proxies.releaseLease(leases[0]!);
    await proxies.releaseLease(leases[1]!);
    await expect.poll(() => counter(page, pool, 'held').textContent(), { timeout: 10_000 }).toBe('2');
    await expect
      .poll(() => card.locator('[data-panel="leases"]').textContent(), { timeout: 10_000 })
      .not.toContain(leases[0]!.token);
    // The chart has drawn its lines by now.
    await expect
      .poll(() => card.locator('polyline[data-series="held"]').count(), { timeout: 10_000 })
      .toBe(1);

    // Waiters from two allocator instances on the full api-keys pool: the queue panel, the
    // 'waiting' counter and its chart line follow.
    const apiPool = apiKeys.redisKeys.pool;
    const apiCard = page.locator(`section[data-pool="${apiPool}"]`);
    await apiKeys.acquireLease({ timeout: 120 });
    await apiKeys.acquireLease({ timeout: 120 });
    void apiKeys.acquireLease({ wait: 120 }).catch(() => {});
    void apiKeysElsewhere.acquireLease({ wait: 120, priority: 5 }).catch(() => {});
    await untilQueued(apiKeys, 2);
    await expect.poll(() => counter(page, apiPool, 'waiting').textContent(), { timeout: 10_000 }).toBe('2');
    const queuePanel = apiCard.locator('[data-panel="waiters"]');
    await expect
      .poll(() => queuePanel.textContent(), { timeout: 10_000 })
      .toContain('1 at priority 5, 1 at priority 0');
    expect(await queuePanel.locator('tbody tr').count()).toBe(2);
    await expect
      .poll(() => apiCard.locator('polyline[data-series="waiting"]').count(), { timeout: 10_000 })
      .toBe(1);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/dashboard.png', fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1')
      await page.screenshot({ path: 'docs/dashboard.png', fullPage: true });
    await page.close();
  });
});
