/**
 * Importing the library never loads the CLI, the dashboard or their dependencies (DESIGN §12):
 * a child process records every module URL it resolves while importing the built package.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const CLI_MODULES = /commander|prom-client|\/cli\.c?js|dashboard/;

/** Module hooks that print each resolved URL to stderr (they run in the loader thread). */
const RECORDER = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
  import { writeSync } from 'node:fs';
  export async function resolve(specifier, context, next) {
    const result = await next(specifier, context);
    writeSync(2, 'resolved ' + result.url + '\\\\n');
    return result;
  }\`));
`;

/** The module URLs an ES module script resolves. */
function resolvedBy(script: string): string[] {
  const result = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(RECORDER)}`, '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  expect(result.status).toBe(0);
  return result.stderr.split('\n').filter((line) => line.startsWith('resolved '));
}

describe('library isolation', () => {
  it('import("redis-allocator") resolves the library and no CLI module', () => {
    const resolved = resolvedBy(
      "const m = await import('redis-allocator'); if (typeof m.diagnose !== 'function') process.exit(3);",
    );
    expect(resolved.some((line) => line.includes('/dist/index.js'))).toBe(true);
    expect(resolved.filter((line) => CLI_MODULES.test(line))).toEqual([]);
  });

  it('the recorder would see a CLI dependency (guards the test above)', () => {
    const resolved = resolvedBy("await import('redis-allocator'); await import('commander');");
    expect(resolved.filter((line) => CLI_MODULES.test(line)).length).toBeGreaterThan(0);
  });

  it('require("redis-allocator") loads no CLI module', () => {
    const out = execFileSync(
      process.execPath,
      ['-e', "require('redis-allocator'); console.log(JSON.stringify(Object.keys(require.cache)))"],
      { encoding: 'utf8' },
    );
    const loaded: string[] = JSON.parse(out);
    expect(loaded.some((path) => path.includes('/dist/index.cjs'))).toBe(true);
    expect(loaded.filter((path) => CLI_MODULES.test(path))).toEqual([]);
  });

  it('the built library does not contain the CLI code', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs']) {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain('commander');
      expect(text).not.toContain('prom-client');
      expect(text).not.toContain('RedisAllocator Diagnostics');
    }
  });
});
