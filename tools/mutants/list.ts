/**
 * The deliberate bugs of `npm run test:mutants` (tools/mutants/run.ts): each one is a single text
 * replacement applied to a COPY of the repository, and must make at least one of its tests fail.
 *
 * To add a mutant for a new guard, append one entry:
 *   {
 *     id: 'short-kebab-id',
 *     bug: 'what the mutant breaks, in words',
 *     file: 'src/scripts/allocator/….lua',   // path from the repository root
 *     find: 'the exact text of the guard',     // must occur exactly once in that file
 *     replace: 'the text with the guard broken',
 *     tests: ['test/…/….test.ts'],            // the test files expected to catch it
 *     catchingTest: 'part of a test name',     // optional: this test must be among the failures
 *   }
 * Keep `find` short but unique (the runner refuses a mutant whose text occurs 0 or 2+ times, so a
 * refactoring of the guarded code makes the list fail loudly instead of testing nothing). Prefer
 * fast test files; a mutant that needs the built package (stress, demo) sets `build: true`.
 */

export interface Mutant {
  readonly id: string;
  readonly bug: string;
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  readonly tests: readonly string[];
  /** When set, the mutant counts as caught only if a failed test's name contains this text. */
  readonly catchingTest?: string;
  /** Run `tsup` in the copy first (for tests that import dist/). */
  readonly build?: boolean;
}

const SEMANTICS = 'test/allocator/semantics.test.ts';
const MODEL = 'test/allocator/model.property.test.ts';
const INVARIANTS = 'test/diagnostics/invariants.test.ts';
const WAITING = 'test/allocator/waiting/waiting.test.ts';

