// `npm run bench:diagnose`: registers tsx (without tsconfig, so 'redis-allocator' is dist/), then
// runs the diagnose timing.
import { register } from 'tsx/esm/api';

register({ tsconfig: false });
await import('./diagnose.ts');
