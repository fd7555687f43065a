// Node module hook for the experiments: a `.lua` import is the file's source string, the same
// contract as tsup's `text` loader and the vitest plugin, so experiments can import src/ directly.
import { readFile } from 'node:fs/promises';

export async function load(url, context, next) {
  if (!url.endsWith('.lua')) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  return { format: 'module', source: `export default ${JSON.stringify(source)};`, shortCircuit: true };
}
