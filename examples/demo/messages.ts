/** The IPC messages between the demo's parent process and its workers. */

/** Worker → parent. */
export type WorkerEvent =
  /** Connected and about to allocate. */
  | { type: 'ready' }
  /**
   * Got `key`; `sticky` = the same proxy as this worker name's previous one (soft binding);
   * `fence` = the allocation's fencing token; `waitedMs` = how long the malloc (queue included) took.
   */
  | { type: 'acquired'; key: string; token: string; sticky: boolean; fence: number; waitedMs: number }
  /** Freed its lease on `key` (token-checked). */
  | { type: 'released'; key: string }
  /** Marked `key` unhealthy: its lock (now `token`) keeps it out of the pool for `seconds`. */
  | { type: 'quarantined'; key: string; token: string; seconds: number }
  /**
   * A renewal, the oracle claim or the release found the lease already gone. `early`: it was gone
   * before its TTL could have run out, i.e. someone took a live lease (a safety failure).
   */
  | { type: 'lost'; key: string; stage: 'claim' | 'renew' | 'release'; early: boolean }
  /** One renewal succeeded. */
  | { type: 'renewed' }
  /** The oracle's `SET NX` failed: `holder` holds `key` at the same time. */
  | { type: 'double'; key: string; holder: string }
  /** No proxy came free within the wait. */
  | { type: 'empty' }
  /** The library logged a background problem (e.g. a failed pool refresh). */
  | { type: 'warning'; message: string }
  /** Something unexpected; the worker exits non-zero after this. */
  | { type: 'error'; message: string };

/** Parent → worker. */
export type ParentCommand = { type: 'stop' };

/** What a worker process reads from its environment. */
export interface WorkerEnvironment {
  redisUrl: string;
  prefix: string;
  /** Soft-binding name; a restarted worker keeps its name. */
  name: string;
  /** Unix ms at which proxy epoch 0 started (the updater's clock). */
  startedAt: number;
}

export const WORKER_ENV = {
  redisUrl: 'DEMO_REDIS_URL',
  prefix: 'DEMO_PREFIX',
  name: 'DEMO_WORKER_NAME',
  startedAt: 'DEMO_STARTED_AT',
} as const;

/** Reads the worker's environment; throws when the parent did not set it. */
export function readWorkerEnvironment(env: NodeJS.ProcessEnv): WorkerEnvironment {
  const get = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '')
      throw new Error(`${name} is not set (run the demo with npm run demo)`);
    return value;
  };
  return {
    redisUrl: get(WORKER_ENV.redisUrl),
    prefix: get(WORKER_ENV.prefix),
    name: get(WORKER_ENV.name),
    startedAt: Number(get(WORKER_ENV.startedAt)),
  };
}
