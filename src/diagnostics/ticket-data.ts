/**
 * A waiter's ticket entry, as malloc.lua writes it: both its member in the queue
 * "P|S|pool|waiters" (pool.lua handOff reads it from its pop) and its data under the ticket id in
 * "P|S|pool|tickets" (cancel.lua, diagnostics), the same string
 * `<arrival>|<ticket>|<instance>|<token>|<ttlMs>|<bindTtlMs>|<queuedAtMs>|<name>`.
 */

export interface TicketData {
  /** The 15-digit arrival number: text order is arrival order. */
  readonly arrival: string;
  readonly ticket: string;
  readonly instance: string;
  /** The waiter's owner token (`""` for a shared-mode waiter). */
  readonly token: string;
  /** Server time (Unix ms, the client's estimate) at which it queued. */
  readonly queuedAtMs: number;
}

/** The entry format, for messages. */
export const TICKET_ENTRY_FORMAT =
  '<arrival>|<ticket>|<instance>|<token>|<ttlMs>|<bindTtlMs>|<queuedAtMs>|<name>';

const TICKET = /^(\d{15})\|([^|]+)\|([^|]*)\|([^|]*)\|\d+\|\d+\|(\d+)\|/;

/** The fields of one ticket entry; `null` when it is malformed. */
export function parseTicketData(entry: string): TicketData | null {
  const fields = TICKET.exec(entry);
  if (!fields) return null;
  const [, arrival, ticket, instance, token, queuedAtMs] = fields as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { arrival, ticket, instance, token, queuedAtMs: Number(queuedAtMs) };
}
