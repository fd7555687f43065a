/**
 * Semantics shared by every lock variant: input validation, and the twelve conditional operations
 * (`setgt` … `delne`), defined once.
 *
 * Comparison is "argument OP current" (upstream-behaviour §3.2): `setgt(k, 5)` succeeds when
 * 5 > current. A missing key, or a current value that is not a finite decimal number, satisfies
 * every condition. The operator table lives here for the in-memory variant and is mirrored,
 * operator for operator, by `scripts/lock/conditional.lua`.
 */
import { DEFAULTS } from '../defaults.js';
import { InvalidArgumentError } from '../errors.js';
import { assertName } from '../keys.js';
import { toTtlMs } from '../timeout.js';
import type { ConditionalSetOptions } from './types.js';

/** Operators of the conditional operations, as sent to the Lua script. */
export type ConditionalOperator = '>' | '<' | '>=' | '<=' | '==' | '!=';

/** One validated conditional operation, ready to run on Redis or in memory. */
export interface ConditionalCommand {
  readonly op: ConditionalOperator;
  /** The compared argument. */
  readonly value: number;
  /** `value` as text that parses back to exactly the same double (JS shortest round trip). */
  readonly argument: string;
  /** Text written when the condition holds (see `formatStoredNumber`); `null` = delete the key. */
  readonly store: string | null;
  /** TTL of the written value in milliseconds; 0 = no expiry. */
  readonly ttlMs: number;
}

/** `argument OP current`; `current === null` (missing or not a number) always holds. */
export function conditionHolds(op: ConditionalOperator, v: number, c: number | null, eps: number): boolean {
  if (c === null) return true;
  switch (op) {
    case '>':
      return v > c;
    case '<':
      return v < c;
    case '>=':
      return v >= c - eps;
    case '<=':
      return v <= c + eps;
    case '==':
      return Math.abs(v - c) < eps;
    case '!=':
      return Math.abs(v - c) > eps;
  }
}

/**
 * The current value as a number, or `null` when it is not a finite decimal number (then the key
 * counts as missing). Same rule as the Lua script: `tonumber`, minus `inf`/`nan`.
 */
