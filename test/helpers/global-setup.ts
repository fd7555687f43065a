/**
 * Vitest global setup: one private redis-server per test run (or REDIS_URL when set).
 * Tests read the URL with `inject('redisUrl')`; they never touch the shared server on 6379.
 */
import type { TestProject } from 'vitest/node';
import {
  hasRedisServer,
  type PrivateRedisServer,
  REDIS_SERVER_MISSING_MESSAGE,
  startRedisServer,
} from '../../tools/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: PrivateRedisServer | undefined;
  let url = process.env.REDIS_URL;
  if (!url) {
    // Fail in the first second, with the fix, instead of a wall of connection errors.
    if (!hasRedisServer()) throw new Error(REDIS_SERVER_MISSING_MESSAGE);
    server = await startRedisServer();
    url = server.url;
  }
  project.provide('redisUrl', url);
  return async () => {
    await server?.stop();
  };
}
