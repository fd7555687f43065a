/**
 * Keep-alive and loss detection for the leases of one allocator instance (DESIGN.md §11), in the
 * shape of BullMQ's lock manager: one timer, and every renewal that falls due in the same tick goes
 * out as one `renew-leases` script call — 1 000 kept-alive leases cost one call per interval.
 *
 * Each watched lease has a local deadline on the monotonic clock (`performance.now()`): the moment
 * its malloc (or last successful renewal) was *sent*, plus its TTL, minus a safety margin. Redis
 * started the TTL no earlier than that moment, so when the deadline passes the holder hears of the
 * loss before Redis can hand the key to anyone else, whether or not Redis answers.
 */
import { DEFAULTS } from '../defaults.js';
import type { LeaseLossReason } from '../errors.js';
import type { RenewOutcome } from './redis-allocator-core.js';

/** One lease as the keeper sees it. The keeper owns the mutable timing fields. */
export interface WatchedLease {
  readonly key: string;
  readonly token: string;
  /** Lease TTL in milliseconds (> 0): every renewal extends the lock to this from now. */
  ttlMs: number;
  /** Monotonic ms after which the lease may be gone in Redis. */
  deadline: number;
  /** Renewal period in ms while kept alive; 0 = not kept alive. */
  renewEveryMs: number;
  /** Monotonic ms after which keep-alive stops renewing (`maxHold`); Infinity = no cap. */
  holdUntil: number;
  /** Monotonic ms of the next renewal. */
  dueAt: number;
  /** A renewal of this lease is in flight. */
  renewing: boolean;
  /** Told once, when the lease is lost; the keeper has already stopped watching it. */
  readonly onLost: (reason: LeaseLossReason, detail: string) => void;
}

/** Renews leases in one script call: one outcome per lease, in order. */
export type RenewBatch = (leases: readonly WatchedLease[]) => Promise<RenewOutcome[]>;

/** Margin taken off every local deadline, in ms: timer lateness plus clock-rate drift. */
export function safetyMarginMs(ttlMs: number): number {
  const { fixed, fraction } = DEFAULTS.leaseSafetyMargin;
  return Math.min(ttlMs / 2, fixed * 1000 + ttlMs * fraction);
}

/** Leases renewed by one script call at most (bounds the script's run time on the server). */
const MAX_BATCH = 5000;

