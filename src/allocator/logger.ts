/**
 * Where the allocator layer reports problems it cannot throw to a caller (a background pool
 * refresh that failed, an object whose `close` threw during auto-close). Injectable so
 * applications route it into their own logging; the library never writes to stdout itself.
 */

/** Structured details of a log entry (the error, the key, the updater param…). */
export type LogMeta = Record<string, unknown>;

/** The two levels the library uses: `warn` for degraded operation, `error` for a failed action. */
export interface Logger {
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
}

/** Default: both levels go to `console.warn` (stderr), tagged with the library name. */
export const consoleLogger: Logger = {
  warn(message, meta) {
    console.warn(`[redis-allocator] ${message}`, ...(meta === undefined ? [] : [meta]));
  },
  error(message, meta) {
    console.warn(`[redis-allocator] ${message}`, ...(meta === undefined ? [] : [meta]));
  },
};

/** Discards everything (tests, or applications that watch the pool by other means). */
export const silentLogger: Logger = {
  warn() {},
  error() {},
};
