/**
 * The `waiters` section: the waiter queue (DESIGN.md §10) as read by the report's one snapshot
 * script — no second read. Each ticket's entry holds the server time it queued at (malloc.lua),
 * so waits are exact in a single report, on the server's clock.
 */
import type { WaiterSample, WaitersSection } from './report-types.js';
import type { PoolSnapshot } from './snapshot.js';
import { parseTicketData } from './ticket-data.js';

export function waitersSection(snapshot: PoolSnapshot, sampleLimit: number): WaitersSection {
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
  const queued: WaiterSample[] = [];
  const byPriority: Record<string, number> = {};
  let oldestWaitSeconds = 0;
  for (const { member, score } of waiting.queue) {
    // Score is -priority; `-0` would print as "0" anyway, `|| 0` keeps JSON free of -0.
    const priority = -Number(score) || 0;
    byPriority[String(priority)] = (byPriority[String(priority)] ?? 0) + 1;
    // The member is the ticket's entry. A malformed one (reported by WAIT-1) has no time: counted
    // as just queued.
    const fields = parseTicketData(member);
    const queuedAt = fields ? fields.queuedAtMs / 1000 : null;
    const waitedSeconds = queuedAt === null ? 0 : Math.max(0, snapshot.now - queuedAt);
    oldestWaitSeconds = Math.max(oldestWaitSeconds, waitedSeconds);
    queued.push({
      ticket: fields?.ticket ?? member,
      arrival: fields?.arrival ?? '',
      priority,
      instance: fields?.instance ?? '',
      queuedAt,
      waitedSeconds,
    });
  }
  // Oldest first: arrival numbers are zero-padded, so text order is arrival order.
  queued.sort((a, b) => (a.arrival < b.arrival ? -1 : a.arrival > b.arrival ? 1 : 0));
  let undeliveredHandOffs = 0;
  for (const messages of waiting.mailboxes.values()) undeliveredHandOffs += messages.length;
  return {
    count: queued.length,
    byPriority,
    oldestWaitSeconds,
    undeliveredHandOffs,
    samples: queued.slice(0, sampleLimit),
    truncated: queued.length > sampleLimit,
  };
}
