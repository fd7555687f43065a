/** `npm run demo -- --dashboard`: the demo's pool is served on the dashboard while the demo runs. */
import { spawn } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import type { DashboardState } from '../../src/cli/dashboard/state.js';
import { hasRedisServer } from '../../tools/redis-server.js';

describe('demo --dashboard', () => {
  it('serves the pool the workers use, live, and stops with the demo', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (process.env.REDIS_URL || !hasRedisServer()) env.REDIS_URL = inject('redisUrl');
    else delete env.REDIS_URL;
    const demo = spawn(
      process.execPath,
      ['--import', 'tsx', 'examples/demo/main.ts', '--seconds', '5', '--dashboard'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    demo.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    demo.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => demo.once('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /^Dashboard of the pool: (http:\/\/\S+)$/m.exec(output);
        if (match) {
          clearInterval(timer);
          resolve(match[1]!);
        }
      }, 100);
      void exited.then(() => {
        clearInterval(timer);
        reject(new Error(`demo ended without a dashboard URL:\n${output}`));
      });
    });
    // Poll until the workers hold proxies (they start a few seconds in on a loaded machine).
    let held = 0;
    let total = 0;
    for (let i = 0; i < 100 && held === 0; i++) {
      const state = (await (await fetch(`${url}api/snapshot`)).json()) as DashboardState;
      held = state.pools[0]?.report?.pool.held ?? 0;
      total = state.pools[0]?.report?.pool.total ?? 0;
      if (held === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(total).toBeGreaterThan(0);
    expect(held).toBeGreaterThan(0);
    expect(await exited, output).toBe(0);
    await expect(fetch(url)).rejects.toThrow(); // the dashboard stopped with the demo
  }, 120_000);
});
