/** A copy of the built library for worker processes, safe from a concurrent `npm run build`. */
import { cpSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SNAPSHOTS = fileURLToPath(new URL('../results/', import.meta.url));
const DIST_WAIT_MS = 60_000;

/**
 * Copies the built library somewhere no concurrent `npm run build` can clean, waiting while dist/
 * is being rebuilt. Lives under bench/ so the copy still resolves ioredis from node_modules.
 * @returns the snapshot's entry file and its directory (to remove afterwards).
 */
export async function snapshotLibrary(): Promise<{ entry: string; dir: string }> {
  const entry = fileURLToPath(import.meta.resolve('redis-allocator'));
  const deadline = Date.now() + DIST_WAIT_MS;
  while (!existsSync(entry)) {
    if (Date.now() > deadline) throw new Error(`${entry} is missing: run npm run build`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  mkdirSync(SNAPSHOTS, { recursive: true });
  const dir = mkdtempSync(join(SNAPSHOTS, '.library-'));
  cpSync(dirname(entry), dir, { recursive: true });
  return { entry: join(dir, basename(entry)), dir };
}
