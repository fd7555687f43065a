/**
 * docs/seeing-the-pool.md (the README's "Seeing the pool" section, kept in its own file until it
 * is pasted into the README): its marked examples equal their files and run, as the README's do.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

const execFileAsync = promisify(execFile);
const doc = readFileSync('docs/seeing-the-pool.md', 'utf8');
const marked = [...doc.matchAll(/<!-- example: (\S+) -->\s*```ts\n([\s\S]*?)```/g)].map((m) => ({
  path: m[1]!,
  block: m[2]!,
}));

describe('docs/seeing-the-pool.md examples', () => {
  it('shows the diagnostics and metrics examples', () => {
    expect(marked.map((m) => m.path)).toEqual(['examples/diagnostics.ts', 'examples/metrics.ts']);
  });

  it.each(marked)('$path is shown verbatim', ({ path, block }) => {
    expect(block.trim()).toBe(readFileSync(path, 'utf8').trim());
  });

  it.each(marked)('$path runs and exits 0', async ({ path }) => {
    const { stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', path], {
      env: { ...process.env, REDIS_URL: inject('redisUrl') },
      timeout: 20_000,
    });
    expect(stderr).toBe('');
  });
});
