import { describe, expect, it } from 'vitest';
import { median, pairedRatios, quantile } from '../../bench/lib/stats.js';

describe('benchmark statistics', () => {
  it('median of an even count averages the middle pair', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('quantile uses the nearest rank, so p99 of 100 samples is the 99th smallest', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(samples, 0.99)).toBe(99);
    expect(quantile(samples, 0.5)).toBe(50);
  });

  it('paired ratios divide round by round', () => {
    expect(pairedRatios([2, 9], [4, 3])).toEqual([0.5, 3]);
  });
});
