import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Lua scripts are bundled as strings: the package ships no loose files to resolve at run time.
  loader: { '.lua': 'text' },
});
