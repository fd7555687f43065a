/**
 * Reference model of the allocator's observable behaviour (DESIGN.md §3–§4), in plain TypeScript.
 * It is written from the semantics, not from the Lua: the property test runs the same operations on
 * Redis and on this model and compares every result and the whole pool state after every step.
 *
 * What it models: pool membership in Redis hash order, each entry's state (free node / allocated)
 * and expiry, the FIFO free list, locks (owner tokens in exclusive mode, quarantine values in shared
 * mode) with "permanent or timed" TTLs (and, for timed ones, the TTL written and when, so the
 * observed PTTL can be bounded), soft bindings, and GC.
 *
 * Time. Redis time cannot be faked, so the model never lets real time decide anything:
 * - every operation takes the server time `now` (seconds) as an input: the time of the snapshot
 *   before it. The script's own `TIME` lies between that and the next snapshot, so an entry expiry
 *   it writes may exceed the model's by the whole seconds between the two snapshots and no more;
 *   the comparison allows exactly that, then the model adopts Redis's value (adoptExpiry);
 * - a sequence uses only lifetimes and TTLs that are permanent (`<= 0`) or long (>= 120 s), so
 *   nothing expires by itself while it runs;
 * - time passing is emulated by explicit operations applied to Redis and to the model alike:
 *   `expireLock` (a timed lock runs out: DEL `lockPrefix + key`), `expireEntry` (a timed entry's
 *   expiry field is rewritten to a past second, prev/next kept) and `expireBinding` (a timed
 *   binding runs out: DEL of the binding key). Permanent locks, entries and bindings never expire.
 *
 * Leases (DESIGN.md §11). Every exclusive allocation (malloc, acquireKey) takes the next fence of
 * the pool. The deadline index holds the keys whose timed lock malloc, acquireKey, renew or a
 * cooldown release recorded; release and freeKeys leave a freed key's entry in place (the index is
 * cleaned lazily), and the deadline pop drops an entry whose key is free or gone, re-scores one
 * whose timed lock is still there. An index entry is "due" only after the emulated `deadlinePasses`
 * (real deadlines are >= 120 s away); due keys are popped in member order (their scores are equal)
 * by GC and by a malloc that finds the free list empty, before the HSCAN pass.
 *
 * GC. `gc(count)` scans the pool with HSCAN from a stored cursor. A hash small enough to be
 * listpack-encoded (the property test's pools: <= 6 short keys) is returned whole by one HSCAN, in
 * listpack order, with cursor 0, whatever the count: so every `gc(count)` is one full pass in hash
 * order, and that is what the model implements. Listpack order is insertion order; rewriting an
 * existing field keeps its place (a JS `Map` behaves the same). Large hashes are out of scope.
 */

import {
  ALLOCATED_MARK,
  expiryIn,
  isExpired,
  type MallocInput,
  type ModelBinding,
  type ModelEntry,
  type ModelLease,
  type ModelLock,
  type ModelTtl,
  type ModelWaiter,
  type PoolState,
  type TimedTtl,
} from './model-state.js';

/** A key the model handed to a waiter, with the lock it wrote (exclusive mode). */
export interface HandOff {
  readonly label: string;
  readonly key: string;
  readonly lock?: ModelLock;
  /** The fence the hand-off took (0 in shared mode): an exclusive allocation like malloc's. */
  readonly fence: number;
}

/** Lock value of a key resting after a cooldown release (pool.lua COOLING). */
export const COOLING = '#cooldown';

export class AllocatorModel {
  /** Insertion-ordered, like a listpack hash. */
  private readonly entries = new Map<string, ModelEntry>();
  private freeList: string[] = [];
  private readonly locks = new Map<string, ModelLock>();
  private readonly bindings = new Map<string, ModelBinding>();
  /** The last timed TTL written to each lock (`lock:<key>`) and binding (`binding:<name>`). */
  private readonly ttls = new Map<string, ModelTtl>();
  /** Queued waiters in arrival order (DESIGN.md §10); served by priority, then arrival. */
  private readonly waiters: ModelWaiter[] = [];
  /** Hand-offs since the driver last asked: which waiter got which key. */
  private handOffs: HandOff[] = [];
  /** Server time of the operation running now (a hand-off writes its lock TTL at that time). */
  private clock = 0;
  /** The pool's fence counter: the last fence handed out. */
  private fence = 0;
  /** Deadline index: key → due (its deadline has passed). */
  private readonly deadlines = new Map<string, boolean>();

