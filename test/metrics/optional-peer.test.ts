/**
 * `@opentelemetry/api` is an optional peer: the library never loads it, so an install without it
 * works, and an allocator without a meter has nothing to do with it. Needs the build (npm test).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { uniquePrefix } from '../helpers/redis.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A project whose node_modules holds only redis-allocator (dist + package.json) and ioredis. */
function installWithoutOpenTelemetry(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ra-no-otel-'));
  dirs.push(dir);
  const target = join(dir, 'node_modules', 'redis-allocator');
  mkdirSync(target, { recursive: true });
  cpSync('dist', join(target, 'dist'), { recursive: true });
  cpSync('package.json', join(target, 'package.json'));
  symlinkSync(resolve('node_modules/ioredis'), join(dir, 'node_modules', 'ioredis'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  return dir;
}

describe('@opentelemetry/api is optional', () => {
  it('an install without it allocates and frees, in both module systems', () => {
    const dir = installWithoutOpenTelemetry();
    const probe = spawnSync(process.execPath, ['-e', "require.resolve('@opentelemetry/api')"], { cwd: dir });
    expect(probe.status).not.toBe(0); // really not installed there
    const prefix = uniquePrefix('no-otel');
    const script = `
      const { Redis } = await import('ioredis');
      const { RedisAllocator } = await import('redis-allocator');
      const redis = new Redis(${JSON.stringify(inject('redisUrl'))});
      const allocator = new RedisAllocator(redis, ${JSON.stringify(prefix)});
      await allocator.extend(['a']);
      const key = await allocator.mallocKey();
      await allocator.freeKeys([key]);
      await allocator.clear();
      redis.disconnect();
      console.log('ok', key);`;
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(esm.trim()).toBe('ok a');
    const required = script.replace(/await import\(('[^']+')\)/g, 'require($1)');
    expect(required).not.toContain('import(');
    const cjs = execFileSync(process.execPath, ['-e', `(async () => { ${required} })()`], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(cjs.trim()).toBe('ok a');
  });

  it('importing the library never resolves an @opentelemetry module, even where it is installed', () => {
    const recorder = `
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(\`
        import { writeSync } from 'node:fs';
        export async function resolve(specifier, context, next) {
          const result = await next(specifier, context);
          writeSync(2, 'resolved ' + result.url + '\\\\n');
          return result;
        }\`));`;
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(recorder)}`,
        '--input-type=module',
        '-e',
        "await import('redis-allocator'); await import('@opentelemetry/api');",
      ],
      { encoding: 'utf8' },
    );
    expect(run.status).toBe(0);
    const resolved = run.stderr.split('\n').filter((line) => line.startsWith('resolved '));
    const library = resolved.slice(
      0,
      resolved.findIndex((line) => line.includes('@opentelemetry/api')),
    );
    expect(library.some((line) => line.includes('/dist/index.js'))).toBe(true);
    expect(library.filter((line) => line.includes('@opentelemetry'))).toEqual([]);
    // The guard: the recorder does see @opentelemetry when something imports it.
    expect(resolved.some((line) => line.includes('@opentelemetry/api'))).toBe(true);
  });
});