export const MUTANTS: readonly Mutant[] = [
  // ---- Lua guards ---------------------------------------------------------------------------
  {
    id: 'release-without-token-check',
    bug: 'release frees the key whoever holds the lock (stale holder frees a new lease, F3)',
    file: 'src/scripts/allocator/release.lua',
    find: 'if held[i] == ARGV[2 * i + 4] and not repeated then',
    replace: 'if not repeated then',
    tests: [SEMANTICS],
  },
  {
    id: 'renew-without-token-check',
    bug: "renew extends the lock whoever holds it (a lost lease is re-created or another's extended, F4)",
    file: 'src/scripts/allocator/renew.lua',
    find: 'if value ~= ARGV[1] then\n  if value then return -1 end\n  return 0\nend\n',
    replace: '',
    tests: [SEMANTICS],
  },
  {
    id: 'malloc-hands-out-held-head',
    bug: 'malloc hands out a free-list head whose lock is held by someone else',
    file: 'src/scripts/allocator/malloc.lua',
    find: '  if locked then out[#out + 1] = item end',
    replace: '  out[#out + 1] = item',
    tests: [SEMANTICS],
  },
  {
    id: 'new-head-keeps-prev',
    bug: "taking the head leaves the new head's prev pointing at the old head (L1, L14)",
    file: 'src/scripts/allocator/malloc.lua',
    find: "    writes[#writes + 1] = sub(value, (find(value, '||', 1, true)))",
    replace: '    writes[#writes + 1] = value',
    tests: [SEMANTICS],
  },
  {
    id: 'gc-returns-locked-lease',
    bug: 'GC puts an allocated key back on the free list while its lease is live',
    file: 'src/scripts/includes/pool-edit.lua',
    find: '  if locked then return 0 end\n  comeBack(item, expiry)',
    replace: '  comeBack(item, expiry)',
    tests: [SEMANTICS],
    catchingTest: 'GC leaves an allocated key whose lease is live',
  },
  {
    id: 'gc-never-reclaims',
    bug: 'GC leaves an allocated key whose lease ended off the free list (a dead holder leaks it)',
    file: 'src/scripts/includes/pool-edit.lua',
    find: '  comeBack(item, expiry)\n  return 1',
    replace: '  return 0',
    tests: ['test/stress/crash.test.ts'],
    build: true,
  },
  {
    id: 'batch-free-pushes-duplicate',
    bug: 'a coalesced free that names one key twice pushes it onto the free list twice',
    file: 'src/scripts/allocator/free.lua',
    find: '    if not seen[item] then',
    replace: '    if true then',
    tests: ['test/allocator/coalesce.test.ts'],
  },
  {
    id: 'coalesced-callers-out-of-order',
    bug: 'a coalesced batch hands its keys to the callers in reverse order (FIFO broken)',
    file: 'src/allocator/coalescer.ts',
    find: 'waiter.resolve(results[i]!);',
    replace: 'waiter.resolve(results[batch.length - 1 - i]!);',
    tests: ['test/allocator/coalesce.test.ts'],
  },
  {
    id: 'lease-ttl-one-second-long',
    bug: 'a malloc lease lock lives one second longer than asked',
    file: 'src/scripts/allocator/malloc.lua',
    find: "locked = rcall('SET', lockPrefix .. item, value, 'NX', 'PX', ARGV[3])",
    replace: "locked = rcall('SET', lockPrefix .. item, value, 'NX', 'PX', lockTtl + 1000)",
    tests: [MODEL],
  },
  {
    id: 'entry-lifetime-one-second-long',
    bug: 'an entry lifetime ends one second later than asked',
    file: 'src/scripts/includes/pool.lua',
    find: "if lifetime > 0 then return format('%d', now() + lifetime) end",
    replace: "if lifetime > 0 then return format('%d', now() + lifetime + 1) end",
    tests: [MODEL],
  },
  // ---- validation at the API boundary -------------------------------------------------------
  {
    id: 'extend-skips-key-validation',
    bug: 'extend sends bad keys to Redis instead of rejecting them',
    file: 'src/allocator/redis-allocator-core.ts',
    find: 'async extend(keys: readonly string[], options: LifetimeOptions = {}): Promise<void> {\n    assertResourceKeys(keys);',
    replace: 'async extend(keys: readonly string[], options: LifetimeOptions = {}): Promise<void> {',
    tests: ['test/allocator/validation.test.ts'],
  },
  {
    id: 'extend-reads-before-validating',
    bug: 'extend talks to Redis (a harmless read) before it validates its keys',
    file: 'src/allocator/redis-allocator-core.ts',
    find: 'async extend(keys: readonly string[], options: LifetimeOptions = {}): Promise<void> {\n    assertResourceKeys(keys);',
    replace:
      'async extend(keys: readonly string[], options: LifetimeOptions = {}): Promise<void> {\n    await this.size();\n    assertResourceKeys(keys);',
    tests: ['test/allocator/validation.test.ts'],
    catchingTest: 'rejects the empty string before any Redis call',
  },
  {
    id: 'cluster-prefix-without-hash-tag',
    bug: "on a cluster client the prefix is not wrapped in a hash tag (an allocator's keys spread over slots)",
    file: 'src/keys.ts',
    find: 'return cluster && !hasHashTag(prefix) ?',
    replace: 'return false ?',
    tests: ['test/allocator/cluster.test.ts'],
    catchingTest: 'every pool operation works across a 3-master cluster',
  },
  // ---- the invariant checker ----------------------------------------------------------------
  {
    id: 'checker-without-inv3',
    bug: 'checkInvariants no longer reports half-allocated entries (INV-3)',
    file: 'src/diagnostics/invariants.ts',
    find: 'if (prevAllocated !== nextAllocated)',
    replace: 'if (false && prevAllocated !== nextAllocated)',
    tests: [INVARIANTS],
  },
  {
    id: 'checker-without-inv4',
    bug: 'checkInvariants no longer reports a locked free node in exclusive mode (INV-4)',
    file: 'src/diagnostics/invariants.ts',
    find: "if (entry.lockTtlMs !== null) report('INV-4'",
    replace: "if (false) report('INV-4'",
    tests: [INVARIANTS],
  },
  {
    id: 'checker-without-walk-comparison',
    bug: 'checkInvariants no longer compares the forward and backward walks (INV-1)',
    file: 'src/diagnostics/invariants.ts',
    find: "if (forward.join('\\u0000') !== backward.join('\\u0000')) {",
    replace: 'if (false) {',
    tests: [INVARIANTS],
  },
  {
    id: 'checker-without-head-prev',
    bug: 'checkInvariants no longer reports a head with a prev link (INV-2)',
    file: 'src/diagnostics/invariants.ts',
    find: "if (headEntry && headEntry.prev !== '')",
    replace: 'if (false)',
    tests: [INVARIANTS],
  },
  {
    id: 'checker-without-encoding',
    bug: 'checkInvariants no longer reports malformed entry values',
    file: 'src/diagnostics/invariants.ts',
    find: 'if (Number.isNaN(entry.expiry))',
    replace: 'if (false)',
    tests: [INVARIANTS],
  },
  // ---- the test instruments themselves ------------------------------------------------------
  {
    id: 'stress-oracle-without-nx',
    bug: "the stress oracle's claim overwrites another holder's claim instead of failing",
    file: 'test/stress/oracle.ts',
    find: "'NX', 'PX', ttl) then return {'ok', token, ttl} end",
    replace: "'PX', ttl) then return {'ok', token, ttl} end",
    tests: ['test/stress/oracle.test.ts'],
  },
  {
    id: 'demo-oracle-without-nx',
    bug: "the demo oracle's claim overwrites another worker's claim instead of failing",
    file: 'examples/demo/oracle.ts',
    find: "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ttl)",
    replace: "if redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)",
    tests: ['test/examples/oracle.test.ts'],
  },
  {
    id: 'bench-nan-passes',
    bug: 'bench:check judges a NaN ratio as a plain miss',
    file: 'bench/lib/targets.ts',
    find: "if (!Number.isFinite(value)) return 'gross';",
    replace: '',
    tests: ['test/bench/targets.test.ts'],
  },
  {
    id: 'bench-missing-subject-skipped',
    bug: 'bench:check skips a ratio whose subject was not measured',
    file: 'bench/lib/stats.ts',
    find: 'if (!samples[name]?.length) throw',
    replace: 'if (false) throw',
    tests: ['test/bench/targets.test.ts'],
  },
  {
    id: 'floors-never-fail',
    bug: 'a figure below its work floor passes',
    file: 'test/helpers/floors.ts',
    find: '.filter((floor) => !(floor.seen >= floor.min))',
    replace: '.filter(() => false)',
    tests: ['test/helpers/floors.test.ts'],
  },
  {
    id: 'stress-stall-always-slow',
    bug: 'the stress worker counts a lease lost within its guarantee as a slow case, not an anomaly',
    file: 'test/stress/stall.ts',
    find: "kind: elapsedMs >= guaranteedMs ? 'slow' : 'anomaly'",
    replace: "kind: 'slow'",
    tests: ['test/stress/stall.test.ts'],
  },
  {
    id: 'stress-membership-always-restores',
    bug: 'the stress watcher restores a missing member without a licensed removal (hides a lost member)',
    file: 'test/stress/membership.ts',
    find: "if tonumber(redis.call('HGET', KEYS[2], key) or '0') > 0 then",
    replace: 'if true then',
    tests: ['test/stress/membership.test.ts'],
  },
  {
    id: 'stress-watcher-hides-lost-member',
    bug: 'the stress watcher re-adds a member that disappeared without a licensed removal, silently',
    file: 'test/stress/watcher.ts',
    find: 'for (const key of unexplained) {',
    replace: 'for (const key of unexplained.slice(0, 0)) {',
    tests: ['test/stress/watcher.test.ts'],
  },
  {
    id: 'model-expiry-tolerance-wide',
    bug: 'the model comparison accepts an entry expiry a second early or late',
    file: 'test/model/redis-state.ts',
    find: 'late >= 0 && late <= elapsedSeconds',
    replace: 'Math.abs(late) <= elapsedSeconds + 1',
    tests: ['test/model/redis-state.test.ts'],
  },
  // ---- waiting (issue 9) ----------------------------------------------------------------------
  {
    id: 'release-skips-the-queue',
    bug: 'a released key goes to the free list even while waiters are queued (no hand-off)',
    file: 'src/scripts/includes/pool.lua',
    find: "if offer and tail == '' then",
    replace: 'if false then',
    tests: [WAITING],
    catchingTest: 'never to a newcomer',
  },
  {
    id: 'hand-off-ignores-priority',
    bug: 'the hand-off serves the latest waiter instead of the first (LIFO, priorities inverted)',
    file: 'src/scripts/includes/pool.lua',
    find: "local first = rcall('ZPOPMIN', waitersKey)[1]",
    replace: "local first = rcall('ZPOPMAX', waitersKey)[1]",
    tests: [WAITING],
    catchingTest: 'higher priority first',
  },
  {
    id: 'hand-off-without-fence',
    bug: 'a hand-off reads the fence counter instead of taking the next fence (a waiter shares a fence)',
    file: 'src/scripts/includes/pool.lua',
    find: "fence = format('%d', rcall('INCR', base .. '|pool|fence'))",
    replace: "fence = rcall('GET', base .. '|pool|fence') or '0'",
    tests: ['test/allocator/waiting/with-leases.test.ts'],
    catchingTest: 'fence is greater than the fence of the allocation before it',
  },
  {
    id: 'cancel-leaves-ticket-data',
    bug: 'a waiter that gives up leaves its ticket data behind',
    file: 'src/scripts/waiting/cancel.lua',
    find: "  rcall('HDEL', ticketsKey, ticket)\n  return 1",
    replace: '  return 1',
    tests: [WAITING],
    catchingTest: 'removes the ticket',
  },
  {
    id: 'queued-ticket-check-off',
    bug: 'the checker no longer reports a queued ticket that also holds a key (WAIT-2)',
    file: 'src/diagnostics/waiting-invariants.ts',
    find: "if (ticket !== undefined) report('WAIT-2'",
    replace: "if (ticket === '\u0000') report('WAIT-2'",
    tests: ['test/diagnostics/waiting-invariants.test.ts'],
    catchingTest: 'WAIT-2',
  },
  // ---- holding a lease (issue 10) -----------------------------------------------------------
  {
    id: 'malloc-fence-not-taken',
    bug: 'malloc reads the fence counter instead of taking the next fence (two allocations share one)',
    file: 'src/scripts/allocator/malloc.lua',
    find: "fenceBase = fenceBase or (rcall('INCRBY', KEYS[6], ARGV[5]) - wanted)",
    replace: "fenceBase = fenceBase or tonumber(rcall('GET', KEYS[6]) or '0')",
    tests: ['test/allocator/holding.test.ts'],
    catchingTest: 'strictly increase per pool',
    build: true, // holding.test.ts runs a fixture that imports dist/
  },
  {
    id: 'unused-fences-kept',
    bug: 'fences taken for callers left without a key are not given back (the fences of a pool skip numbers)',
    file: 'src/scripts/allocator/malloc.lua',
    find: "if fenceBase and #out < wanted then rcall('DECRBY', KEYS[6], format('%d', wanted - #out)) end",
    replace: '',
    tests: [MODEL],
  },
  {
    id: 'report-lease-fence-misread',
    bug: 'the report reads a lease fence from the wrong part of its lock value',
    file: 'src/allocator/holder.ts',
    find: "const at = value.indexOf('@', value.lastIndexOf(':') + 1);",
    replace: "const at = value.indexOf('@');",
    tests: ['test/allocator/holding.test.ts'],
    catchingTest: 'carry the lease fence',
    build: true,
  },
  {
    id: 'deadline-pop-finds-nothing-due',
    bug: 'the deadline pop never returns a due key (only the HSCAN pass would, a whole pass later)',
    file: 'src/scripts/includes/pool-edit.lua',
    find: "rcall('ZRANGEBYSCORE', deadlinesKey, '-inf', format('%d', atMs),",
    replace: "rcall('ZRANGEBYSCORE', deadlinesKey, '-inf', 0,",
    tests: ['test/allocator/holding.test.ts'],
    catchingTest: 'at 100 000 keys',
    build: true, // holding.test.ts runs a fixture that imports dist/
  },
  {
    id: 'deadline-pop-one-batch',
    bug: 'the deadline pop stops after one batch of stale entries (released keys hold an ended lease back)',
    file: 'src/scripts/includes/pool-edit.lua',
    find: '  for _ = 1, 10 do',
    replace: '  for _ = 1, 1 do',
    tests: ['test/allocator/holding.test.ts'],
    catchingTest: 'stale index entries',
    build: true, // holding.test.ts runs a fixture that imports dist/
  },
  {
    id: 'keep-alive-deadline-never-fires',
    bug: "keep-alive's local deadline never reports the loss ('unreachable' while Redis is paused)",
    file: 'src/allocator/lease-keeper.ts',
    find: '      if (lease.deadline <= now) {',
    replace: '      if (lease.deadline <= now && now < 0) {',
    tests: ['test/allocator/keep-alive.test.ts'],
    catchingTest: 'abort with unreachable',
  },
  {
    id: 'keep-alive-ignores-taken',
    bug: "a renewal answered 'taken' counts as renewed: the holder keeps acting on a key someone else holds",
    file: 'src/allocator/lease-keeper.ts',
    find: "else if (outcome === 'taken') this.#lose(lease, 'taken', 'another value holds the lock');",
    replace: "else if (outcome === 'taken') this.confirmed(lease, sentAt);",
    tests: ['test/allocator/keep-alive.test.ts'],
    catchingTest: 'reports taken',
  },
  {
    id: 'durability-trusts-a-reconnected-wait',
    bug: 'a WAIT re-sent on the connection a failover opened confirms a write the old primary took with it',
    file: 'src/durability.ts',
    find: '    if (connection.connectionMark(routingKey) !== mark) throw replaced(what, durability);',
    replace: '',
    tests: ['test/allocator/durability.test.ts'],
    catchingTest: 'confirms nothing',
  },
  {
    id: 'ioredis-connection-mark-constant',
    bug: "ioredis's connection mark stays the same across a reconnect (durability cannot see the WAIT moved)",
    file: 'src/client/ioredis.ts',
    find: '    if (!this.isCluster) return (this.client as { stream?: unknown }).stream;',
    replace: '    if (!this.isCluster) return undefined;',
    tests: ['test/client/connection-mark.test.ts', 'test/allocator/durability.test.ts'],
    catchingTest: 'reconnect',
  },
  {
    id: 'node-redis-connection-mark-constant',
    bug: "node-redis's connection mark ignores reconnects (a WAIT queued while the socket was down goes out on the next one)",
    file: 'src/client/node-redis.ts',
    find: '(client as Emitter).on(event, () => counter.count++);',
    replace: '(client as Emitter).on(event, () => counter.count);',
    tests: ['test/client/connection-mark.test.ts'],
    catchingTest: 'changes when a reconnect replaced the connection',
  },
  {
    id: 'malloc-ignores-clock-estimate',
    bug: "malloc reads Redis TIME for every lease's deadline instead of the client's estimate (2 µs of Redis time per call)",
    file: 'src/scripts/allocator/malloc.lua',
    find: 'scheduleReturn(KEYS[7], out, lockTtl, nowMs or clockMs)',
    replace: 'scheduleReturn(KEYS[7], out, lockTtl, nowMs)',
    tests: ['test/allocator/redis-clock.test.ts'],
    catchingTest: 'later mallocs send the estimate',
  },
  {
    id: 'clock-never-calibrated',
    bug: 'the client never keeps a server-clock sample, so every malloc pays a TIME call',
    file: 'src/allocator/redis-clock.ts',
    find: '    this.#offsetMs = serverMs - (sentAt + receivedAt) / 2;',
    replace: '',
    tests: ['test/allocator/redis-clock.test.ts'],
    catchingTest: 'later mallocs send the estimate',
  },
  {
    id: 'clock-offset-inverted',
    bug: 'the server-clock offset has the wrong sign (deadlines land decades away: expired leases never come back promptly)',
    file: 'src/allocator/redis-clock.ts',
    find: '    this.#offsetMs = serverMs - (sentAt + receivedAt) / 2;',
    replace: '    this.#offsetMs = (sentAt + receivedAt) / 2 - serverMs;',
    tests: ['test/allocator/redis-clock.test.ts'],
    // One machine's clocks agree (offset ≈ 0, whatever its sign): the unit test with a skew catches it.
    catchingTest: 'midpoint of the sampled round trip',
  },
  {
    id: 'hand-off-never-writes-entry',
    bug: 'a hand-off never writes the pool entry, so a key extend/assign adds while waiters queue is locked for one but is no pool member',
    file: 'src/scripts/includes/pool.lua',
    find: "        if not allocated then rcall('HSET', poolKey, item, ALLOCATED_PREFIX .. expiry) end",
    replace: '',
    tests: ['test/allocator/waiting/waiting.test.ts', MODEL],
  },
  {
    id: 'hand-off-rewrites-kept-expiry',
    bug: 'a released key handed to a waiter loses the new lifetime the release gave it (the entry is not rewritten)',
    file: 'src/scripts/includes/pool.lua',
    find: 'if not handOff(items[i], newExpiry or sub(value, 25), not newExpiry) then break end',
    replace: 'if not handOff(items[i], newExpiry or sub(value, 25), true) then break end',
    tests: ['test/allocator/waiting/waiting.test.ts', 'test/allocator/waiting/with-leases.test.ts', MODEL],
  },
  {
    id: 'local-delivery-dropped',
    bug: "the keys a release hands to its own instance's waiters are answered but never granted (they wait until their lease runs out)",
    file: 'src/allocator/redis-allocator-core.ts',
    find: '      for (let i = leases.length; i < reply.length; i++) this.#waiting.deliver(String(reply[i]));',
    replace: '',
    tests: ['test/allocator/waiting/local-delivery.test.ts'],
    catchingTest: 'skips the mailbox',
  },
  {
    id: 'local-delivery-never-asked',
    bug: 'a release never names its instance, so a hand-off to its own waiter still takes the mailbox round trip',
    file: 'src/allocator/redis-allocator-core.ts',
    find: '    if (this.#waiting.size > 0) args.push(this.#waiting.instance);',
    replace: '',
    tests: ['test/allocator/waiting/local-delivery.test.ts'],
    catchingTest: 'skips the mailbox',
  },
  {
    id: 'mailbox-never-expires',
    bug: "a hand-off posted to an instance's mailbox leaves it without an expiry, so a dead instance's mailbox stays forever",
    file: 'src/scripts/includes/pool.lua',
    find: "if rcall('RPUSH', mailbox, message) == 1 then rcall('PEXPIRE', mailbox, '60000') end",
    replace: "rcall('RPUSH', mailbox, message)",
    tests: ['test/allocator/waiting/dead-waiter.test.ts'],
    catchingTest: 'its unread mailbox expires',
    build: true, // the dead waiter is a child process running the built package
  },
  {
    id: 'hand-off-ignores-clock-estimate',
    bug: "a hand-off reads Redis TIME for its lease's deadline although the releasing client sent its clock estimate",
    file: 'src/scripts/includes/pool.lua',
    find: 'local fromMs = clockMs',
    replace: 'local fromMs = nil',
    tests: ['test/allocator/redis-clock.test.ts'],
    catchingTest: 'read no TIME once calibrated',
  },
  {
    id: 'release-sends-no-clock',
    bug: 'a release never sends the clock estimate, so every hand-off it makes reads Redis TIME',
    file: 'src/allocator/redis-allocator-core.ts',
    find: 'batch.cooldownMs, this.#clock.estimateMs()]',
    replace: "batch.cooldownMs, '']",
    tests: ['test/allocator/redis-clock.test.ts'],
    catchingTest: 'read no TIME once calibrated',
  },
  {
    id: 'owner-token-random-reused',
    bug: 'owner tokens drawn from the batched random bytes reuse the same bytes, so two leases of one holder share a token',
    file: 'src/allocator/holder.ts',
    find: '  randomOffset += TOKEN_BYTES;',
    replace: '',
    tests: ['test/allocator/holding.test.ts'],
    catchingTest: 'owner tokens are distinct',
    build: true, // holding.test.ts also runs a fixture on the built package
  },
];
