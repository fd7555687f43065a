/**
 * The `waiters` section: the waiter queue (DESIGN.md §10) as read by the report's one snapshot
 * script — no second read. Each ticket's data holds the Redis server time it queued at (malloc.lua),
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
    const bar = member.indexOf('|');
    const ticket = bar < 0 ? member : member.slice(bar + 1);
    const arrival = bar < 0 ? '' : member.slice(0, bar);
    // Score is -priority; `-0` would print as "0" anyway, `|| 0` keeps JSON free of -0.
    const priority = -Number(score) || 0;
    byPriority[String(priority)] = (byPriority[String(priority)] ?? 0) + 1;
    const data = waiting.tickets.get(ticket) ?? '';
    const fields = parseTicketData(data);
    // Malformed data (reported by WAIT-1) has no time: counted as just queued.
    const queuedAt = fields ? fields.queuedAtMs / 1000 : null;
    const waitedSeconds = queuedAt === null ? 0 : Math.max(0, snapshot.now - queuedAt);
    oldestWaitSeconds = Math.max(oldestWaitSeconds, waitedSeconds);
    queued.push({ ticket, arrival, priority, instance: data.split('|')[1] ?? '', queuedAt, waitedSeconds });
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
