import { describe, expect, it } from 'vitest';
import { attribute } from '../../bench/fleet.js';
import { judge, TARGETS } from '../../bench/lib/targets.js';

describe('fleet figure', () => {
  it('Redis time per pair sums every command name the workers sent, script and plain alike', () => {
    const stats = {
      evalsha: { calls: 100, usec: 400 },
      zrem: { calls: 100, usec: 50 },
      zadd: { calls: 100, usec: 70 }, // called inside the script: already in evalsha's usec
    };
    const round = attribute(stats, { evalsha: 100, zrem: 100 }, 100);
    expect(round.usecPerPair).toBe(4.5);
    expect(round.commands).toEqual({ evalsha: 1, zrem: 1 });
  });

  it('refuses a command name that scripts also call inside: its usec would count twice', () => {
    const stats = { evalsha: { calls: 100, usec: 400 }, get: { calls: 300, usec: 90 } };
    expect(() => attribute(stats, { evalsha: 100, get: 100 }, 100)).toThrow(/not attributable/);
  });

  it('today’s 3× the peer’s Redis time per pair (before issue 13) fails the check; the target is met at 1.3×', () => {
    const target = TARGETS['fleet/pair-usec/semaphore']!;
    expect(judge(3.1, target)).toBe('gross');
    expect(judge(1.3, target)).toBe('met');
    expect(judge(0.45, TARGETS['fleet/pair/semaphore']!)).toBe('gross');
  });
});
