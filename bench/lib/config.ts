/** Sizes and durations of the full suite and of the short `--check` run (CI: well under 60 s). */

export interface BenchConfig {
  check: boolean;
  /** Check mode: times a figure with a gross verdict is measured again before it counts. */
  retries: number;
  throughput: {
    concurrencies: number[];
    poolSize: number;
    rounds: number;
    /** Seconds of one measurement of one subject. */
    seconds: number;
    warmupSeconds: number;
    /** Also measure ceiling and pair on a client with ioredis `enableAutoPipelining` (an experiment). */
    autoPipelining: boolean;
  };
  scaling: {
    sizes: number[];
    rounds: number;
    /** Per round and pool size. */
    pairs: number;
    gcCalls: number;
    batches: number;
    assignRuns: number;
    /** Pool sizes of the assign figure (assign of 100 000 takes seconds per call). */
    assignSizes: number[];
  };
  contention: {
    processes: number;
    /** Closed loops per process (64 in flight in total with the defaults). */
    concurrencyPerProcess: number;
    poolSize: number;
    rounds: number;
    seconds: number;
    warmupSeconds: number;
  };
  fleet: {
    /** Client processes, each with its own connection. */
    processes: number;
    /** Closed loops per process. */
    inFlight: number;
    poolSize: number;
    rounds: number;
    seconds: number;
    warmupSeconds: number;
  };
  memory: { count: number };
  profile: { operations: number };
  lease: {
    /** Interleaved rounds of the before/after pair (and of the c64 ceiling comparison). */
    pairRounds: number;
    pairSeconds: number;
    keepAliveCounts: number[];
    /** Seconds each keep-alive count is watched (renewal interval 0.5 s). */
    keepAliveSeconds: number;
    promptSizes: number[];
    /** Leases that expire per pool size. */
    promptSamples: number;
  };
}

export const FULL: BenchConfig = {
  check: false,
  retries: 0,
  throughput: {
    concurrencies: [1, 16, 64],
    poolSize: 1000,
    rounds: 12,
    seconds: 0.5,
    warmupSeconds: 0.5,
    autoPipelining: true,
  },
  scaling: {
    sizes: [10, 1000, 100_000],
    rounds: 5,
    pairs: 60,
    gcCalls: 20,
    batches: 10,
    assignRuns: 6,
    assignSizes: [10, 1000, 100_000],
  },
  contention: {
    processes: 8,
    concurrencyPerProcess: 8,
    poolSize: 1000,
    rounds: 3,
    seconds: 3,
    warmupSeconds: 0.5,
  },
  fleet: { processes: 3, inFlight: 64, poolSize: 1000, rounds: 5, seconds: 2, warmupSeconds: 0.5 },
  memory: { count: 100_000 },
  profile: { operations: 1000 },
  lease: {
    pairRounds: 12,
    pairSeconds: 0.5,
    keepAliveCounts: [1, 100, 1000],
    keepAliveSeconds: 3,
    promptSizes: [10, 1000, 100_000],
    promptSamples: 20,
  },
};

export const CHECK: BenchConfig = {
  check: true,
  retries: 2,
  throughput: {
    concurrencies: [1, 64],
    poolSize: 1000,
    // Many short interleaved slices: each baseline/subject pair sees the same moment's load.
    rounds: 7,
    seconds: 0.12,
    warmupSeconds: 0.15,
    autoPipelining: false,
  },
  scaling: {
    sizes: [10, 1000, 100_000],
    rounds: 3,
    pairs: 30,
    gcCalls: 10,
    batches: 5,
    assignRuns: 2,
    assignSizes: [10, 1000],
  },
  contention: {
    // Still 64 in flight from several processes, but half the start-up time.
    processes: 4,
    concurrencyPerProcess: 16,
    poolSize: 1000,
    rounds: 1,
    seconds: 1,
    warmupSeconds: 0.3,
  },
  // Redis µs per pair is a ratio of server counters: stable even in short rounds. Same fleet
  // shape as the full run: redis-semaphore's cost depends on its holder count (listpack ≤ 128).
  fleet: { processes: 3, inFlight: 64, poolSize: 1000, rounds: 3, seconds: 0.3, warmupSeconds: 0.2 },
  memory: { count: 100_000 },
  profile: { operations: 300 },
  lease: {
    pairRounds: 5,
    pairSeconds: 0.12,
    keepAliveCounts: [1, 100, 1000],
    keepAliveSeconds: 1.6,
    promptSizes: [10, 1000, 100_000],
    promptSamples: 5,
  },
};
