// Loads the demo's TypeScript with tsx but without the repository's tsconfig.json: its `paths` maps
// 'redis-allocator' to src/ for type-checking, and the demo must import the built package, as a
// user's program does (src/ also imports .lua files, which only the build turns into strings).
import { register } from 'tsx/esm/api';

register({ tsconfig: false });