  constructor(readonly shared: boolean) {}

  // ---- membership -------------------------------------------------------------------------

  extend(keys: readonly string[], lifetime: number, now: number): void {
    this.clock = now;
    const expiry = expiryIn(lifetime, now);
    for (const key of keys) this.addMember(key, expiry);
  }

  /** @returns the number of members removed. */
  shrink(keys: readonly string[]): number {
    let removed = 0;
    for (const key of keys) if (this.removeMember(key)) removed++;
    return removed;
  }

  assign(keys: readonly string[], lifetime: number, now: number): void {
    if (keys.length === 0) {
      this.clear();
      return;
    }
    const wanted = new Set(keys);
    for (const key of [...this.entries.keys()]) if (!wanted.has(key)) this.removeMember(key);
    this.extend(keys, lifetime, now);
  }

  /** Locks and bindings stay. */
  clear(): void {
    this.entries.clear();
    this.freeList = [];
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  size(): number {
    return this.entries.size;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** `[key, locked]` for every member, in hash order. */
  itemsLockedStatus(): Array<[string, boolean]> {
    return this.keys().map((key) => [key, this.locks.has(key)]);
  }

  getFreeList(): string[] {
    return [...this.freeList];
  }

  // ---- allocation -------------------------------------------------------------------------

  /** A waiting malloc: a key at once when one can be had, else the waiter queues. */
  waitMalloc(input: MallocInput, label: string, priority: number): { key: string; fence: number } | 'queued' {
    const granted = this.malloc(input);
    if (granted !== null) return granted;
    this.waiters.push({ label, priority, input });
    return 'queued';
  }

  /** A waiter gives up. @returns true when it was still queued. */
  cancel(label: string): boolean {
    const index = this.waiters.findIndex((waiter) => waiter.label === label);
    if (index < 0) return false;
    this.waiters.splice(index, 1);
    return true;
  }

  queueLength(): number {
    return this.waiters.length;
  }

  /** The hand-offs that happened since the last call. */
  takeHandOffs(): HandOff[] {
    const taken = this.handOffs;
    this.handOffs = [];
    return taken;
  }

  /**
   * The driver learned the token Redis wrote for a key: for a hand-off, only while the lock it
   * wrote is still the key's lock (a later free may have handed the key on already).
   */
  learnToken(key: string, token: string, lock?: ModelLock): void {
    const current = this.locks.get(key);
    if (current && current.value === null && (lock === undefined || current === lock)) current.value = token;
  }

  /** Malloc's batch of due keys per deadline pop (malloc.lua DUE_BATCH). */
  static readonly DUE_BATCH = 100;

  /** @returns the key and, for an exclusive allocation, its fence (0 for a shared rotation). */
  malloc(input: MallocInput): { key: string; fence: number } | null {
    this.clock = input.now;
    if (input.gc) {
      this.returnDue(AllocatorModel.DUE_BATCH, input.now);
      this.gc(input.now, 0);
    }
    const { name } = input;
    // With waiters queued a named caller takes its turn: no bound-key shortcut, no re-binding.
    let rebind = name !== '' && this.waiters.length === 0;
    const bound = rebind ? this.bindings.get(name)?.key : undefined;
    if (bound !== undefined) {
      const entry = this.entries.get(bound);
      if (entry && !isExpired(entry, input.now)) {
        if (this.shared) {
          // Shared hit: no rotation; a quarantined bound key is dropped below.
          if (!this.locks.has(bound)) return this.granted(this.bind(name, bound, input), input);
        } else if (!this.locks.has(bound)) {
          this.lockFor(bound, input);
          if (entry.free) this.takeOffFreeList(bound);
          return this.granted(this.bind(name, bound, input), input);
        } else {
          rebind = false; // held by another holder: never steal the binding's target
        }
      }
      if (rebind) this.bindings.delete(name);
    }
    let key = this.pop(input);
    if (key === null && !input.gc && this.returnDue(AllocatorModel.DUE_BATCH, input.now) > 0)
      key = this.pop(input);
    if (key === null) return null;
    return this.granted(rebind ? this.bind(name, key, input) : key, input);
  }

  private pop(input: MallocInput): string | null {
    for (;;) {
      const head = this.freeList.shift();
      if (head === undefined) return null;
      const entry = this.entries.get(head)!;
      entry.free = false;
      if (isExpired(entry, input.now)) {
        this.entries.delete(head);
      } else if (this.shared) {
        if (this.locks.has(head)) continue; // quarantined: stays allocated until GC sees no lock
        entry.free = true;
        this.freeList.push(head);
        return head;
      } else if (!this.locks.has(head)) {
        this.lockFor(head, input);
        return head;
      }
    }
  }

  /** An exclusive allocation takes the next fence and (timed lease) a deadline. */
  private granted(key: string, input: MallocInput): { key: string; fence: number } {
    if (this.shared) return { key, fence: 0 };
    this.schedule(key, input.leaseTtlMs === 0);
    return { key, fence: ++this.fence };
  }

  /**
   * Leases one specific member (`acquireKey`, both modes): only a member that has not expired and
   * is not locked. @returns true when it is now locked with `token` and off the free list.
   */
  acquireKey(key: string, token: string, ttlMs: number, now: number): number {
    const entry = this.entries.get(key);
    if (entry === undefined || isExpired(entry, now) || this.locks.has(key)) return 0;
    this.setLock(key, token, ttlMs, now);
    if (entry.free) this.takeOffFreeList(key);
    this.schedule(key, ttlMs === 0);
    return ++this.fence;
  }

  /** Token-checked free. A shared-mode rotation (token `""`) holds no lock: true, nothing written. */
  /** `cooldownMs` > 0: the key rests under a timed `#cooldown` lock instead of returning. */
  release(lease: ModelLease, lifetime: number | undefined, now: number, cooldownMs = 0): boolean {
    this.clock = now;
    if (lease.token === '') return true;
    const lock = this.locks.get(lease.key);
    if (lock === undefined || lock.value !== lease.token) return false;
    if (cooldownMs > 0) {
      // The key rests under a timed "#cooldown" lock, still allocated, indexed for its return.
      this.setLock(lease.key, COOLING, cooldownMs, now);
      this.deadlines.set(lease.key, false);
      const entry = this.entries.get(lease.key);
      if (entry !== undefined && lifetime !== undefined) entry.expiry = expiryIn(lifetime, now);
      return true;
    }
    this.locks.delete(lease.key); // its deadline entry stays (stale) until the pop drops it
    this.returnToFreeList(lease.key, lifetime, now);
    return true;
  }

  /** Token-checked renewal to a new TTL. Token `""` (shared rotation): true, nothing written. */
  renew(lease: ModelLease, ttlMs: number, now: number): boolean {
    if (lease.token === '') return true;
    const lock = this.locks.get(lease.key);
    if (lock === undefined || lock.value !== lease.token) return false;
    this.setLock(lease.key, lock.value, ttlMs, now);
    this.schedule(lease.key, ttlMs === 0);
    return true;
  }

  /** Administrative free: drops each lock, returns allocated members to the tail. */
  freeKeys(keys: readonly string[], lifetime: number | undefined, now: number): void {
    this.clock = now;
    // Every lock goes first (deadline entries stay, stale, until the pop drops them), then each
    // key returns once, in order: a key handed to a waiter by this call keeps the waiter's lock
    // even when the key is named twice.
    for (const key of keys) this.locks.delete(key);
    for (const key of new Set(keys)) this.returnToFreeList(key, lifetime, now);
  }

  // ---- inherited lock methods (shared-mode quarantine) ---------------------------------------

  update(key: string, value: string, ttlMs: number, now: number): void {
    this.setLock(key, value, ttlMs, now);
  }

  unlock(key: string): boolean {
    return this.locks.delete(key);
  }

  // ---- soft binding -----------------------------------------------------------------------

  updateSoftBind(name: string, key: string, ttlMs: number, now: number): void {
    this.setBinding(name, key, ttlMs, now);
  }

  unbindSoftBind(name: string): void {
    this.bindings.delete(name);
  }

  getSoftBind(name: string): string | null {
    return this.bindings.get(name)?.key ?? null;
  }

  // ---- GC ---------------------------------------------------------------------------------

  /**
   * `gc(count)`: up to `count` due keys from the deadline index, then one full pass in hash order.
   * @returns the number of leases reclaimed.
   */
  gc(now: number, count: number): number {
    let reclaimed = count > 0 ? this.returnDue(count, now) : 0;
    this.clock = now;
    for (const key of [...this.entries.keys()]) {
      const entry = this.entries.get(key);
      if (entry === undefined) continue;
      if (isExpired(entry, now)) {
        this.removeMember(key);
      } else if (entry.free) {
        if (this.locks.has(key)) this.takeOffFreeList(key);
      } else if (!this.locks.has(key)) {
        this.comeBack(key, entry.expiry);
        reclaimed++;
      }
    }
    return reclaimed;
  }

  // ---- deadline index ---------------------------------------------------------------------

  /** malloc/acquireKey/renew: a timed lock is indexed, a permanent one leaves the index. */
  private schedule(key: string, permanent: boolean): void {
    if (permanent) this.deadlines.delete(key);
    else this.deadlines.set(key, false);
  }

  /**
   * The deadline pop: due keys in member order, `limit` at a time, up to ten batches while fewer
   * than `limit` came back. A key still locked (timed) is
   * re-scored (no longer due); a permanent lock or no lock takes it out of the index, and an
   * allocated member without a lock goes back to the free list (or leaves the pool if expired).
   */
  private returnDue(limit: number, now: number): number {
    let returned = 0;
    // Up to ten batches of `limit` due entries while few keys came back (stale entries).
    for (let round = 0; round < 10; round++) {
      const due = [...this.deadlines]
        .filter(([, isDue]) => isDue)
        .map(([key]) => key)
        .sort()
        .slice(0, limit);
      for (const key of due) {
        const lock = this.locks.get(key);
        if (lock !== undefined && !lock.permanent) {
          this.deadlines.set(key, false);
          continue;
        }
        this.deadlines.delete(key);
        const entry = this.entries.get(key);
        if (lock !== undefined || entry === undefined || entry.free) continue;
        if (isExpired(entry, now)) {
          this.entries.delete(key);
        } else {
          this.comeBack(key, entry.expiry); // waiters first, as after a release
          returned++;
        }
      }
      if (due.length < limit || returned >= limit) break;
    }
    return returned;
  }

  /**
   * The deadline of an indexed key passes: it becomes due and its timed lock (if any) runs out.
   * @returns true when the key was in the index.
   */
  deadlinePasses(key: string): boolean {
    if (!this.deadlines.has(key)) return false;
    this.deadlines.set(key, true);
    this.expireLock(key);
    return true;
  }

  // ---- time emulation ---------------------------------------------------------------------

  /** Keys with a lock, oldest lock first (lets the test pick a lock to expire). */
  lockedKeys(): string[] {
    return [...this.locks.keys()];
  }

  /** A timed lock runs out. @returns true when a lock went away. */
  expireLock(key: string): boolean {
    const lock = this.locks.get(key);
    if (lock === undefined || lock.permanent) return false;
    return this.locks.delete(key);
  }

  /** A timed entry reaches its expiry: it now expires at `pastSecond`. */
  expireEntry(key: string, pastSecond: number): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expiry <= 0) return false;
    entry.expiry = pastSecond;
    return true;
  }

