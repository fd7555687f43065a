/** The waiting options of `malloc` / `mallocKey` / `acquireLease`, checked before any Redis call. */
import { InvalidArgumentError } from '../../errors.js';

/** How long and how urgently an allocation may wait for a key (DESIGN.md §10). */
export interface WaitOptions {
  /**
   * Seconds to wait for a key when none is free (fractional allowed). `0` answers at once (`null`
   * when nothing is free), `Infinity` waits until `signal` aborts. Waiters are served strictly in
   * order (priority, then arrival) across every process of the pool. Default 0.
   */
  wait?: number;
  /** Aborting it ends the wait: the call rejects with `signal.reason` and leaves nothing behind. */
  signal?: AbortSignal;
  /** Integer; a higher priority is served first, equal priorities in arrival order. Default 0. */
  priority?: number;
}

/** Validated waiting options. */
export interface WaitRequest {
  /** Milliseconds to wait; `0` = answer at once, `Infinity` = until aborted. */
  readonly waitMs: number;
  readonly signal: AbortSignal | undefined;
  readonly priority: number;
}

/** @throws InvalidArgumentError for a bad `wait`, `priority` or `signal`. */
export function parseWaitOptions(options: WaitOptions): WaitRequest {
  const { wait = 0, signal, priority = 0 } = options;
  if (typeof wait !== 'number' || Number.isNaN(wait) || wait < 0) {
    throw new InvalidArgumentError(
      `wait must be a non-negative number of seconds (Infinity = until aborted), got ${String(wait)}`,
    );
  }
  if (!Number.isSafeInteger(priority)) {
    throw new InvalidArgumentError(`priority must be a safe integer, got ${String(priority)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('signal must be an AbortSignal');
  }
  return { waitMs: wait * 1000, signal, priority };
}
