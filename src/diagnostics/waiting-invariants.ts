/**
 * Invariants of the waiter queue (DESIGN.md §10), checked on the same atomic snapshot as the pool:
 * - WAIT-1 queue entries are well-formed: member the ticket's entry
 *   `<arrival>|<ticket>|<instance>|<token>|<ttlMs>|<bindTtlMs>|<queuedAtMs>|<name>` (15-digit
 *   arrival), integer score, the same entry as the ticket's data, and no ticket data without a
 *   queue entry (or the reverse); mailbox messages
 *   `<ticket>|<fence>|<token>|<key>` with an integer fence;
 * - WAIT-2 no live ticket also holds a key: a queued ticket's token is in no key's lock value
 *   (`<token>@<fence>`), and no
 *   queued ticket has a hand-off waiting in a mailbox;
 * - WAIT-3 no key is both free and handed off: a key whose undelivered hand-off still holds its
 *   lock with the hand-off's token and fence is not on the free list.
 */
import { splitLockValue } from '../allocator/holder.js';
import type { PoolSnapshot } from './snapshot.js';
import { parseTicketData, TICKET_ENTRY_FORMAT } from './ticket-data.js';

export type WaitingInvariantId = 'WAIT-1' | 'WAIT-2' | 'WAIT-3';

/** A mailbox message `<ticket>|<fence>|<token>|<key>` (pool.lua handOff; keys may hold "|"). */
const HAND_OFF = /^([^|]+)\|(\d+)\|([^|]*)\|(.+)$/s;

export function checkWaitingInvariants(
  snapshot: PoolSnapshot,
  report: (invariant: WaitingInvariantId, message: string) => void,
): void {
  const waiting = snapshot.waiting;
  if (waiting === undefined) return;
  const queuedTokens = new Map<string, string>(); // token -> ticket
  const queued = new Set<string>();
  for (const { member, score } of waiting.queue) {
    const fields = parseTicketData(member);
    if (!fields) {
      report('WAIT-1', `queue member ${q(member)} is not "${TICKET_ENTRY_FORMAT}"`);
      continue;
    }
    const { ticket, token } = fields;
    if (!Number.isSafeInteger(Number(score)))
      report('WAIT-1', `queue member ${q(member)} has score ${q(score)}`);
    if (queued.has(ticket)) report('WAIT-1', `ticket ${q(ticket)} is queued twice`);
    queued.add(ticket);
    const data = waiting.tickets.get(ticket);
    if (data === undefined) report('WAIT-1', `queued ticket ${q(ticket)} has no ticket data`);
    else if (data !== member)
      report('WAIT-1', `ticket ${q(ticket)} has data ${q(data)} but is queued as ${q(member)}`);
    else if (token !== '') queuedTokens.set(token, ticket);
  }
  for (const ticket of waiting.tickets.keys()) {
    if (!queued.has(ticket)) report('WAIT-1', `ticket data ${q(ticket)} has no queue entry`);
  }

  for (const [key, value] of waiting.lockValues) {
    const ticket = queuedTokens.get(splitLockValue(value).token);
    if (ticket !== undefined) report('WAIT-2', `queued ticket ${q(ticket)} also holds key ${q(key)}`);
  }
  for (const [instance, messages] of waiting.mailboxes) {
    for (const message of messages) {
      const parts = HAND_OFF.exec(message);
      if (!parts) {
        report('WAIT-1', `mailbox of ${q(instance)} holds malformed hand-off ${q(message)}`);
        continue;
      }
      const [, ticket, fence, token, key] = parts as unknown as [string, string, string, string, string];
      if (queued.has(ticket)) report('WAIT-2', `ticket ${q(ticket)} is queued and was handed ${q(key)}`);
      const entry = snapshot.entries.get(key);
      if (
        token !== '' &&
        entry !== undefined &&
        !entry.allocated &&
        waiting.lockValues.get(key) === `${token}@${fence}`
      )
        report('WAIT-3', `key ${q(key)} is on the free list and handed off to ticket ${q(ticket)}`);
    }
  }
}

function q(value: string): string {
  return JSON.stringify(value);
}
