/** What the dashboard knows: the latest report of each pool and a short history for the charts. */
import type { PoolOutcome } from '../pools.js';

/** One point of a pool's charts. */
export interface HistoryPoint {
  /** Unix seconds (client clock of the dashboard process). */
  readonly t: number;
  readonly free: number;
  readonly held: number;
  readonly quarantined: number;
  /** Queued waiters. */
  readonly waiting: number;
  /** Script calls per second on the server (every allocator operation is one); null on the first. */
  readonly scriptsPerSecond: number | null;
}

/** The payload of `/api/snapshot` and of each Server-Sent Event. */
export interface DashboardState {
  readonly generatedAt: string;
  readonly intervalSeconds: number;
  readonly pools: ReadonlyArray<{
    readonly poolKey: string;
    readonly report: PoolOutcome['report'] | null;
    readonly error: string | null;
    readonly history: readonly HistoryPoint[];
  }>;
}

export const HISTORY_POINTS = 120;

export class DashboardHistory {
  private readonly points = new Map<string, HistoryPoint[]>();

  record(outcomes: readonly PoolOutcome[], intervalSeconds: number): DashboardState {
    const now = Date.now() / 1000;
    const pools = outcomes.map((outcome) => {
      const history = this.points.get(outcome.poolKey) ?? [];
      if (outcome.report !== undefined) {
        const { pool, pressure, waiters } = outcome.report;
        history.push({
          t: now,
          free: pool.free,
          held: pool.held,
          quarantined: pool.quarantined,
          waiting: waiters.count,
          scriptsPerSecond: pressure?.scriptCallsPerSecond ?? null,
        });
        if (history.length > HISTORY_POINTS) history.splice(0, history.length - HISTORY_POINTS);
      }
      this.points.set(outcome.poolKey, history);
      return {
        poolKey: outcome.poolKey,
        report: outcome.report ?? null,
        error: outcome.error?.message ?? null,
        history: [...history],
      };
    });
    return { generatedAt: new Date(now * 1000).toISOString(), intervalSeconds, pools };
  }
}
