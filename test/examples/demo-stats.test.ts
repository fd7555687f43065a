/** The demo's fence check can fail: a fence handed out twice is a reported failure. */
import { describe, expect, it } from 'vitest';
import { DemoStats } from '../../examples/demo/stats.js';

const acquired = (key: string, fence: number, waitedMs = 1) =>
  ({ type: 'acquired', key, token: `t-${fence}`, sticky: false, fence, waitedMs }) as const;

describe('demo statistics', () => {
  it('distinct fences pass and the highest is reported', () => {
    const stats = new DemoStats();
    stats.onEvent('w1', acquired('p1', 1));
    stats.onEvent('w2', acquired('p2', 2, 300));
    expect(stats.maxFence).toBe(2);
    expect(stats.waits).toBe(1);
    expect(stats.failures()).toEqual([]);
  });

  it('a fence handed out twice is a failure of the run', () => {
    const stats = new DemoStats();
    stats.onEvent('w1', acquired('p1', 7));
    stats.onEvent('w2', acquired('p2', 7));
    expect(stats.repeatedFences).toBe(1);
    expect(stats.failures()).toEqual(['1 repeated fence(s)']);
  });
});
