/** Validation of the keep-alive options, shared by `malloc({ keepAlive })` and `obj.keepAlive()`. */
import { DEFAULTS } from '../defaults.js';
import { InvalidArgumentError, InvalidTimeoutError } from '../errors.js';
import { toTtlMs } from '../timeout.js';

/** Options of `obj.keepAlive()` (and of `malloc` with `keepAlive: true`). */
export interface KeepAliveOptions {
  /**
   * Seconds between renewals (fractional allowed), less than the lease timeout. Default: a third
   * of the lease timeout.
   */
  renewEvery?: number;
  /**
   * Seconds after the malloc was sent when keep-alive stops renewing, so a runaway holder cannot
   * keep a key forever; the lease then ends at its timeout (reported as `expired`). Positive;
   * `Infinity` = no cap. Default Infinity.
   */
  maxHold?: number;
}

/** Keep-alive timing in milliseconds. */
export interface KeepAlivePlan {
  readonly renewEveryMs: number;
  /** Infinity = no cap. */
  readonly maxHoldMs: number;
}

/**
 * Checks keep-alive options against a lease TTL in ms (0 = never expires).
 * @throws InvalidArgumentError for a lease that never expires; InvalidTimeoutError for a
 *   `maxHold` <= 0 or NaN, or a `renewEvery` <= 0, NaN or not shorter than the lease.
 */
export function planKeepAlive(ttlMs: number, options: KeepAliveOptions): KeepAlivePlan {
  if (ttlMs <= 0) {
    throw new InvalidArgumentError('keepAlive needs a lease that expires: give a finite positive timeout');
  }
  const { maxHold, renewEvery } = options;
  if (maxHold !== undefined && (typeof maxHold !== 'number' || !(maxHold > 0))) {
    throw new InvalidTimeoutError('maxHold (seconds > 0, Infinity = no cap)', maxHold);
  }
  let renewEveryMs = ttlMs * DEFAULTS.renewFraction;
  if (renewEvery !== undefined) {
    const ms = typeof renewEvery === 'number' && renewEvery > 0 ? toTtlMs(renewEvery, 'renewEvery') : 0;
    if (ms <= 0 || ms >= ttlMs) {
      throw new InvalidTimeoutError(
        'renewEvery (seconds > 0 and shorter than the lease timeout)',
        renewEvery,
      );
    }
    renewEveryMs = ms;
  }
  return { renewEveryMs, maxHoldMs: maxHold === undefined ? Number.POSITIVE_INFINITY : maxHold * 1000 };
}
