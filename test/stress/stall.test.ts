import { describe, expect, it } from 'vitest';
import { judgeStall } from './stall.js';

describe('stress worker: a lease found gone', () => {
  it('within its guarantee is an anomaly, never a slow case', () => {
    expect(judgeStall('oracle key of k03 gone at extend', 120, 2450)).toEqual({
      kind: 'anomaly',
      evidence: 'oracle key of k03 gone at extend after 120 ms (guaranteed for 2450 ms)',
    });
  });

  it('after a stall longer than its guarantee is a slow case, with the stall as evidence', () => {
    expect(judgeStall('lease on k01 gone at claim', 2300, 2000)).toEqual({
      kind: 'slow',
      evidence: 'lease on k01 gone at claim after 2300 ms (guaranteed for 2000 ms)',
    });
  });

  it('an unmeasured delay (NaN) is an anomaly', () => {
    expect(judgeStall('x', Number.NaN, 2000).kind).toBe('anomaly');
  });
});
