/**
 * Work floors: a test that passes with "0 violations" proves something only if it really did the
 * work it claims (probes that found something to check, renewals, snapshots, …). Each figure a
 * pass relies on gets a floor; the table is printed with the test output, and every figure below
 * its floor fails the test.
 */

/** One figure a pass relies on, with the least value that makes the run meaningful. */
export interface Floor {
  readonly figure: string;
  readonly seen: number;
  readonly min: number;
}

/** The figures below their floor, one line each (empty when every floor is met). */
export function unmetFloors(floors: readonly Floor[]): string[] {
  return floors
    .filter((floor) => !(floor.seen >= floor.min))
    .map((floor) => `${floor.figure}: ${floor.seen} < floor ${floor.min}`);
}

/** The floors as a table: figure, seen, floor, ok. */
export function formatFloors(title: string, floors: readonly Floor[]): string {
  const width = Math.max(...floors.map((floor) => floor.figure.length));
  const lines = floors.map(
    (floor) =>
      `  ${floor.figure.padEnd(width)}  ${String(floor.seen).padStart(7)}  >= ${String(floor.min).padEnd(6)} ${
        floor.seen >= floor.min ? 'ok' : 'BELOW FLOOR'
      }`,
  );
  return `${title}\n${lines.join('\n')}`;
}
