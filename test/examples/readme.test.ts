/**
 * README examples cannot rot: every code block marked `<!-- example: path -->` must equal that file,
 * and every such file runs (against this run's private Redis) and exits 0. Examples assert what
 * they claim with node:assert.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

const execFileAsync = promisify(execFile);
const readme = readFileSync('README.md', 'utf8');
const marked = [...readme.matchAll(/<!-- example: (\S+) -->\s*```ts\n([\s\S]*?)```/g)].map((m) => ({
  path: m[1]!,
  block: m[2]!,
}));

describe('README examples', () => {
  it('the README shows at least one executable example', () => {
    expect(marked.length).toBeGreaterThan(0);
  });

  it.each(marked)('$path is shown verbatim in the README', ({ path, block }) => {
    expect(block.trim()).toBe(readFileSync(path, 'utf8').trim());
  });

  it.concurrent.each(marked)('$path runs and exits 0', async ({ path }) => {
    const { stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', path], {
      env: { ...process.env, REDIS_URL: inject('redisUrl') },
      timeout: 20_000,
    });
    expect(stderr).toBe('');
  });
});
