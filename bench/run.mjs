// Launcher kept so `npm run bench` stays `node bench/run.mjs`: registers tsx, then runs the
// TypeScript suite. tsconfig is ignored on purpose: its `paths` maps 'redis-allocator' to src/ for
// type checking, while the benchmark must measure the built library (dist/, via package exports).
import { register as registerHook } from 'node:module';
import { register } from 'tsx/esm/api';

register({ tsconfig: false });
// The lease figure composes script versions with src/scripts/loader.ts, which imports .lua text.
registerHook('./experiments/lua-text-hook.mjs', import.meta.url);
await import('./main.ts');
