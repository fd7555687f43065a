/** One pending wait of this process: its ticket, its promise, and how it is ending. */
import type { Lease } from '../types.js';

/** Where a waiter is: its malloc script in flight, its ticket queued, or done. */
export type WaiterState = 'enqueuing' | 'queued' | 'settled';

/** Why a waiter stops waiting without a key: its time ran out, its signal aborted, or a close. */
export type GiveUp = { readonly kind: 'timeout' } | { readonly kind: 'reject'; readonly reason: unknown };

/** Answer of a waiting malloc script call: a key at once, or a queued ticket. */
export type EnqueueResult = Lease | 'queued';

export class Waiter {
  state: WaiterState = 'enqueuing';
  /** Set once the waiter gives up; a key delivered afterwards is released again. */
  giveUp: GiveUp | undefined;
  readonly promise: Promise<Lease | null>;
  #resolve!: (lease: Lease | null) => void;
  #reject!: (reason: unknown) => void;

  constructor(
    /** `<instance>:<n>`, unique per pool; the hand-off message names it. */
    readonly ticket: string,
    /** Owner token the hand-off writes into the lock (`""` in shared mode). */
    readonly token: string,
    /** Runs the waiting malloc script for this ticket (livenessTtl: its ARGV, see malloc.lua). */
    readonly enqueue: (ticket: string, livenessTtl: string) => Promise<EnqueueResult>,
  ) {
    this.promise = new Promise<Lease | null>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** True while a key handed to this ticket should be kept (nobody gave up). */
  get wantsKey(): boolean {
    return this.state !== 'settled' && this.giveUp === undefined;
  }

  grant(lease: Lease): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    this.#resolve(lease);
  }

  /** Ends the wait without a key, as `giveUp` says (`null` for a timeout). */
  finish(): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    const giveUp = this.giveUp;
    if (giveUp?.kind === 'reject') this.#reject(giveUp.reason);
    else this.#resolve(null);
  }

  fail(error: unknown): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    this.#reject(error);
  }
}
