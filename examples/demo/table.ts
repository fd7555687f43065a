/**
 * The live table and the summary. On a terminal a dashboard (one metric per line, under 80
 * columns) redraws in place; anywhere else (CI, pipes) one plain row per interval is printed
 * under a header and legend printed once.
 */
import { DEMO } from './config.js';
import type { DemoStats } from './stats.js';

interface Metric {
  /** Dashboard label. */
  readonly label: string;
  /** Column header of the plain rows. */
  readonly column: string;
  readonly value: (stats: DemoStats) => string;
  /** What the number means (the legend). */
  readonly note: string;
}

const METRICS: readonly Metric[] = [
  {
    label: 'allocations/s',
    column: 'alloc/s',
    value: (stats) => stats.allocationRate().toFixed(1),
    note: 'over the last 2 s',
  },
  { label: 'free', column: 'free', value: (s) => String(s.counts.free), note: 'on the free list' },
  {
    label: 'held',
    column: 'held',
    value: (s) => String(s.counts.held),
    note: 'leased by a worker, renewed in use',
  },
  {
    label: 'quarantined',
    column: 'quarantined',
    value: (s) => String(s.counts.quarantined),
    note: `failed a health check: out for ${DEMO.quarantineSeconds} s`,
  },
  {
    label: 'awaiting GC',
    column: 'to GC',
    value: (s) => String(s.counts.awaitingGc),
    note: 'lease or quarantine ended, not yet collected',
  },
  {
    label: 'reclaimed',
    column: 'reclaimed',
    value: (s) => String(s.reclaimed),
    note: 'dead leases + ended quarantines back in use',
  },
  {
    label: 'workers killed',
    column: 'kills',
    value: (s) => String(s.kills),
    note: 'SIGKILL mid-lease, then restarted',
  },
  {
    label: 'double allocations',
    column: 'doubles',
    value: (s) => String(s.doubleAllocations + s.earlyLosses),
    note: 'oracle: 2 live holders (must stay 0)',
  },
  {
    label: 'invariant violations',
    column: 'violations',
    value: (s) => String(s.violations.length),
    note: 'in atomic snapshots (must stay 0)',
  },
];

const RECLAIM_NOTE = [
  "            (a killed worker's lease or a quarantine ended, and GC (folded into every malloc)",
  '            put the proxy back on the free list, or its worker took it back by soft binding)',
];

/** Prints the table: in place on a TTY, row by row otherwise. */
export class LiveTable {
  private drawnLines = 0;
  private headerPrinted = false;
  private lastPlainRow = Number.NEGATIVE_INFINITY;
  /** Recent notable events (kills, restarts), newest last. */
  private readonly events: string[] = [];

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly title: string,
    private readonly interactive: boolean = out.isTTY === true,
  ) {}

  /** Notes an event under the dashboard (TTY) or as its own line (otherwise). */
  note(elapsed: number, message: string): void {
    const line = `${elapsed.toFixed(1).padStart(5)}s  ${message}`;
    if (this.interactive) {
      this.events.push(line);
      if (this.events.length > 5) this.events.shift();
    } else {
      this.out.write(`  · ${line}\n`);
    }
  }

  /** Draws the current state; on a non-TTY at most once per `plainLineEverySeconds` unless `force`. */
  render(stats: DemoStats, elapsed: number, total: number, force = false): void {
    if (this.interactive) this.renderDashboard(stats, elapsed, total);
    else this.renderRow(stats, elapsed, force);
  }

  private renderDashboard(stats: DemoStats, elapsed: number, total: number): void {
    const lines = [
      `${this.title}   ${elapsed.toFixed(1)} s of ${total} s`,
      '',
      ...METRICS.map((m) => `  ${m.label.padEnd(21)}${m.value(stats).padStart(6)}   ${m.note}`),
      '',
      '  recent events:',
      ...Array.from({ length: 5 }, (_, i) => (this.events[i] ? `  ${this.events[i]}` : '')),
    ];
    // Move up over the previous drawing and overwrite it line by line (clearing each line).
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '';
    this.out.write(`${up}${lines.map((line) => `\x1b[2K${line}`).join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  private renderRow(stats: DemoStats, elapsed: number, force: boolean): void {
    const cells = (values: readonly string[]) =>
      values.map((value, i) =>
        value.padStart(Math.max((i === 0 ? 'time' : METRICS[i - 1]!.column).length, 5)),
      );
    if (!this.headerPrinted) {
      const legend = METRICS.map((m) => `  ${m.column.padEnd(12)}${m.note}`);
      const lines = [...legend, ...RECLAIM_NOTE.map((line) => `  ${line}`)];
      this.out.write(`${this.title}\n${lines.join('\n')}\n\n`);
      this.out.write(`${cells(['time', ...METRICS.map((m) => m.column)]).join('  ')}\n`);
      this.headerPrinted = true;
    }
    if (!force && elapsed - this.lastPlainRow < DEMO.plainLineEverySeconds) return;
    this.lastPlainRow = elapsed;
    this.out.write(
      `${cells([`${elapsed.toFixed(1)}s`, ...METRICS.map((m) => m.value(stats))]).join('  ')}\n`,
    );
  }
}

/** The end-of-run report. Labels are stable: the CI test reads them. */
export function summary(stats: DemoStats, elapsed: number, workers: number): string {
  const rate = elapsed > 0 ? stats.allocations / elapsed : 0;
  const stickyShare = stats.allocations > 0 ? Math.round((100 * stats.sticky) / stats.allocations) : 0;
  const line = (label: string, value: number | string, note = '') =>
    `  ${label.padEnd(22)}${String(value).padStart(8)}${note ? `  ${note}` : ''}`;
  const failures = stats.failures();
  return [
    '',
    `Summary: ${elapsed.toFixed(1)} s, ${workers} workers, ${DEMO.poolSize} proxies`,
    line(
      'allocations',
      stats.allocations,
      `${rate.toFixed(1)}/s, ${stickyShare}% same proxy again (soft binding)`,
    ),
    line('releases', stats.releases),
    line('lease renewals', stats.renewals),
    line('marked unhealthy', stats.quarantines, `quarantined for ${DEMO.quarantineSeconds} s each`),
    line(
      'waited for a proxy',
      stats.waits,
      `in the fair queue; longest ${(stats.longestWaitMs / 1000).toFixed(2)} s`,
    ),
    line('no proxy in time', stats.empty, `none came free within ${DEMO.waitSeconds} s`),
    line('fences issued', stats.maxFence, 'each allocation numbered (fencing token)'),
    line('fences repeated', stats.repeatedFences, 'must be 0'),
    line('workers killed', stats.kills, `SIGKILL mid-lease; ${stats.restarts} restarted`),
    line('leases reclaimed', stats.reclaimed, 'dead leases and ended quarantines back in use'),
    line('proxies added', stats.proxiesAdded, `by the updater; ${stats.proxiesRetired} retired`),
    line('leases lost late', stats.lateLosses, 'a stalled worker outlived its lease (harmless)'),
    line('library warnings', stats.warnings),
    line('snapshots checked', stats.snapshots),
    line('double allocations', stats.doubleAllocations, 'must be 0'),
    line('live leases taken', stats.earlyLosses, 'must be 0'),
    line('invariant violations', stats.violations.length, 'must be 0'),
    ...stats.violations.slice(0, 5).map((violation) => `    ${violation.invariant}: ${violation.message}`),
    ...stats.problems.slice(0, 5).map((problem) => `    ${problem}`),
    '',
    failures.length === 0
      ? 'OK: no double allocation, no invariant violation.'
      : `FAILED: ${failures.join(', ')}.`,
  ].join('\n');
}