  /** Redis wrote `expiry` for `key` (within the allowed window): the model takes it over. */
  adoptExpiry(key: string, expiry: number): void {
    const entry = this.entries.get(key);
    if (entry) entry.expiry = expiry;
  }

  /** Every live timed lock and binding with the TTL the model expects. */
  timedTtls(): TimedTtl[] {
    const timed: TimedTtl[] = [];
    const add = (id: string) => {
      const ttl = this.ttls.get(id);
      if (ttl) timed.push({ id, ...ttl });
    };
    for (const [key, lock] of this.locks) if (!lock.permanent) add(`lock:${key}`);
    for (const [name, binding] of this.bindings) if (!binding.permanent) add(`binding:${name}`);
    return timed;
  }

  /** A timed binding runs out. */
  expireBinding(name: string): boolean {
    const binding = this.bindings.get(name);
    if (binding === undefined || binding.permanent) return false;
    return this.bindings.delete(name);
  }

  // ---- observation ------------------------------------------------------------------------

  /** The state as Redis would show it; the model's state is never shared with the caller. */
  observe(): PoolState {
    const position = new Map(this.freeList.map((key, i) => [key, i]));
    const entries = [...this.entries].map(([key, entry]) => {
      const i = position.get(key);
      if (i === undefined) return { key, prev: ALLOCATED_MARK, next: ALLOCATED_MARK, expiry: entry.expiry };
      return {
        key,
        prev: this.freeList[i - 1] ?? '',
        next: this.freeList[i + 1] ?? '',
        expiry: entry.expiry,
      };
    });
    return {
      head: this.freeList[0] ?? '',
      tail: this.freeList.at(-1) ?? '',
      entries,
      locks: Object.fromEntries([...this.locks].map(([key, lock]) => [key, { ...lock }])),
      bindings: Object.fromEntries([...this.bindings].map(([name, binding]) => [name, { ...binding }])),
      deadlines: [...this.deadlines.keys()].sort(),
    };
  }

