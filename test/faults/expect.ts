/** The assertions every fault case makes, with the report printed first (the suite's figures). */
import { expect } from 'vitest';
import { SETTLE_MARGIN_SECONDS } from './config.js';
import { describeReport, type FaultReport } from './run-fault.js';

export interface Bounds {
  /** What each call must settle within before the margin: operationTimeout (+ durability.timeout). */
  settle: number;
  /** Whether the case requires zero double allocations (false only when it measures them). */
  exclusive?: boolean;
}

export function expectSurvived(label: string, report: FaultReport, bounds: Bounds, extra = ''): void {
  console.log(describeReport(label, report, extra));
  expect(report.unexpected, 'errors other than RedisUnavailableError').toEqual([]);
  expect(report.faults, 'faults injected').toBeGreaterThan(0);
  expect(report.timeline.count, 'leases granted').toBeGreaterThan(0);
  if (bounds.exclusive !== false) expect(report.doubles, 'double allocations').toEqual([]);
  expect(report.violations, 'invariant violations').toEqual([]);
  expect(report.slowestSettle, 'slowest settle (s)').toBeLessThanOrEqual(
    bounds.settle + SETTLE_MARGIN_SECONDS,
  );
  expect(Number.isFinite(report.recovery), 'the pool served again').toBe(true);
}