export class LeaseKeeper {
  readonly #watched = new Set<WatchedLease>();
  readonly #renew: RenewBatch;
  /** Called with a lease whose renewal succeeded after it was already reported lost. */
  readonly #onLateRenewal: (lease: WatchedLease) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(renew: RenewBatch, onLateRenewal: (lease: WatchedLease) => void) {
    this.#renew = renew;
    this.#onLateRenewal = onLateRenewal;
  }

  /** Leases watched now (kept alive or only deadline-tracked). */
  get size(): number {
    return this.#watched.size;
  }

  /** Starts watching a lease whose malloc was sent at `sentAt` (monotonic ms). */
  watch(lease: WatchedLease): void {
    if (this.#closed) return;
    this.#watched.add(lease);
    this.#wakeBy(this.#nextEvent(lease));
  }

  /** Stops watching (release, loss, quarantine). Idempotent. */
  unwatch(lease: WatchedLease): void {
    this.#watched.delete(lease);
    if (this.#watched.size === 0) this.#clearTimer();
  }

  /** A renewal sent at `sentAt` succeeded: the deadline moves on, the next renewal is planned. */
  confirmed(lease: WatchedLease, sentAt: number): void {
    lease.deadline = sentAt + lease.ttlMs - safetyMarginMs(lease.ttlMs);
    if (lease.renewEveryMs > 0) lease.dueAt = sentAt + lease.renewEveryMs;
    if (this.#watched.has(lease)) this.#wakeBy(this.#nextEvent(lease));
  }

  /** Renews `lease` every `renewEveryMs` until `holdUntil` (monotonic ms). */
  keepAlive(lease: WatchedLease, renewEveryMs: number, holdUntil: number): void {
    lease.renewEveryMs = renewEveryMs;
    lease.holdUntil = holdUntil;
    lease.dueAt = performance.now() + renewEveryMs;
    if (this.#watched.has(lease)) this.#wakeBy(this.#nextEvent(lease));
  }

  /** Stops renewing; the lease is still watched, and reported `expired` at its deadline. */
  stopKeepAlive(lease: WatchedLease): void {
    lease.renewEveryMs = 0;
  }

  /**
   * Reports the loss now if the lease's local deadline has passed, without waiting for the timer
   * (which runs late after the process was paused). @returns true when it was lost.
   */
  checkDeadline(lease: WatchedLease): boolean {
    const now = performance.now();
    if (!this.#watched.has(lease) || lease.deadline > now) return false;
    this.#lose(lease, this.#deadlineReason(lease, now), 'its local deadline passed');
    return true;
  }

  /**
   * Stops every timer and forgets every lease (`allocator.close()`). Returns the leases that were
   * watched, so their owners can be told.
   */
  close(): WatchedLease[] {
    this.#closed = true;
    this.#clearTimer();
    const leases = [...this.#watched];
    this.#watched.clear();
    return leases;
  }

  // ---- timer --------------------------------------------------------------------------------

  #nextEvent(lease: WatchedLease): number {
    return this.#renews(lease) ? Math.min(lease.deadline, lease.dueAt) : lease.deadline;
  }

  #renews(lease: WatchedLease): boolean {
    return lease.renewEveryMs > 0 && !lease.renewing && lease.dueAt < lease.holdUntil;
  }

  /** Makes sure the timer fires no later than `at` (monotonic ms). */
  #wakeBy(at: number): void {
    if (at >= this.#timerAt || this.#closed) return;
    this.#clearTimer();
    this.#timerAt = at;
    // unref: a kept-alive lease never keeps the process alive on its own.
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, at - performance.now()));
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #tick(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const due: WatchedLease[] = [];
    for (const lease of this.#watched) {
      if (lease.deadline <= now) {
        this.#lose(lease, this.#deadlineReason(lease, now), 'its local deadline passed');
        continue;
      }
      if (lease.dueAt >= lease.holdUntil) lease.renewEveryMs = 0; // maxHold reached
      // Renewals due within half a period go now: leases that fall due together share one call.
      if (this.#renews(lease) && lease.dueAt - lease.renewEveryMs / 2 <= now) due.push(lease);
    }
    for (let i = 0; i < due.length; i += MAX_BATCH) this.#send(due.slice(i, i + MAX_BATCH), now);
    let next = Number.POSITIVE_INFINITY;
    for (const lease of this.#watched) next = Math.min(next, this.#nextEvent(lease));
    if (next < Number.POSITIVE_INFINITY) this.#wakeBy(next);
  }

  /** Still being kept alive at the deadline means the renewals did not get through in time. */
  #deadlineReason(lease: WatchedLease, now: number): LeaseLossReason {
    return lease.renewEveryMs > 0 && now < lease.holdUntil ? 'unreachable' : 'expired';
  }

  #send(batch: WatchedLease[], sentAt: number): void {
    for (const lease of batch) lease.renewing = true;
    this.#renew(batch).then(
      (outcomes) => {
        batch.forEach((lease, i) => {
          lease.renewing = false;
          const outcome = outcomes[i];
          if (!this.#watched.has(lease)) {
            if (outcome === 'renewed') this.#onLateRenewal(lease);
            return;
          }
          if (outcome === 'renewed') this.confirmed(lease, sentAt);
          else if (outcome === 'taken') this.#lose(lease, 'taken', 'another value holds the lock');
          else this.#lose(lease, 'expired', 'the renewal found the lock gone');
        });
      },
      () => {
        // Unreachable for now: retry soon; the deadline reports the loss if this keeps failing.
        const retryAt = performance.now() + Math.max(50, Math.min(1000, batch[0]!.renewEveryMs / 4));
        for (const lease of batch) {
          lease.renewing = false;
          lease.dueAt = retryAt;
          if (this.#watched.has(lease)) this.#wakeBy(this.#nextEvent(lease));
        }
      },
    );
  }

  #lose(lease: WatchedLease, reason: LeaseLossReason, detail: string): void {
    this.unwatch(lease);
    lease.onLost(reason, detail);
  }
}
