/** Reports as text: the `inspect` table, the `watch` screen and its one-line form. */
import type { PoolReport } from '../diagnostics/report-types.js';
import type { PoolOutcome } from './pools.js';

const HEALTH_LABEL = { healthy: 'HEALTHY', degraded: 'DEGRADED', corrupt: 'CORRUPT' } as const;

/** A multi-line table of one report. */
export function formatReport(report: PoolReport): string {
  const { identity, pool, integrity, leases, waiters, bindings, orphans, redis, pressure } = report;
  const lines: string[] = [];
  lines.push(
    `pool ${identity.poolKey}  (${identity.mode})  ${HEALTH_LABEL[report.health]}  fence counter ${identity.fence}`,
  );
  if (!identity.exists) lines.push('  no pool hash at this key');
  lines.push(
    `  keys        total ${pool.total}  free ${pool.free}  held ${pool.held}  quarantined ${pool.quarantined}  cooling ${pool.cooling}  ` +
      `expired ${pool.expired}  reclaimable ${pool.reclaimable}  permanent locks ${pool.permanentLocks}`,
  );
  lines.push(
    `  integrity   ${integrity.ok ? 'ok' : `${integrity.violations.length} violation(s)`} (${integrity.checked.join(', ')})` +
      `  locked on free list ${integrity.lockedOnFreeList}`,
  );
  for (const violation of integrity.violations.slice(0, 10))
    lines.push(`    ${violation.invariant}  ${violation.message}`);
  lines.push(
    `  leases      ${leases.count}${leases.truncated ? ` (showing ${leases.samples.length}, soonest to end first)` : ''}`,
  );
  if (leases.samples.length > 0) {
    const rows = leases.samples.map((lease) => [
      lease.key,
      lease.holder,
      lease.fence === null ? '-' : String(lease.fence),
      lease.secondsLeft === null ? 'never' : `${lease.secondsLeft.toFixed(1)} s`,
    ]);
    lines.push(...table(['KEY', 'HOLDER', 'FENCE', 'ENDS IN'], rows).map((row) => `    ${row}`));
  }
  const priorities = Object.entries(waiters.byPriority)
    .sort((a, b) => Number(b[0]) - Number(a[0]))
    .map(([priority, n]) => `p${priority}: ${n}`)
    .join('  ');
  lines.push(
    `  waiters     ${waiters.count}` +
      (waiters.count > 0
        ? `  (${priorities})  oldest waited ${waiters.oldestWaitSeconds.toFixed(1)} s`
        : '') +
      (waiters.undeliveredHandOffs > 0 ? `  undelivered hand-offs ${waiters.undeliveredHandOffs}` : ''),
  );
  if (waiters.samples.length > 0) {
    const rows = waiters.samples.map((w) => [
      w.ticket,
      String(w.priority),
      w.instance,
      `${w.waitedSeconds.toFixed(1)} s`,
    ]);
    lines.push(...table(['TICKET', 'PRIORITY', 'INSTANCE', 'WAITED'], rows).map((row) => `    ${row}`));
    if (waiters.truncated)
      lines.push(`    (showing ${waiters.samples.length} of ${waiters.count}, oldest first)`);
  }
  lines.push(
    `  bindings    total ${bindings.total}  stale ${bindings.stale}${bindings.truncated ? '  (scan truncated)' : ''}`,
  );
  lines.push(`  orphan locks ${orphans.count}${orphans.truncated ? '  (scan truncated)' : ''}`);
  for (const key of orphans.samples.slice(0, 5)) lines.push(`    ${key}`);
  lines.push(
    redis.error === null
      ? `  redis       memory ${bytes(redis.usedMemory)}  clients ${redis.connectedClients}`
      : `  redis       facts unavailable: ${redis.error}`,
  );
  if (pressure !== null)
    lines.push(
      `  rates       ${pressure.redisOpsPerSecond.toFixed(0)} commands/s  ${pressure.scriptCallsPerSecond.toFixed(0)} scripts/s`,
    );
  if (report.recommendations.length === 0) lines.push('  recommendations: none');
  else {
    lines.push('  recommendations');
    for (const r of report.recommendations)
      lines.push(`    ${r.severity.padEnd(8)} ${r.code.padEnd(20)} ${r.message}`);
  }
  return lines.join('\n');
}

/** One line per pool: what `watch` prints when stdout is not a terminal. */
export function formatLine(outcome: PoolOutcome, at: Date): string {
  const time = at.toISOString();
  if (outcome.report === undefined) return `${time} ${outcome.poolKey} ERROR ${outcome.error.message}`;
  const { pool, health, pressure, leases, waiters } = outcome.report;
  const rate = pressure === null ? '' : ` scripts/s=${pressure.scriptCallsPerSecond.toFixed(0)}`;
  return (
    `${time} ${outcome.poolKey} ${health} total=${pool.total} free=${pool.free} held=${pool.held} ` +
    `quarantined=${pool.quarantined} cooling=${pool.cooling} reclaimable=${pool.reclaimable} leases=${leases.count} ` +
    `waiting=${waiters.count} oldest_wait=${waiters.oldestWaitSeconds.toFixed(1)}${rate}`
  );
}

/** A pool's report or its error, as a block of text. */
export function formatOutcome(outcome: PoolOutcome): string {
  return outcome.report === undefined
    ? `pool ${outcome.poolKey}  ERROR\n  ${outcome.error.message}`
    : formatReport(outcome.report);
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(r[i]!.length, 48))));
  const cell = (text: string, i: number) =>
    (text.length > 48 ? `${text.slice(0, 47)}…` : text).padEnd(widths[i]!);
  return [header, ...rows].map((row) => row.map(cell).join('  ').trimEnd());
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
