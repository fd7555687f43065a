/**
 * The packed tarball installs without flags next to each supported client (no ERESOLVE: the peer
 * ranges accept ioredis 6, node-redis 6 and iovalkey, all optional) and works from that install
 * against a real Redis. npm test builds `dist/` first.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let workDir: string;
let tarball: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'ra-install-'));
  execFileSync(npm, ['pack', '--silent', '--pack-destination', workDir], { encoding: 'utf8' });
  tarball = join(workDir, readdirSync(workDir).find((file) => file.endsWith('.tgz'))!);
}, 60_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** A program a user of each client would write: connect, fill a pool, allocate, release. */
const PROGRAMS: Record<string, string> = {
  'ioredis@^6': `import { Redis } from 'ioredis';
const client = new Redis(process.env.REDIS_URL);
const done = () => client.quit();`,
  'redis@^6': `import { createClient } from 'redis';
const client = await createClient({ url: process.env.REDIS_URL }).connect();
const done = () => client.close();`,
  'iovalkey@^0.4': `import Redis from 'iovalkey';
const client = new Redis(process.env.REDIS_URL);
const done = () => client.quit();`,
};

const USE_POOL = `
import { RedisAllocator } from 'redis-allocator';
const allocator = new RedisAllocator(client, 'install-test:' + process.pid);
await allocator.extend(['gpu-0', 'gpu-1']);
const lease = await allocator.acquireLease({ timeout: 10 });
console.log(lease.key, await allocator.releaseLease(lease));
await allocator.clear();
await done();
`;

describe('npm install of the packed tarball', () => {
  it.each(Object.keys(PROGRAMS))(
    'installs without flags next to %s and allocates',
    (client) => {
      const project = mkdtempSync(join(workDir, 'project-'));
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'user-app', version: '1.0.0', type: 'module' }),
      );
      execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', client, tarball], {
        cwd: project,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      writeFileSync(join(project, 'main.mjs'), PROGRAMS[client] + USE_POOL);
      const out = execFileSync(process.execPath, ['main.mjs'], {
        cwd: project,
        encoding: 'utf8',
        env: { ...process.env, REDIS_URL: inject('redisUrl') },
      });
      expect(out.trim()).toBe('gpu-0 true');
    },
    120_000,
  );
});
