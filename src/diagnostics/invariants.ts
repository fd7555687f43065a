/**
 * The pool invariants of DESIGN.md §5, checked on one atomic snapshot. Library code: the tests,
 * the demo's watcher and diagnostics all use this one checker.
 */
import { ALLOCATED } from '../keys.js';
import { isEntryExpired, type PoolEntry, type PoolSnapshot } from './snapshot.js';
import { checkWaitingInvariants, type WaitingInvariantId } from './waiting-invariants.js';

export type InvariantId = 'INV-1' | 'INV-2' | 'INV-3' | 'INV-4' | 'ENCODING' | WaitingInvariantId;

/** One broken invariant, with a message naming the keys involved. */
export interface Violation {
  readonly invariant: InvariantId;
  readonly message: string;
}

export interface InvariantOptions {
  /** Shared mode: a lock on a free node is a quarantine in progress, not corruption (F20). */
  readonly shared: boolean;
}

/**
 * Checks INV-1 … INV-4 on a snapshot:
 * - INV-1 the forward walk from head is the reverse of the backward walk from tail; no cycles,
 *   no dangling links;
 * - INV-2 the walked set is exactly the set of free entries; head has prev "" and tail next "";
 *   the free list is empty iff both pointers are "";
 * - INV-3 no half-allocated entry (exactly one link is `#ALLOCATED`);
 * - INV-4 exclusive mode: no free node has a live lock;
 * - WAIT-1 … WAIT-3 the waiter queue (see `waiting-invariants.ts`), when the snapshot has it.
 * @returns every violation found (empty when the pool is sound).
 */
export function checkInvariants(snapshot: PoolSnapshot, options: InvariantOptions): Violation[] {
  const violations: Violation[] = [];
  const report = (invariant: InvariantId, message: string) => violations.push({ invariant, message });
  const { entries, head, tail } = snapshot;

  const freeKeys = new Set<string>();
  for (const entry of entries.values()) {
    if (Number.isNaN(entry.expiry))
      report('ENCODING', `entry ${q(entry.key)} has malformed value ${q(entry.raw)}`);
    const prevAllocated = entry.prev === ALLOCATED;
    const nextAllocated = entry.next === ALLOCATED;
    if (prevAllocated !== nextAllocated)
      report('INV-3', `entry ${q(entry.key)} is half-allocated: ${q(entry.raw)}`);
    if (!prevAllocated && !nextAllocated) freeKeys.add(entry.key);
  }

  const forward = walk(entries, head, 'next', report);
  const backward = walk(entries, tail, 'prev', report).reverse();
  if (forward.join('\u0000') !== backward.join('\u0000')) {
    report(
      'INV-1',
      `forward walk [${forward.map(q).join(', ')}] != reversed backward walk [${backward.map(q).join(', ')}]`,
    );
  }

  const walked = new Set(forward);
  for (const key of freeKeys)
    if (!walked.has(key)) report('INV-2', `free entry ${q(key)} is not on the free list`);
  if ((head === '') !== (tail === ''))
    report('INV-2', `only one pointer is empty: head ${q(head)}, tail ${q(tail)}`);
  if (freeKeys.size === 0 && (head !== '' || tail !== '')) {
    report('INV-2', `no free entries but head ${q(head)} / tail ${q(tail)}`);
  }
  const headEntry = head === '' ? undefined : entries.get(head);
  if (head !== '' && headEntry === undefined) report('INV-2', `head ${q(head)} has no entry`);
  if (headEntry && headEntry.prev !== '') report('INV-2', `head ${q(head)} has prev ${q(headEntry.prev)}`);
  const tailEntry = tail === '' ? undefined : entries.get(tail);
  if (tail !== '' && tailEntry === undefined) report('INV-2', `tail ${q(tail)} has no entry`);
  if (tailEntry && tailEntry.next !== '') report('INV-2', `tail ${q(tail)} has next ${q(tailEntry.next)}`);

  if (!options.shared) {
    for (const key of freeKeys) {
      const entry = entries.get(key)!;
      if (entry.lockTtlMs !== null) report('INV-4', `free entry ${q(key)} is locked (exclusive mode)`);
    }
  }
  checkWaitingInvariants(snapshot, report);
  return violations;
}

/**
 * Allocated entries that GC must put back (no lock, not expired). INV-6: after one full GC pass
 * started later than this snapshot, none of these is still allocated without a lock.
 */
export function reclaimableKeys(snapshot: PoolSnapshot): string[] {
  const result: string[] = [];
  for (const entry of snapshot.entries.values()) {
    if (entry.allocated && entry.lockTtlMs === null && !isEntryExpired(entry, snapshot.now))
      result.push(entry.key);
  }
  return result;
}

/** Follows `link` from `start`; stops at "", a missing entry, an allocated entry or a repeat. */
function walk(
  entries: ReadonlyMap<string, PoolEntry>,
  start: string,
  link: 'next' | 'prev',
  report: (invariant: InvariantId, message: string) => void,
): string[] {
  const seen = new Set<string>();
  const order: string[] = [];
  let key = start;
  while (key !== '') {
    if (seen.has(key)) {
      report('INV-1', `${link} walk from ${q(start)} loops at ${q(key)}`);
      break;
    }
    const entry = entries.get(key);
    if (entry === undefined) {
      if (key !== start) report('INV-1', `${link} walk reaches missing entry ${q(key)}`);
      break;
    }
    if (entry.allocated) {
      report('INV-1', `${link} walk reaches allocated entry ${q(key)}`);
      break;
    }
    seen.add(key);
    order.push(key);
    key = entry[link];
  }
  return order;
}

function q(value: string): string {
  return JSON.stringify(value);
}
