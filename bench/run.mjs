// Launcher kept so `npm run bench` stays `node bench/run.mjs`: registers tsx, then runs the
// TypeScript suite (which imports the built library as 'redis-allocator', i.e. dist/).
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
