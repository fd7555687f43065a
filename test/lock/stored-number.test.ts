/**
 * The number text conditional sets store (C `%.17g`, as Redis 7.0 writes a Lua number) and how a
 * current value is read back. Pure functions: the contract suites check them end to end on Redis.
 */
import { describe, expect, it } from 'vitest';
import { formatStoredNumber, parseStoredNumber } from '../../src/lock/conditional.js';

describe('formatStoredNumber', () => {
  it.each([
    [15, '15'],
    [-1.5, '-1.5'],
    [0, '0'],
    [-0, '0'],
    [0.1, '0.10000000000000001'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e-4, '0.0001'],
    [1e-5, '1.0000000000000001e-05'],
    [1e16, '10000000000000000'],
    [1e17, '1e+17'],
    [1e21, '1e+21'],
    [2 ** 53 + 2, '9007199254740994'],
    [5e-324, '4.9406564584124654e-324'],
    [Number.MAX_VALUE, '1.7976931348623157e+308'],
  ])('%s is stored as %j', (value, text) => {
    expect(formatStoredNumber(value)).toBe(text);
  });

  it('an exact tie at the 18th digit (1250000000000000.25, .75) rounds half to even, like glibc', () => {
    expect(formatStoredNumber((5e15 + 1) / 4)).toBe('1250000000000000.2');
    expect(formatStoredNumber((5e15 + 3) / 4)).toBe('1250000000000000.8');
  });

  it('the stored text always parses back to the same number', () => {
    for (const value of [0.1, 1 / 3, Math.PI, 123456.789e-200, -9.87e300]) {
      expect(Number(formatStoredNumber(value))).toBe(value);
    }
  });
});

describe('parseStoredNumber', () => {
  it.each([
    ['10', 10],
    [' 5 ', 5],
    ['1e3', 1000],
    ['-0.5', -0.5],
  ])('%j reads as %s', (text, value) => {
    expect(parseStoredNumber(text)).toBe(value);
  });

  it.each([null, '', ' ', 'abc', 'inf', 'nan', 'Infinity', '1e400'])('%j is not a number', (text) => {
    expect(parseStoredNumber(text)).toBeNull();
  });
});
