/**
 * INV-5 oracle for runs in which Redis itself fails (restarts, failovers, stalls), where an oracle
 * kept in that Redis would fail with it. Each holder records, on its own monotonic clock, the
 * interval in which the library guarantees it the key:
 *
 *   from the malloc reply (the lock exists by then)
 *   to   the earliest of: malloc send + lease TTL (the lock was written after the send, so it
 *        lives at least that long), the latest acknowledged renewal send + TTL, the release send.
 *
 * Two intervals of different holders of one key that overlap are a double allocation. Every bound
 * is taken on the safe side, so a correct library never trips it, whatever the delays.
 */

/** One holder's guaranteed interval of one key, in `performance.now()` milliseconds. */
export interface LeaseInterval {
  /** The pool (its prefix): keys of different pools are different resources. */
  readonly pool: string;
  readonly key: string;
  readonly token: string;
  readonly holder: string;
  readonly start: number;
  end: number;
}

export class LeaseTimeline {
  private readonly intervals: LeaseInterval[] = [];

  /**
   * A malloc sent at `sentAt` answered at `repliedAt` with a lease of `ttlMs` on `lease.key`.
   * @returns the interval, to renew or release later.
   */
  acquired(
    lease: { pool: string; key: string; token: string; holder: string },
    sentAt: number,
    repliedAt: number,
    ttlMs: number,
  ): LeaseInterval {
    const interval: LeaseInterval = { ...lease, start: repliedAt, end: sentAt + ttlMs };
    this.intervals.push(interval);
    return interval;
  }

  /** A renewal sent at `sentAt` was acknowledged: the lease lives at least `ttlMs` from then. */
  renewed(interval: LeaseInterval, sentAt: number, ttlMs: number): void {
    interval.end = Math.max(interval.end, sentAt + ttlMs);
  }

  /** The holder stops using the key at `at` (it is about to send the release). */
  released(interval: LeaseInterval, at: number): void {
    interval.end = Math.min(interval.end, at);
  }

  /** Intervals still guaranteed at `at` (held across a fault, for instance). */
  liveAt(at: number): LeaseInterval[] {
    return this.intervals.filter((interval) => interval.start <= at && interval.end > at);
  }

  get count(): number {
    return this.intervals.length;
  }

  /** Every pair of overlapping intervals of different holders on one key, described. */
  doubleAllocations(): string[] {
    const byKey = new Map<string, LeaseInterval[]>();
    for (const interval of this.intervals) {
      if (interval.end <= interval.start) continue; // released or expired before it was answered
      const resource = `${interval.pool} ${interval.key}`;
      const list = byKey.get(resource) ?? [];
      list.push(interval);
      byKey.set(resource, list);
    }
    const found: string[] = [];
    for (const [key, list] of byKey) {
      list.sort((a, b) => a.start - b.start);
      // Sweep: the interval reaching furthest so far overlaps the next one if it ends after it starts.
      let reach: LeaseInterval | undefined;
      for (const interval of list) {
        if (reach !== undefined && reach.end > interval.start && reach.token !== interval.token) {
          found.push(
            `${key}: ${interval.holder} from ${interval.start.toFixed(0)} ms while ${reach.holder} ` +
              `held it until ${reach.end.toFixed(0)} ms`,
          );
        }
        if (reach === undefined || interval.end > reach.end) reach = interval;
      }
    }
    return found;
  }
}
