/** Exit codes of `redis-allocator` (documented in `--help` and the README, "Seeing the pool"). */
export const EXIT = {
  /** Every pool is healthy or degraded. */
  ok: 0,
  /** At least one pool is corrupt (an invariant is broken). */
  corrupt: 1,
  /** Redis cannot be reached or read: bad URL, unreachable, a key that is not a pool. */
  cannotConnect: 2,
  /** `check`: no pool at a given prefix (a typo, or never filled). */
  noPool: 3,
  /** Bad command line. */
  usage: 64,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0   healthy (or degraded: warnings only)
  1   corrupt: an invariant of a pool is broken
  2   cannot connect or read: bad --url, Redis unreachable, a key that is not an allocator pool
  3   check: no pool at a given --prefix
  64  bad command line`;
