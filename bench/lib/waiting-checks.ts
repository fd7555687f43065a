/**
 * The pass/fail rules of the waiting figure, as pure functions so tests can show each one failing
 * on a wrong input (a grant out of order, a polling client).
 */
import type { Check } from './report.js';

/** Issue 9's bound on the commands one process sends per acquisition, whatever the waiter count. */
export const MAX_COMMANDS_PER_ACQUISITION = 3.5;

export function commandsCheck(waiters: number, ours: number, semaphore: number): Check {
  return {
    id: `waiting/commands-${waiters}`,
    label: `client commands per acquisition <= ${MAX_COMMANDS_PER_ACQUISITION} (${waiters} waiters)`,
    pass: ours <= MAX_COMMANDS_PER_ACQUISITION,
    detail: `${ours.toFixed(2)} (redis-semaphore ${semaphore.toFixed(2)})`,
  };
}

/** The order grants must follow: higher priority first, arrival order within a priority. */
export function expectedGrantOrder(arrivals: ReadonlyArray<{ label: string; priority: number }>): string[] {
  return [...arrivals].sort((a, b) => b.priority - a.priority).map((a) => a.label); // stable sort
}

/**
 * Every grant (label, grant sequence number) must be the one expected at its position; a missing
 * or extra grant fails too.
 */
export function fairnessCheck(
  priorities: number,
  arrivals: ReadonlyArray<{ label: string; priority: number }>,
  grants: ReadonlyArray<readonly [string, number]>,
): Check {
  const expected = expectedGrantOrder(arrivals);
  const ordered = [...grants].sort((a, b) => a[1] - b[1]);
  const inOrder = ordered.filter(([label], i) => label === expected[i]).length;
  return {
    id: `waiting/fairness-${priorities}`,
    label:
      priorities === 1
        ? 'one priority: grants in arrival order (100 %)'
        : 'two priorities: every high served before any low, each class in arrival order',
    pass: inOrder === expected.length && ordered.length === expected.length,
    detail: `${((100 * inOrder) / Math.max(1, expected.length)).toFixed(1)} % of ${expected.length} grants in the expected order`,
  };
}
