/**
 * The built `redis-allocator` command against the run's private redis-server: every command, the
 * documented exit codes, clear messages for bad input, and no writes to Redis.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { RedisAllocator, RedisAllocatorCore } from '../../src/index.js';
import { freePort } from '../../tools/redis-server.js';
import { untilQueued } from '../allocator/waiting/helpers.js';
import { keyspaceImage } from '../diagnostics/helpers.js';
import { testClient, uniquePrefix } from '../helpers/redis.js';
import { runCli } from './run-cli.js';

const redis = testClient();
const url = inject('redisUrl');

async function pool(label: string, keys: string[]) {
  const allocator = new RedisAllocatorCore(redis, uniquePrefix(label));
  await allocator.extend(keys);
  return allocator;
}

describe('redis-allocator CLI', () => {
  it('--help lists the commands and the exit codes', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const word of ['inspect', 'check', 'watch', 'dashboard', 'Exit codes'])
      expect(result.stdout).toContain(word);
    const sub = await runCli(['check', '--help']);
    expect(sub.code).toBe(0);
    for (const flag of ['--url', '--prefix', '--suffix', '--shared', '--cluster'])
      expect(sub.stdout).toContain(flag);
  });

  it('a bad URL exits 2 with the reason, before any network call', async () => {
    const result = await runCli(['check', '--url', 'localhost:6379', '--prefix', 'p']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid --url');
    const nonsense = await runCli(['inspect', '--url', 'not a url', '--prefix', 'p']);
    expect(nonsense.code).toBe(2);
    expect(nonsense.stderr).toContain('expected redis://host:port');
  });

  it('an unreachable Redis exits 2 and names the address and the socket error', async () => {
    const port = await freePort();
    const result = await runCli(['check', '--url', `redis://127.0.0.1:${port}`, '--prefix', 'p']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot connect to redis://127.0.0.1:${port}`);
    expect(result.stderr).toContain('ECONNREFUSED');
  });

  it('a password in the URL is masked in messages', async () => {
    const port = await freePort();
    const result = await runCli(['check', '--url', `redis://user:s3cret@127.0.0.1:${port}`, '--prefix', 'p']);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).toContain('***');
  });

  it('a bad command line exits 64', async () => {
    expect((await runCli(['check', '--url', url])).code).toBe(64); // no --prefix
    expect((await runCli(['frobnicate'])).code).toBe(64);
    expect((await runCli(['watch', '--url', url, '--prefix', 'p', '--interval', 'soon'])).code).toBe(64);
    expect((await runCli(['inspect', '--url', url, '--prefix', 'p', '--chunk-size', 'big'])).code).toBe(64);
  });

  it('check: a sound pool exits 0', async () => {
    const allocator = await pool('cli-ok', ['a', 'b', 'c']);
    const result = await runCli(['check', '--url', url, '--prefix', allocator.prefix]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^HEALTHY\s+\S+\|allocator\|pool/);
  });

  it('check: a corrupt pool exits 1 and names the broken invariant; nothing is written', async () => {
    const allocator = await pool('cli-corrupt', ['a', 'b', 'c']);
    await redis.hset(allocator.redisKeys.pool, 'b', 'not-an-entry');
    const before = await keyspaceImage(redis, `${allocator.prefix}*`);
    const result = await runCli(['check', '--url', url, '--prefix', allocator.prefix]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('CORRUPT');
    expect(result.stdout).toContain('ENCODING');
    expect(await keyspaceImage(redis, `${allocator.prefix}*`)).toEqual(before);
  });

  it('check says when it read the pool in chunks (free-list walks skipped)', async () => {
    // Over 512 entries: a smaller hash is a listpack, which HSCAN returns whole in one call.
    const allocator = await pool(
      'cli-chunks',
      Array.from({ length: 1200 }, (_, i) => `k${i}`),
    );
    const chunked = await runCli([
      'check',
      '--url',
      url,
      '--prefix',
      allocator.prefix,
      '--chunk-size',
      '200',
    ]);
    expect(chunked.code).toBe(0);
    expect(chunked.stdout).toContain('read in chunks: INV-1/INV-2 not checked');
    const atomic = await runCli(['check', '--url', url, '--prefix', allocator.prefix, '--chunk-size', '0']);
    expect(atomic.stdout).not.toContain('read in chunks');
  });

  it('check: a prefix with no pool exits 3 and says so', async () => {
    const result = await runCli(['check', '--url', url, '--prefix', uniquePrefix('cli-none')]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('NO POOL');
  });

  it('a key of the wrong type exits 2 with "not an allocator pool"; nothing is written', async () => {
    const prefix = uniquePrefix('cli-type');
    await redis.set(`${prefix}|allocator|pool`, 'hello', 'EX', 60);
    const before = await keyspaceImage(redis, `${prefix}*`);
    for (const command of ['check', 'inspect']) {
      const result = await runCli([command, '--url', url, '--prefix', prefix]);
      expect(result.code).toBe(2);
      expect(result.stdout + result.stderr).toContain('is a string, not a hash: not an allocator pool');
    }
    expect(await keyspaceImage(redis, `${prefix}*`)).toEqual(before);
  });

  it('check over several prefixes reports each and exits with the worst code', async () => {
    const good = await pool('cli-many-a', ['a']);
    const bad = await pool('cli-many-b', ['a', 'b']);
    await redis.hset(bad.redisKeys.pool, 'a', '#ALLOCATED||b||-1');
    const result = await runCli(['check', '--url', url, '--prefix', good.prefix, '--prefix', bad.prefix]);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('inspect prints a table with the holders, and --json the report', async () => {
    const allocator = await pool('cli-inspect', ['a', 'b', 'c']);
    const lease = (await allocator.acquireLease({ timeout: 60 }))!;
    const table = await runCli(['inspect', '--url', url, '--prefix', allocator.prefix]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('HEALTHY');
    expect(table.stdout).toContain(lease.token);
    expect(table.stdout).toMatch(/KEY\s+HOLDER\s+FENCE\s+ENDS IN/);
    expect(table.stdout).toMatch(
      new RegExp(`${lease.token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${lease.fence}\\s`),
    );
    expect(table.stdout).toMatch(/total 3\s+free 2\s+held 1/);
    const json = await runCli([
      'inspect',
      '--json',
      '--url',
      url,
      '--prefix',
      allocator.prefix,
      '--sample-limit',
      '1',
    ]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.pool).toMatchObject({ total: 3, free: 2, held: 1 });
    expect(report.leases.samples).toEqual([
      { key: lease.key, holder: lease.token, fence: lease.fence, secondsLeft: expect.any(Number) },
    ]);
  });

  it('inspect --shared reads the pool in shared mode (a quarantine is not held)', async () => {
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('cli-shared'), { shared: true });
    await allocator.extend(['a', 'b']);
    await allocator.update('a', { value: 'quarantine', timeout: 60 });
    const result = await runCli([
      'inspect',
      '--json',
      '--shared',
      '--url',
      url,
      '--prefix',
      allocator.prefix,
    ]);
    const report = JSON.parse(result.stdout);
    expect(report.identity.mode).toBe('shared');
    expect(report.pool).toMatchObject({ quarantined: 1, held: 0 });
    expect(report.health).toBe('healthy');
  });

  it('--suffix selects the pool by its suffix', async () => {
    const allocator = new RedisAllocatorCore(redis, uniquePrefix('cli-suffix'), { suffix: 'proxies' });
    await allocator.extend(['a']);
    const result = await runCli([
      'inspect',
      '--json',
      '--url',
      url,
      '--prefix',
      allocator.prefix,
      '--suffix',
      'proxies',
    ]);
    expect(JSON.parse(result.stdout).identity).toMatchObject({ suffix: 'proxies', exists: true });
  });

  it('inspect and watch show the waiters per priority, cooling keys and the fence counter', async () => {
    const prefix = uniquePrefix('cli-waiters');
    const first = new RedisAllocator(redis, prefix);
    const second = new RedisAllocator(redis, prefix);
    try {
      await first.extend(['a', 'b']);
      await first.acquireLease({ timeout: 60 });
      const resting = (await first.acquireLease({ timeout: 60 }))!;
      await first.releaseLease(resting, { cooldown: 60 });
      void first.acquireLease({ wait: 60 }).catch(() => {});
      void second.acquireLease({ wait: 60, priority: 2 }).catch(() => {});
      await untilQueued(first, 2);

      const table = await runCli(['inspect', '--url', url, '--prefix', prefix]);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/fence counter 2/);
      expect(table.stdout).toMatch(/cooling 1/);
      expect(table.stdout).toMatch(/waiters {5}2 {2}\(p2: 1 {2}p0: 1\) {2}oldest waited \d+\.\d s/);
      expect(table.stdout).toMatch(/TICKET\s+PRIORITY\s+INSTANCE\s+WAITED/);

      const watch = await runCli([
        'watch',
        '--url',
        url,
        '--prefix',
        prefix,
        '--interval',
        '0.5',
        '--count',
        '2',
      ]);
      expect(watch.code).toBe(0);
      const lines = watch.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/ cooling=1 .* waiting=2 oldest_wait=\d+\.\d/);
      // Waits are counted from the server time each ticket queued at: they grow between reports.
      const oldest = lines.map((line) => Number(/oldest_wait=([\d.]+)/.exec(line)![1]));
      expect(oldest[1]! - oldest[0]!).toBeGreaterThanOrEqual(0.3);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('watch, piped: one plain line per pool per report, rates from the second on', async () => {
    const allocator = await pool('cli-watch', ['a', 'b']);
    const result = await runCli([
      'watch',
      '--url',
      url,
      '--prefix',
      allocator.prefix,
      '--interval',
      '0.3',
      '--count',
      '2',
    ]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ healthy total=2 free=2 held=0 /);
    expect(lines[0]).not.toContain('scripts/s');
    expect(lines[1]).toContain('scripts/s=');
    expect(result.stdout).not.toContain('\x1b['); // no terminal control codes in a pipe
  });
});

describe('redis-allocator CLI without ioredis installed', () => {
  it('exits 2 and says to install ioredis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ra-cli-no-ioredis-'));
    try {
      const target = join(dir, 'node_modules', 'redis-allocator');
      mkdirSync(target, { recursive: true });
      cpSync('dist', join(target, 'dist'), { recursive: true });
      cpSync('package.json', join(target, 'package.json'));
      const result = spawnSync(
        process.execPath,
        [join(target, 'dist', 'cli.cjs'), 'check', '--url', url, '--prefix', 'p'],
        { cwd: dir, encoding: 'utf8' },
      );
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('npm install ioredis');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
