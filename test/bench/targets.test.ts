import { describe, expect, it } from 'vitest';
import { judge } from '../../bench/lib/targets.js';

describe('benchmark verdicts', () => {
  it('a ratio at or above a >= target is met', () => {
    expect(judge(0.6, { op: '>=', value: 0.6 })).toBe('met');
  });

  it('a ratio below a >= target but above half of it is only missed, so noise cannot fail CI', () => {
    expect(judge(0.31, { op: '>=', value: 0.6 })).toBe('missed');
  });

  it('a ratio below half a >= target is a gross regression', () => {
    expect(judge(0.29, { op: '>=', value: 0.6 })).toBe('gross');
  });

  it('a ratio above double a <= target is a gross regression, between the two only missed', () => {
    expect(judge(1.3, { op: '<=', value: 1.3 })).toBe('met');
    expect(judge(2.5, { op: '<=', value: 1.3 })).toBe('missed');
    expect(judge(2.7, { op: '<=', value: 1.3 })).toBe('gross');
  });
});
