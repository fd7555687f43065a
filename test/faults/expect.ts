/** The assertions every fault case makes, with the report printed first (the suite's figures). */
import { expect } from 'vitest';
import { SETTLE_MARGIN_SECONDS } from './config.js';
import { describeReport, type FaultReport } from './run-fault.js';

export interface Bounds {
  /** What each call must settle within before the margin: operationTimeout (+ durability.timeout). */
  settle: number;
  /**
   * The case loses acknowledged writes on purpose (a failover without durability) and measures
   * what that costs: double allocations and members the promoted replica never received are
   * reported, not failed; every other invariant must still hold.
   */
  lossy?: boolean;
}

/** Violations that are lost writes, not corruption: members the promoted replica never got. */
const LOST_WRITE = /disappeared, and no worker removed it/;

export function expectSurvived(label: string, report: FaultReport, bounds: Bounds, extra = ''): void {
  console.log(describeReport(label, report, extra));
  expect(report.unexpected, 'errors other than RedisUnavailableError').toEqual([]);
  expect(report.faults, 'faults injected').toBeGreaterThan(0);
  expect(report.timeline.count, 'leases granted').toBeGreaterThan(0);
  if (!bounds.lossy) expect(report.doubles, 'double allocations').toEqual([]);
  const violations = bounds.lossy ? report.violations.filter((v) => !LOST_WRITE.test(v)) : report.violations;
  expect(violations, 'invariant violations').toEqual([]);
  expect(report.slowestSettle, 'slowest settle (s)').toBeLessThanOrEqual(
    bounds.settle + SETTLE_MARGIN_SECONDS,
  );
  expect(Number.isFinite(report.recovery), 'the pool served again').toBe(true);
  if (report.probe) {
    const probe = report.probe;
    expect(probe.findings, 'waiters hung or lost, kept-alive leases silently lost').toEqual([]);
    expect(probe.served + probe.settled, 'every waiter settled').toBe(probe.waiters);
    expect(probe.served, 'waiters served by a hand-off after a fault').toBeGreaterThan(0);
    expect(probe.resumed + probe.reported, 'kept-alive leases held across a fault').toBeGreaterThan(0);
  }
}
