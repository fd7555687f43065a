// Node module hook for the experiments: a `.lua` import is the file's source string, the same
// contract as tsup's `text` loader and the vitest plugin, so experiments can import src/ directly.
// With LAB_LUA_DIR set, a file of that directory with the same name replaces the script or
// include (handoff-lab.ts measures variants of the library's own scripts this way); a line
// `-- @original` in a variant stands for the library's file, so a variant can put a path in front.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export async function load(url, context, next) {
  if (!url.endsWith('.lua')) return next(url, context);
  const original = await readFile(new URL(url), 'utf8');
  const variantDir = process.env.LAB_LUA_DIR;
  const variant = variantDir ? join(variantDir, basename(fileURLToPath(url))) : undefined;
  const source =
    variant && existsSync(variant)
      ? (await readFile(variant, 'utf8')).replace(/^-- @original$/m, () => original)
      : original;
  return { format: 'module', source: `export default ${JSON.stringify(source)};`, shortCircuit: true };
}