  // ---- list primitives --------------------------------------------------------------------

  private addMember(key: string, expiry: number): void {
    const entry = this.entries.get(key);
    if (entry) entry.expiry = expiry;
    else if (this.locks.has(key)) this.entries.set(key, { free: false, expiry });
    else this.comeBack(key, expiry);
  }

  /** A key returning to circulation: to a waiter when the free list is empty, else to the tail. */
  private comeBack(key: string, expiry: number): void {
    if (this.freeList.length === 0 && this.handOff(key)) {
      const entry = this.entries.get(key);
      if (entry) Object.assign(entry, { free: false, expiry });
      else this.entries.set(key, { free: false, expiry });
      return;
    }
    this.pushToTail(key, expiry);
  }

  /**
   * A key coming back goes to the first waiter (highest priority, then earliest) instead of the
   * free list. Exclusive: locked for it, stays allocated; true. Shared: every waiter gets it and
   * it still goes to the free list; false.
   */
  private handOff(key: string): boolean {
    if (this.waiters.length === 0) return false;
    if (this.shared) {
      // Served in queue order (priority, then arrival): the last one's binding is what stays.
      const inOrder = this.waiters.splice(0).sort((a, b) => b.priority - a.priority);
      for (const waiter of inOrder) this.grant(waiter, key, 0);
      return false;
    }
    let first = 0;
    this.waiters.forEach((waiter, i) => {
      if (waiter.priority > this.waiters[first]!.priority) first = i;
    });
    const [waiter] = this.waiters.splice(first, 1);
    const ttlMs = waiter!.input.leaseTtlMs;
    this.setLock(key, null, ttlMs, this.clock);
    // An exclusive allocation: the next fence, and a deadline for a timed lock.
    this.schedule(key, ttlMs === 0);
    this.grant(waiter!, key, ++this.fence, this.locks.get(key));
    return true;
  }

