import { describe, expect, it } from 'vitest';
import { formatFloors, unmetFloors } from './floors.js';

describe('work floors', () => {
  it('a figure at or above its floor passes', () => {
    expect(unmetFloors([{ figure: 'renewals', seen: 10, min: 10 }])).toEqual([]);
  });

  it('a figure below its floor fails, named with both numbers', () => {
    expect(
      unmetFloors([
        { figure: 'renewals', seen: 9, min: 10 },
        { figure: 'snapshots', seen: 100, min: 20 },
      ]),
    ).toEqual(['renewals: 9 < floor 10']);
  });

  it('a figure that was never measured (NaN) fails', () => {
    expect(unmetFloors([{ figure: 'probes', seen: Number.NaN, min: 1 }])).toHaveLength(1);
  });

  it('the printed table marks the figures below their floor', () => {
    const table = formatFloors('floors', [
      { figure: 'a', seen: 1, min: 2 },
      { figure: 'b', seen: 3, min: 2 },
    ]);
    expect(table).toMatch(/a\s+1\s+>= 2\s+BELOW FLOOR/);
    expect(table).toMatch(/b\s+3\s+>= 2\s+ok/);
  });
});
