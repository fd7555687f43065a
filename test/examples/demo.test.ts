/**
 * The demo is the first command a newcomer runs: CI runs it for a few seconds, exactly as
 * `npm run demo` does (a child process, output piped, so the plain non-TTY table), and reads its
 * summary. It needs the built package (`npm test` builds first).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { hasRedisServer } from '../../tools/redis-server.js';

const execFileAsync = promisify(execFile);
const DEMO = 'examples/demo/main.ts';

interface DemoRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function runDemo(args: string[], env: NodeJS.ProcessEnv): Promise<DemoRun> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', DEMO, ...args], {
      env,
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The number on the summary line that starts with `label`. */
function summaryNumber(output: string, label: string): number {
  const match = output.match(new RegExp(`^\\s+${label}\\s+(\\d+)`, 'm'));
  if (match === null) throw new Error(`no "${label}" line in the summary:\n${output}`);
  return Number(match[1]);
}

describe('npm run demo', () => {
  let run: DemoRun;

  beforeAll(async () => {
    // Without REDIS_URL the demo starts its own redis-server, as for a newcomer; a CI job that
    // only has REDIS_URL gets this run's server instead.
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (process.env.REDIS_URL || !hasRedisServer()) env.REDIS_URL = inject('redisUrl');
    else delete env.REDIS_URL;
    run = await runDemo(['--seconds', '4'], env);
  }, 120_000);

  it('exits 0 after a short run', () => {
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('OK: no double allocation, no invariant violation.');
  });

  it('allocates proxies', () => {
    expect(summaryNumber(run.stdout, 'allocations')).toBeGreaterThan(0);
  });

  it('SIGKILLs at least one worker mid-run', () => {
    expect(summaryNumber(run.stdout, 'workers killed')).toBeGreaterThanOrEqual(1);
  });

  it('detects no double allocation', () => {
    expect(summaryNumber(run.stdout, 'double allocations')).toBe(0);
    expect(summaryNumber(run.stdout, 'live leases taken')).toBe(0);
    expect(summaryNumber(run.stdout, 'fences issued')).toBeGreaterThan(0);
    expect(summaryNumber(run.stdout, 'fences repeated')).toBe(0);
  });

  it('finds no invariant violation in any snapshot', () => {
    expect(summaryNumber(run.stdout, 'snapshots checked')).toBeGreaterThan(0);
    expect(summaryNumber(run.stdout, 'invariant violations')).toBe(0);
  });

  it('prints the dashboard command for its pool', () => {
    expect(run.stdout).toMatch(
      /^Watch the pool while the demo runs: npx redis-allocator dashboard --url redis:\/\/\S+ --prefix demo-[0-9a-f]{6}$/m,
    );
  });

  it('prints the plain table (one line per second) when stdout is not a terminal', () => {
    expect(run.stdout).not.toContain('\x1b[');
    expect(run.stdout).toMatch(/^\s+time\s+alloc\/s\s+free\s+held\s+quarantined/m);
  });
});

describe('npm run demo without Redis', () => {
  it('explains how to get redis-server and exits 2 when neither REDIS_URL nor redis-server exists', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: '/nonexistent' };
    delete env.REDIS_URL;
    const run = await runDemo([], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('redis-server was not found');
    expect(run.stderr).toContain('REDIS_URL');
  });
});