  private grant(waiter: ModelWaiter, key: string, fence: number, lock?: ModelLock): void {
    if (waiter.input.name !== '')
      this.setBinding(waiter.input.name, key, waiter.input.bindingTtlMs, this.clock);
    this.handOffs.push({ label: waiter.label, key, lock, fence });
  }

  private removeMember(key: string): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    if (entry.free) this.takeOffFreeList(key);
    return this.entries.delete(key);
  }

  /** Appends a non-free (or new) key at the tail; an existing entry keeps its hash position. */
  private pushToTail(key: string, expiry: number): void {
    const entry = this.entries.get(key);
    if (entry) Object.assign(entry, { free: true, expiry });
    else this.entries.set(key, { free: true, expiry });
    this.freeList.push(key);
  }

  private takeOffFreeList(key: string): void {
    this.freeList.splice(this.freeList.indexOf(key), 1);
    this.entries.get(key)!.free = false;
  }

  /** Only allocated members go back, keeping their expiry unless a lifetime is given (F2, F11). */
  private returnToFreeList(key: string, lifetime: number | undefined, now: number): void {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.free) return;
    this.comeBack(key, lifetime === undefined ? entry.expiry : expiryIn(lifetime, now));
  }

  private lockFor(key: string, input: MallocInput): void {
    this.setLock(key, input.token, input.leaseTtlMs, input.now);
  }

  private bind(name: string, key: string, input: MallocInput): string {
    if (name !== '') this.setBinding(name, key, input.bindingTtlMs, input.now);
    return key;
  }

  /** ttlMs 0 = permanent. */
  private setLock(key: string, value: string | null, ttlMs: number, now: number): void {
    this.locks.set(key, { value, permanent: ttlMs === 0 });
    if (ttlMs > 0) this.ttls.set(`lock:${key}`, { ttlMs, setAt: now });
  }

  private setBinding(name: string, key: string, ttlMs: number, now: number): void {
    this.bindings.set(name, { key, permanent: ttlMs === 0 });
    if (ttlMs > 0) this.ttls.set(`binding:${name}`, { ttlMs, setAt: now });
  }
}
