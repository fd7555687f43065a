import { describe, expect, it } from 'vitest';
import { ratio, targetCoverage } from '../../bench/lib/report.js';
import { median, pairedSummary } from '../../bench/lib/stats.js';
import { judge, TARGETS, unmeasuredTargets } from '../../bench/lib/targets.js';

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

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'a broken measurement (%s) is gross against either kind of target',
    (value) => {
      expect(judge(value, { op: '>=', value: 0.6 })).toBe('gross');
      expect(judge(value, { op: '<=', value: 1.3 })).toBe('gross');
    },
  );

  it('a ratio of no samples (median of nothing) fails a target instead of passing it', () => {
    const broken = ratio('pair/ceiling@c64', 'pair / ceiling', median([]), Number.NaN, Number.NaN);
    expect(broken.verdict).toBe('gross');
  });
});

describe('benchmark subjects', () => {
  it('pairs the rounds of two measured subjects', () => {
    expect(pairedSummary({ pair: [50, 90, 60], ceiling: [100, 100, 100] }, 'pair', 'ceiling')).toEqual({
      median: 0.6,
      min: 0.5,
      max: 0.9,
    });
  });

  it('a subject that was not measured is an error, not a skipped ratio', () => {
    expect(() => pairedSummary({ ceiling: [100] }, 'pair', 'ceiling')).toThrow(
      'benchmark subject "pair" was not measured',
    );
    expect(() => pairedSummary({ pair: [100] }, 'pair', 'ceiling')).toThrow(
      'benchmark subject "ceiling" was not measured',
    );
  });

  it('a subject with no rounds is an error too', () => {
    expect(() => pairedSummary({ pair: [], ceiling: [100] }, 'pair', 'ceiling')).toThrow(/"pair"/);
  });
});

describe('benchmark target coverage', () => {
  const throughputIds = Object.keys(TARGETS).filter((id) => TARGETS[id]!.figure === 'throughput');

  it('every target belongs to a figure that produces ratios', () => {
    expect(throughputIds.length).toBeGreaterThan(0);
    const figures = new Set(Object.values(TARGETS).map((target) => target.figure));
    expect([...figures].sort()).toEqual([
      'clients',
      'fleet',
      'lease',
      'metrics',
      'scaling',
      'throughput',
      'waiting',
    ]);
  });

  it('a figure that produced every target ratio passes its coverage check', () => {
    const ratios = throughputIds.map((id) => ratio(id, id, 1, 1, 1));
    expect(unmeasuredTargets('throughput', throughputIds)).toEqual([]);
    expect(targetCoverage({ id: 'throughput', ratios })).toEqual([expect.objectContaining({ pass: true })]);
  });

  it('a target whose ratio is missing (renamed or dropped) fails the check', () => {
    const ratios = throughputIds.slice(1).map((id) => ratio(id, id, 1, 1, 1));
    const [check] = targetCoverage({ id: 'throughput', ratios });
    expect(check?.pass).toBe(false);
    expect(check?.detail).toBe(`no ratio for ${throughputIds[0]}`);
  });

  it('a figure without targets adds no check', () => {
    expect(targetCoverage({ id: 'memory', ratios: [] })).toEqual([]);
  });
});
