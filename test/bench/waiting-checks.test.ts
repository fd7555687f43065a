/** The waiting figure's checks fail on the cases they exist to catch. */
import { describe, expect, it } from 'vitest';
import { commandsCheck, fairnessCheck } from '../../bench/lib/waiting-checks.js';

const arrivals = [
  { label: 'a', priority: 0 },
  { label: 'b', priority: 1 },
  { label: 'c', priority: 0 },
  { label: 'd', priority: 1 },
];

describe('waiting bench checks', () => {
  it('grants in priority-then-arrival order pass', () => {
    const grants = [
      ['b', 1],
      ['d', 2],
      ['a', 3],
      ['c', 4],
    ] as const;
    expect(fairnessCheck(2, arrivals, grants).pass).toBe(true);
  });

  it('a low-priority waiter served before a high one fails', () => {
    const grants = [
      ['b', 1],
      ['a', 2],
      ['d', 3],
      ['c', 4],
    ] as const;
    expect(fairnessCheck(2, arrivals, grants).pass).toBe(false);
  });

  it('two arrivals swapped within one priority fail', () => {
    const one = arrivals.map((a) => ({ ...a, priority: 0 }));
    expect(
      fairnessCheck(1, one, [
        ['a', 1],
        ['b', 2],
        ['c', 3],
        ['d', 4],
      ]).pass,
    ).toBe(true);
    expect(
      fairnessCheck(1, one, [
        ['a', 1],
        ['c', 2],
        ['b', 3],
        ['d', 4],
      ]).pass,
    ).toBe(false);
  });

  it('a missing grant fails', () => {
    const one = arrivals.map((a) => ({ ...a, priority: 0 }));
    expect(
      fairnessCheck(1, one, [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ]).pass,
    ).toBe(false);
  });

  it('more than 3.5 commands per acquisition (a polling client) fails', () => {
    expect(commandsCheck(64, 2.8, 5.6).pass).toBe(true);
    expect(commandsCheck(64, 3.6, 5.6).pass).toBe(false);
  });
});
