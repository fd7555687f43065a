/**
 * Prepares what the worker processes run, once per test run, in a temporary directory:
 * - worker.js: worker.ts (with config.ts and oracle.ts) compiled to one plain ESM file, so that each
 *   of the hundreds of restarts is a bare `node worker.js` (`--import tsx` costs about 0.4 s of
 *   CPU per start, more than the killer's budget on a loaded 2-core machine);
 * - a frozen copy of the built package (dist/ plus a package.json named `redis-allocator`): the
 *   worker's `import … from 'redis-allocator'` resolves to it by self-reference, like any consumer,
 *   and a concurrent `npm run build` (tsup cleans dist/) cannot break a worker restart mid-run.
 * A `node_modules` symlink to the repository's lets ioredis resolve. Nothing is written inside the
 * repository, so concurrent lint / typecheck runs never see these files.
 */
import { cpSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';

export interface WorkerBundle {
  /** Absolute path of the compiled worker. */
  readonly file: string;
  /** Deletes the bundle directory. Safe to call twice. */
  dispose(): void;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const BUILT_ENTRY = join(DIST, 'index.js');

export async function bundleWorker(): Promise<WorkerBundle> {
  await waitForQuietBuild();
  const outDir = mkdtempSync(join(tmpdir(), 'redis-allocator-stress-'));
  const dispose = () => rmSync(outDir, { recursive: true, force: true });
  try {
    // Only the ESM runtime: declaration files and maps are of no use to a worker.
    cpSync(DIST, join(outDir, 'dist'), {
      recursive: true,
      filter: (source) => !/\.(map|d\.c?ts|cjs)$/.test(source),
    });
    if (statSync(join(outDir, 'dist', 'index.js')).size !== statSync(BUILT_ENTRY).size) {
      throw new Error('dist/ changed while it was copied (a build is running?): run the test again');
    }
    const manifest = {
      name: 'redis-allocator',
      private: true,
      type: 'module',
      exports: { '.': './dist/index.js' },
    };
    writeFileSync(join(outDir, 'package.json'), JSON.stringify(manifest));
    symlinkSync(NODE_MODULES, join(outDir, 'node_modules'), 'dir');
    await build({
      entry: { worker: join(HERE, 'worker.ts') },
      outDir,
      format: ['esm'],
      platform: 'node',
      target: 'node20',
      external: ['redis-allocator', 'ioredis'],
      config: false,
      silent: true,
      dts: false,
      sourcemap: false,
      clean: false,
      splitting: false,
    });
  } catch (error) {
    dispose();
    throw error;
  }
  return { file: join(outDir, 'worker.js'), dispose };
}

/** Waits until dist/index.js exists and has not been written for a second (no build running). */
async function waitForQuietBuild(timeoutSeconds = 60): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const written = statSync(BUILT_ENTRY, { throwIfNoEntry: false })?.mtimeMs;
    if (written !== undefined && Date.now() - written > 1000) return;
    if (Date.now() > deadline) {
      throw new Error(
        'the workers import the built package, but dist/index.js is missing: run `npm run build`',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
