/**
 * Compiles worker.ts (with config.ts and oracle.ts) once per run into one plain ESM file, so that
 * each of the hundreds of worker restarts is a bare `node worker.js`: `--import tsx` costs about
 * 0.4 s of CPU per start, more than the killer's budget on a loaded 2-core machine.
 *
 * The bundle lives inside the package (test/stress/.build-*) so that its `redis-allocator` import
 * still resolves by self-reference to the BUILT package (dist/), as for any consumer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';

export interface WorkerBundle {
  /** Absolute path of the compiled worker. */
  readonly file: string;
  /** Deletes the bundle directory. Safe to call twice. */
  dispose(): void;
}

export async function bundleWorker(): Promise<WorkerBundle> {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const outDir = mkdtempSync(`${here}.build-`);
  await build({
    entry: { worker: fileURLToPath(new URL('./worker.ts', import.meta.url)) },
    outDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    // Resolved at run time: the library from dist/ by self-reference, ioredis from node_modules.
    external: ['redis-allocator', 'ioredis'],
    config: false,
    silent: true,
    dts: false,
    sourcemap: false,
    clean: false,
    splitting: false,
  });
  return {
    file: `${outDir}/worker.js`,
    dispose: () => rmSync(outDir, { recursive: true, force: true }),
  };
}
