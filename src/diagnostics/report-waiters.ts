/**
 * The `waiters` section: the waiter queue (DESIGN.md §10) as read by the report's one snapshot
 * script — no second read.
 *
 * How long a ticket has waited: the queue stores an arrival *number*, not a time, and the hot
 * path is not changed to store one. So ages are observed: a ticket's wait counts from the first
 * report of a series (`previous` → this one) that saw it queued. `watch`, the dashboard and
 * `/metrics` run such series, so their ages grow with the wait; a single report (`inspect`)
 * shows 0 for every ticket. Ages are lower bounds, never overstated.
 */
import type { PoolReport, WaiterSample, WaitersSection } from './report-types.js';
import type { PoolSnapshot } from './snapshot.js';

interface Ticket {
  readonly ticket: string;
  readonly arrival: string;
  readonly priority: number;
  readonly instance: string;
}

export function waitersSection(
  snapshot: PoolSnapshot,
  sampleLimit: number,
  previous: PoolReport | undefined,
): WaitersSection {
  const waiting = snapshot.waiting;
  if (waiting === undefined) {
    return {
      count: 0,
      byPriority: {},
      oldestWaitSeconds: 0,
      undeliveredHandOffs: 0,
      samples: [],
      truncated: false,
    };
  }
  const queued: Ticket[] = [];
  const byPriority: Record<string, number> = {};
  for (const { member, score } of waiting.queue) {
    const bar = member.indexOf('|');
    const ticket = bar < 0 ? member : member.slice(bar + 1);
    const arrival = bar < 0 ? '' : member.slice(0, bar);
    // Score is -priority; `-0` would print as "0" anyway, `|| 0` keeps JSON free of -0.
    const priority = -Number(score) || 0;
    byPriority[String(priority)] = (byPriority[String(priority)] ?? 0) + 1;
    const data = waiting.tickets.get(ticket) ?? '';
    queued.push({ ticket, arrival, priority, instance: data.split('|')[1] ?? '' });
  }
  // Oldest first: arrival numbers are zero-padded, so text order is arrival order.
  queued.sort((a, b) => (a.arrival < b.arrival ? -1 : a.arrival > b.arrival ? 1 : 0));
  const seen = new Map<string, number>();
  // A report from before this field existed (or hand-made) may lack it: no ages carried then.
  for (const sample of previous?.waiters?.samples ?? []) seen.set(sample.ticket, sample.firstSeen);
  const samples: WaiterSample[] = queued.slice(0, sampleLimit).map((t) => {
    const firstSeen = Math.min(seen.get(t.ticket) ?? snapshot.now, snapshot.now);
    return { ...t, firstSeen, waitedSeconds: snapshot.now - firstSeen };
  });
  let undeliveredHandOffs = 0;
  for (const messages of waiting.mailboxes.values()) undeliveredHandOffs += messages.length;
  return {
    count: queued.length,
    byPriority,
    oldestWaitSeconds: samples[0]?.waitedSeconds ?? 0,
    undeliveredHandOffs,
    samples,
    truncated: queued.length > sampleLimit,
  };
}
