/**
 * Durability for new leases (DESIGN.md §14): a lease the replicas did not confirm is given back
 * before its caller hears of it, so a failover can never hand out a key whose holder was told
 * "yours".
 */
import type { PendingWrite } from '../durability.js';
import type { LeaseRef } from './types.js';

/**
 * Waits for the replicas to confirm `leases` (one `WAIT` for all of them: they were written by one
 * script call, or by calls before it on the same connection). Unless they do, each exclusive lease
 * is released again — token-checked and within what is left of the call's bound, so a release
 * that cannot make it in time leaves the key only until its lease ends — and the error is thrown.
 */
export async function confirmLeases(
  write: PendingWrite,
  leases: readonly LeaseRef[],
  release: (lease: LeaseRef, timeoutMs: number) => Promise<unknown>,
): Promise<void> {
  try {
    await write.confirm(leases.length > 1 ? `${leases.length} mallocs` : 'malloc');
  } catch (error) {
    const timeoutMs = write.remainingMs();
    await Promise.all(
      leases
        .filter((lease) => lease.token !== '')
        .map((lease) => release(lease, timeoutMs).catch(() => undefined)),
    );
    throw error;
  }
}
