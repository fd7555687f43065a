/**
 * Ticket data of the waiter queue, as malloc.lua writes it in "P|S|pool|tickets" (pool.lua handOff
 * reads it): `<arrival>|<instance>|<token>|<ttlMs>|<bindTtlMs>|<queuedAtMs>|<name>`.
 */

export interface TicketData {
  /** The 15-digit arrival number, also the prefix of the ticket's queue member. */
  readonly arrival: string;
  readonly instance: string;
  /** The waiter's owner token (`""` for a shared-mode waiter). */
  readonly token: string;
  /** Redis server time (Unix ms) at which it queued. */
  readonly queuedAtMs: number;
}

const TICKET = /^(\d{15})\|([^|]*)\|([^|]*)\|\d+\|\d+\|(\d+)\|/;

/** The fields of one ticket's data; `null` when it is malformed. */
export function parseTicketData(data: string): TicketData | null {
  const fields = TICKET.exec(data);
  if (!fields) return null;
  const [, arrival, instance, token, queuedAtMs] = fields as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { arrival, instance, token, queuedAtMs: Number(queuedAtMs) };
}
