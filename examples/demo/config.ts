/**
 * Every knob of the demo in one place (seconds unless the name says otherwise), plus the
 * command line. The timings are chosen so that the oracle can never raise a false alarm:
 * holds are much shorter than the oracle TTL, which is shorter than the lease.
 */

/** Timings shared by the parent and the workers. */
export const DEMO = {
  /** Simulated proxies in the pool at any time. */
  poolSize: 20,
  /** Worker processes allocating from the pool. */
  workers: 6,
  /** Seconds a worker waits in the fleet's fair queue when every proxy is held (waiting malloc). */
  waitSeconds: 1,
  /** Lease TTL of each allocation; a killed worker's lease ends after at most this long. */
  leaseSeconds: 3,
  /** A held lease is renewed (to `leaseSeconds` from now) this often. */
  renewEverySeconds: 0.25,
  /** Shortest and longest hold of one allocation. */
  holdSeconds: [0.05, 0.8] as const,
  /** Pause between two allocations of one worker. */
  thinkSeconds: [0, 0.1] as const,
  /** Upper bound of an oracle claim's TTL (also capped by the lease's remaining TTL). */
  oracleCapSeconds: 2,
  /** The oracle claim ends at least this long before the lease it shadows. */
  oracleMarginSeconds: 0.25,
  /** Chance that a proxy's health check fails at the end of a hold (it is then quarantined). */
  unhealthyChance: 0.07,
  /** How long an unhealthy proxy stays quarantined. */
  quarantineSeconds: 2.5,
  /** GC step folded into every allocation (entries visited). */
  gcCount: 5,
  /** Soft-binding TTL: a worker name keeps pointing at its proxy this long. */
  bindingSeconds: 60,
  /** The updater retires the oldest proxy and adds a new one this often. */
  updateIntervalSeconds: 2,
  /** First SIGKILL this long after the start, then one every `killEverySeconds`. */
  firstKillSeconds: 1.2,
  killEverySeconds: [2, 4] as const,
  /** A kill skipped because the last victim is still restarting is retried this much later. */
  killRetrySeconds: 0.5,
  /** A worker that has not connected this long after its fork counts as failed (slow on a busy machine). */
  workerStartTimeoutSeconds: 60,
  /** A killed worker is restarted (same name) after this long. */
  restartDelaySeconds: 0.5,
  /** The watcher takes an atomic snapshot and checks the invariants this often. */
  snapshotEverySeconds: 0.25,
  /** Plain (non-TTY) output prints one line this often. */
  plainLineEverySeconds: 1,
  /** Workers get this long to finish their hold and exit before they are killed. */
  stopGraceSeconds: 10,
  /** Default run length. */
  defaultRunSeconds: 20,
} as const;

/** Parsed command line. */
export interface DemoArguments {
  /** Run length in seconds. */
  seconds: number;
  /** Serve the pool's dashboard while the demo runs. */
  dashboard: boolean;
}

export const USAGE = 'usage: npm run demo [-- --seconds N] [--dashboard]';

/** Parses `--seconds N` / `--seconds=N` and `--dashboard`; throws with the usage line on anything else. */
export function parseArguments(argv: readonly string[]): DemoArguments {
  let seconds: number = DEMO.defaultRunSeconds;
  let dashboard = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let value: string | undefined;
    if (arg === '--dashboard') {
      dashboard = true;
      continue;
    }
    if (arg === '--seconds') value = argv[++i];
    else if (arg.startsWith('--seconds=')) value = arg.slice('--seconds='.length);
    else throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new Error(`--seconds needs a positive number, got ${JSON.stringify(value)}\n${USAGE}`);
    }
  }
  return { seconds, dashboard };
}

/** A uniformly random number of seconds in `[min, max]`. */
export function randomBetween([min, max]: readonly [number, number]): number {
  return min + Math.random() * (max - min);
}

/** Resolves after `seconds`. */
export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}
