/**
 * Sections written under docs/ (pasted into the README by the maintainers) carry the same
 * `<!-- example: path -->` markers as the README: each marked block must equal its file, and each
 * such file runs against this run's private Redis and exits 0.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

const execFileAsync = promisify(execFile);
const marked = readdirSync('docs')
  .filter((name) => name.endsWith('.md'))
  .flatMap((name) =>
    [...readFileSync(`docs/${name}`, 'utf8').matchAll(/<!-- example: (\S+) -->\s*```ts\n([\s\S]*?)```/g)].map(
      (m) => ({ doc: name, path: m[1]!, block: m[2]! }),
    ),
  );

describe('docs/ examples', () => {
  it('docs/ shows at least one executable example', () => {
    expect(marked.length).toBeGreaterThan(0);
  });

  it.each(marked)('$path is shown verbatim in docs/$doc', ({ path, block }) => {
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