export function parseStoredNumber(text: string | null | undefined): number | null {
  if (text == null || text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** `%.17g` precision: enough significant digits to round-trip every double. */
const SIGNIFICANT_DIGITS = 17;

/**
 * The text a conditional set stores for `n`: C's `%.17g`, exactly what the Python library writes
 * on Redis 7.0 (`15` → `"15"`, `0.1` → `"0.10000000000000001"`, `1e21` → `"1e+21"`). It is computed
 * here, not by Redis, so the text is the same on every Redis version and in `MemoryLock`; 17
 * significant digits always parse back to the same double.
 */
export function formatStoredNumber(n: number): string {
  if (n === 0) return '0'; // -0 too, as Redis writes it
  const sign = n < 0 ? '-' : '';
  // Exact decimal expansion of |n| = mantissa · 2^exp (IEEE-754 binary64 fields), then round
  // half-even to 17 significant digits as glibc's printf does.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(n));
  const biased = (view.getUint32(0) >>> 20) & 0x7ff;
  let mantissa = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  if (biased !== 0) mantissa |= 1n << 52n;
  const exp = biased === 0 ? -1074 : biased - 1075;
  const digits = exp >= 0 ? (mantissa << BigInt(exp)).toString() : (mantissa * 5n ** BigInt(-exp)).toString();
  let exponent = digits.length - 1 - Math.max(0, -exp); // decimal exponent of the first digit
  let head = BigInt(digits.slice(0, SIGNIFICANT_DIGITS).padEnd(SIGNIFICANT_DIGITS, '0'));
  const rest = digits.slice(SIGNIFICANT_DIGITS);
  const half = `5${'0'.repeat(Math.max(0, rest.length - 1))}`;
  if (rest > half || (rest === half && head % 2n === 1n)) head += 1n;
  let significand = head.toString();
  if (significand.length > SIGNIFICANT_DIGITS) {
    significand = significand.slice(0, SIGNIFICANT_DIGITS);
    exponent += 1;
  }
  const strip = (fraction: string) => fraction.replace(/0+$/, '');
  if (exponent < -4 || exponent >= SIGNIFICANT_DIGITS) {
    const fraction = strip(significand.slice(1));
    const e = `${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
    return `${sign}${significand[0]}${fraction ? `.${fraction}` : ''}e${e}`;
  }
  const whole = exponent >= 0 ? significand.slice(0, exponent + 1) : '0';
  const fraction = strip(
    exponent >= 0 ? significand.slice(exponent + 1) : '0'.repeat(-exponent - 1) + significand,
  );
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Throws `InvalidArgumentError` unless `eps` is a finite number `>= 0`. */
export function assertEps(eps: unknown): asserts eps is number {
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) {
    throw new InvalidArgumentError(`eps must be a finite number >= 0, got ${String(eps)}`);
  }
}

/** Throws `InvalidArgumentError` unless `value` is a string (lock values are stored as text). */
export function assertLockValue(value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`lock value must be a string, got a value of type ${typeof value}`);
  }
}

/**
 * The member keys of a pool operation: `null`/`undefined` = none; otherwise every entry must be a
 * valid name. Validates the whole batch before anything is written.
 */
export function memberKeys(keys: unknown): string[] {
  if (keys == null) return [];
  if (!Array.isArray(keys)) {
    throw new InvalidArgumentError(`expected an array of lock keys, got a value of type ${typeof keys}`);
  }
  for (const key of keys) assertName(key, 'lock key');
  return keys as string[];
}

function assertFiniteNumber(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const shown = typeof value === 'number' ? String(value) : `a value of type ${typeof value}`;
    throw new InvalidArgumentError(`${what} must be a finite number, got ${shown}`);
  }
}

/**
 * The twelve conditional operations, validated once for every lock variant; a subclass only says
 * how to apply a `ConditionalCommand` atomically.
 */
export abstract class BaseLock {
  /** Tolerance of `>=`, `<=`, `==` and `!=`. Default `1e-6` (`DEFAULTS.eps`). */
  readonly eps: number;

  /** @throws InvalidArgumentError unless `eps` is a finite number `>= 0`. */
  constructor(eps: number = DEFAULTS.eps) {
    assertEps(eps);
    this.eps = eps;
  }

  /** Atomically: read `key`, test the condition, then write or delete. @returns whether it held. */
  protected abstract applyConditional(key: string, command: ConditionalCommand): Promise<boolean>;

  /** Sets `key` to `setValue ?? value` if `value > current` (or `key` is missing / not a number). */
  setgt(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean> {
    return this.conditional('>', key, value, options, false);
  }
  /** Sets `key` to `setValue ?? value` if `value < current` (or `key` is missing / not a number). */
  setlt(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean> {
    return this.conditional('<', key, value, options, false);
  }
  /** Sets `key` to `setValue ?? value` if `value >= current - eps` (or `key` is missing / not a number). */
  setge(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean> {
    return this.conditional('>=', key, value, options, false);
  }
  /** Sets `key` to `setValue ?? value` if `value <= current + eps` (or `key` is missing / not a number). */
  setle(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean> {
    return this.conditional('<=', key, value, options, false);
  }
  /** Sets `key` to `setValue ?? value` if `|value - current| < eps` (or `key` is missing / not a number). */
  seteq(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean> {
    return this.conditional('==', key, value, options, false);
  }
  /** Sets `key` to `setValue ?? value` if `|value - current| > eps` (or `key` is missing / not a number). */
  setne(key: string, value: number, options?: ConditionalSetOptions): Promise<boolean> {
    return this.conditional('!=', key, value, options, false);
  }
  /** Deletes `key` if `value > current`; `true` also when `key` is missing or not a number. */
  delgt(key: string, value: number): Promise<boolean> {
    return this.conditional('>', key, value, undefined, true);
  }
  /** Deletes `key` if `value < current`; `true` also when `key` is missing or not a number. */
  dellt(key: string, value: number): Promise<boolean> {
    return this.conditional('<', key, value, undefined, true);
  }
  /** Deletes `key` if `value >= current - eps`; `true` also when `key` is missing or not a number. */
  delge(key: string, value: number): Promise<boolean> {
    return this.conditional('>=', key, value, undefined, true);
  }
  /** Deletes `key` if `value <= current + eps`; `true` also when `key` is missing or not a number. */
  delle(key: string, value: number): Promise<boolean> {
    return this.conditional('<=', key, value, undefined, true);
  }
  /** Deletes `key` if `|value - current| < eps`; `true` also when `key` is missing or not a number. */
  deleq(key: string, value: number): Promise<boolean> {
    return this.conditional('==', key, value, undefined, true);
  }
  /** Deletes `key` if `|value - current| > eps`; `true` also when `key` is missing or not a number. */
  delne(key: string, value: number): Promise<boolean> {
    return this.conditional('!=', key, value, undefined, true);
  }

  private async conditional(
    op: ConditionalOperator,
    key: string,
    value: number,
    options: ConditionalSetOptions = {},
    del: boolean,
  ): Promise<boolean> {
    assertName(key, 'lock key');
    assertFiniteNumber(value, 'value');
    const setValue = options.setValue ?? value;
    assertFiniteNumber(setValue, 'setValue');
    const ttlMs = toTtlMs(options.ex ?? null, 'ex');
    const store = del ? null : formatStoredNumber(setValue);
    return this.applyConditional(key, { op, value, argument: String(value), store, ttlMs });
  }
}
