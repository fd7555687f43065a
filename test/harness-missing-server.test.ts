/** Without redis-server and without REDIS_URL, a test run stops at once and says how to fix it. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('test harness without redis-server', () => {
  it('fails within seconds, naming apt-get install redis-server and REDIS_URL', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: '/nonexistent' };
    delete env.REDIS_URL;
    const started = Date.now();
    const run = spawnSync(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', 'test/harness.test.ts'],
      {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const output = run.stdout + run.stderr;
    expect(run.status).not.toBe(0);
    expect(output).toContain('apt-get install redis-server');
    expect(output).toContain('REDIS_URL');
    // The budget is "the first second" of the harness; vitest's own start-up comes on top.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
