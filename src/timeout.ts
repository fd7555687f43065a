/**
 * Timeouts are seconds (fractional allowed), as in the spec. This module is the only place that
 * turns them into what Redis needs, so "no expiry", rounding and rejection are decided once.
 */
import { DEFAULTS } from './defaults.js';
import { InvalidArgumentError, InvalidTimeoutError } from './errors.js';

/** Largest lock TTL we send as `PX` (~31 700 years); longer is treated as "no expiry". */
const MAX_TTL_MS = 1e12;

/** Throws unless `seconds` is a number (Infinity allowed) or `null` (= no expiry). */
export function assertSeconds(seconds: unknown, what: string): asserts seconds is number | null {
  if (seconds === null) return;
  if (typeof seconds !== 'number' || Number.isNaN(seconds)) throw new InvalidTimeoutError(what, seconds);
}

/**
 * Lock TTL in whole milliseconds for `PX`, or `0` for "no expiry" (`<= 0`, `Infinity`, `null`).
 * Fractions round up, so `0.0004` is a 1 ms lock, never a permanent one (upstream F10).
 */
export function toTtlMs(seconds: unknown, what: string): number {
  assertSeconds(seconds, what);
  if (seconds === null || seconds <= 0 || !Number.isFinite(seconds)) return 0;
  const ms = Math.ceil(seconds * 1000);
  return ms > MAX_TTL_MS ? 0 : Math.max(1, ms);
}

/**
 * Pool-entry lifetime in whole seconds (entries store integer Unix seconds, computed from Redis
 * `TIME` inside the script), or `0` for "never expires". Fractions round up.
 */
export function toLifetimeSeconds(seconds: unknown, what: string): number {
  assertSeconds(seconds, what);
  if (seconds === null || seconds <= 0 || !Number.isFinite(seconds)) return 0;
  const whole = Math.ceil(seconds);
  return whole > MAX_TTL_MS / 1000 ? 0 : whole;
}

/**
 * Milliseconds of a gate interval (`gcInterval`): `<= 0` = no gate (0). Unlike a TTL, an infinite
 * interval has no meaning here and is rejected (disable GC with `gcCount: 0` instead).
 */
export function toIntervalMs(seconds: unknown, what: string): number {
  assertSeconds(seconds, what);
  if (seconds === Number.POSITIVE_INFINITY) throw new InvalidTimeoutError(what, seconds);
  return toTtlMs(seconds, what);
}

/**
 * Milliseconds of `operationTimeout` (default `DEFAULTS.operationTimeout`); `Infinity` opts out.
 * Unlike a TTL, `<= 0` has no "no expiry" meaning here and is rejected with the other non-numbers.
 */
export function toOperationTimeoutMs(seconds: unknown): number {
  if (seconds === undefined) return DEFAULTS.operationTimeout * 1000;
  if (typeof seconds !== 'number' || Number.isNaN(seconds) || seconds <= 0) {
    throw new InvalidArgumentError(
      `operationTimeout must be a positive number of seconds (Infinity = no bound), got ${String(seconds)}`,
    );
  }
  return seconds === Number.POSITIVE_INFINITY ? seconds : Math.max(1, Math.ceil(seconds * 1000));
}

/**
 * Cooldown of a release in whole milliseconds (`0` = none; fractions round up). A negative, NaN or
 * infinite cooldown is a caller's bug, rejected before any Redis call.
 */
export function toCooldownMs(seconds: unknown): number {
  if (seconds === undefined) return 0;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new InvalidTimeoutError('cooldown (a finite number of seconds >= 0)', seconds);
  }
  return seconds === 0 ? 0 : Math.max(1, Math.ceil(seconds * 1000));
}
