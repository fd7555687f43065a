import { defineConfig } from 'tsup';

// Lua scripts and the dashboard page are bundled as strings: nothing loose to resolve at run time.
const loader = { '.lua': 'text', '.html': 'text' } as const;

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    // The CLI build below writes into the same folder at the same time: keep its files.
    clean: ['!cli.*'],
    sourcemap: true,
    target: 'node20',
    loader,
  },
  {
    // The `redis-allocator` command: its own entry, never imported by the library. Its
    // dependencies are bundled in, so the package keeps zero runtime dependencies.
    // CommonJS: the bundled dependencies are CommonJS and `require` node built-ins.
    entry: { cli: 'src/cli/main.ts' },
    format: ['cjs'],
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    loader,
    noExternal: ['commander', 'prom-client', 'tdigest', 'bintrees', '@opentelemetry/api'],
  },
]);
