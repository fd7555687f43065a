// Launcher (see run.mjs): registers tsx without tsconfig so the built library (dist/) is measured.
import { register } from 'tsx/esm/api';

register({ tsconfig: false });
await import('./operation-timeout.ts');
