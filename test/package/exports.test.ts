/** The built package works from both module systems, through the `exports` map (npm test builds first). */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const run = (args: string[]) => execFileSync(process.execPath, args, { encoding: 'utf8' }).trim();

describe('package exports', () => {
  it('require("redis-allocator") loads the CommonJS build', () => {
    const out = run([
      '-e',
      "const m = require('redis-allocator'); console.log(typeof m.RedisLock, typeof m.RedisAllocator)",
    ]);
    expect(out).toBe('function function');
  });

  it('import from "redis-allocator" loads the ES module build', () => {
    const out = run([
      '--input-type=module',
      '-e',
      "import { RedisLock, RedisAllocator, LockStatus } from 'redis-allocator'; console.log(typeof RedisLock, typeof RedisAllocator, LockStatus.LOCKED)",
    ]);
    expect(out).toBe('function function 2');
  });

  it('ships bundled type declarations for both builds', () => {
    expect(existsSync('dist/index.d.ts')).toBe(true);
    expect(existsSync('dist/index.d.cts')).toBe(true);
  });

  it('error classes keep their own name in the built output', () => {
    const out = run([
      '-e',
      "const { InvalidKeyError, InvalidTimeoutError } = require('redis-allocator'); console.log(new InvalidKeyError('', 'x').name, new InvalidTimeoutError('t', NaN).name)",
    ]);
    expect(out).toBe('InvalidKeyError InvalidTimeoutError');
  });
});
