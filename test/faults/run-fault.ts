/**
 * One fault case: lanes allocating, holding, renewing and releasing leases on real pools while a
 * fault is injected; the lease timeline (double allocations) and the invariant watcher run all
 * along. The report says what the suite asserts: calls settled in time, the pool served again,
 * nothing doubled, nothing corrupt.
 */
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import {
  type DurabilityOptions,
  type Lease,
  RedisAllocator,
  type RedisClient,
  RedisUnavailableError,
} from '../../src/index.js';
import { type LeaseInterval, LeaseTimeline } from '../stress/lease-timeline.js';
import { InvariantWatcher } from '../stress/watcher.js';
import { type Family, type OpenedClient, openClient, openIoredis, type Target } from './clients.js';
import {
  CLIENTS,
  LANES_PER_CLIENT,
  LEASE_SECONDS,
  OPERATION_TIMEOUT,
  POOL_KEYS,
  TAIL_SECONDS,
  WARMUP_SECONDS,
} from './config.js';
import { PROBE_KEYS, type ProbeFigures, type ProbeSabotage, WaitKeepProbe } from './wait-keep-probe.js';

export interface FaultRun {
  family: Family;
  target: Target;
  /** Pool prefixes (one pool each); default one pool. */
  prefixes: string[];
  operationTimeout?: number;
  leaseSeconds?: number;
  durability?: DurabilityOptions;
  /** Longest of the long holds (one hold in five), in seconds; default 1. */
  longHold?: number;
  /** INV-6 probe window of the watcher (0 = no INV-6 conclusions, e.g. across a failover). */
  reclaimWindow?: number;
  /** Seconds within which every pool must serve again after the fault ends. */
  recoveryBound: number;
  /**
   * Waiters and kept-alive leases on a pool of their own (`<first prefix>:probe`), which the case
   * arms before each fault and checks after it (`context.probe`); an object: a test-only sabotage.
   */
  probe?: boolean | ProbeSabotage;
  /**
   * Injects the fault(s) and resolves when they are over, with how many were injected. Runs while
   * the lanes load the pools; `timeline` lets a case check the leases held across its fault.
   */
  inject(context: FaultContext): Promise<number>;
}

export interface FaultContext {
  readonly timeline: LeaseTimeline;
  /** Present when the run asked for it: `arm()` before each fault, `check()` after it. */
  readonly probe?: WaitKeepProbe;
}

export interface PoolReport {
  prefix: string;
  /** Leases granted, and when (ms, `performance.now()`), for recovery and serving checks. */
  grants: number[];
}

export interface FaultReport {
  operations: number;
  faults: number;
  /** Slowest settle of any public call, in seconds. */
  slowestSettle: number;
  /** Seconds from the end of the fault to the first lease of the pool that took longest. */
  recovery: number;
  faultStart: number;
  faultEnd: number;
  pools: PoolReport[];
  /** Errors by name (all `RedisUnavailableError`s: anything else is in `unexpected`). */
  errors: Record<string, number>;
  /** Errors that are not `RedisUnavailableError` (each is a finding). */
  unexpected: string[];
  doubles: string[];
  violations: string[];
  timeline: LeaseTimeline;
  probe?: ProbeFigures;
}

/** Outcome of one public call, timed. */
type Outcome<T> = { ok: true; value: T } | { ok: false };

class Lanes {
  running = true;
  /** Resolves when the run stops, so that a lane in a long hold lets go at once. */
  readonly #stopped: Promise<void>;
  #stop: () => void = () => undefined;
  operations = 0;
  slowestMs = 0;
  readonly errors: Record<string, number> = {};
  readonly unexpected: string[] = [];

  constructor(
    readonly timeline: LeaseTimeline,
    private readonly leaseMs: number,
    private readonly longHoldMs: number,
  ) {
    this.#stopped = new Promise((resolve) => {
      this.#stop = resolve;
    });
  }

  stop(): void {
    this.running = false;
    this.#stop();
  }

  async call<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
    const started = performance.now();
    this.operations++;
    try {
      return { ok: true, value: await fn() };
    } catch (error) {
      const name = error instanceof Error ? error.name : typeof error;
      this.errors[name] = (this.errors[name] ?? 0) + 1;
      if (!(error instanceof RedisUnavailableError) && this.unexpected.length < 10) {
        this.unexpected.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
      return { ok: false };
    } finally {
      this.slowestMs = Math.max(this.slowestMs, performance.now() - started);
    }
  }

  /** One lane: allocate, hold, sometimes renew, release; again until stopped. */
  async run(allocator: RedisAllocator, pool: PoolReport, holder: string): Promise<void> {
    const leaseSeconds = this.leaseMs / 1000;
    while (this.running) {
      const sentAt = performance.now();
      const got = await this.call(() => allocator.acquireLease({ timeout: leaseSeconds, gcCount: 2 }));
      if (!got.ok || got.value === null) {
        await pause(20);
        continue;
      }
      const lease: Lease = got.value;
      const repliedAt = performance.now();
      pool.grants.push(repliedAt);
      const { key, token } = lease;
      const interval = this.timeline.acquired(
        { pool: pool.prefix, key, token, holder },
        sentAt,
        repliedAt,
        this.leaseMs,
      );
      // Mostly short holds; one in five is long, so leases are held across every fault.
      const long = Math.random() < 0.2;
      await Promise.race([
        pause(long ? this.longHoldMs * (0.3 + 0.7 * Math.random()) : 10 + Math.random() * 40),
        this.#stopped,
      ]);
      if (Math.random() < 0.5) await this.renew(allocator, lease, interval);
      this.timeline.released(interval, performance.now());
      await this.call(() => allocator.releaseLease(lease));
    }
  }

  private async renew(allocator: RedisAllocator, lease: Lease, interval: LeaseInterval): Promise<void> {
    const sentAt = performance.now();
    const renewed = await this.call(() => allocator.renewLease(lease, this.leaseMs / 1000));
    if (renewed.ok && renewed.value) this.timeline.renewed(interval, sentAt, this.leaseMs);
    else await pause(10 + Math.random() * 20); // a failed renewal: hold on a little, then give up
  }
}

export async function runFault(run: FaultRun): Promise<FaultReport> {
  const leaseSeconds = run.leaseSeconds ?? LEASE_SECONDS;
  const options = {
    operationTimeout: run.operationTimeout ?? OPERATION_TIMEOUT,
    durability: run.durability,
  };
  const opened: OpenedClient[] = [];
  const admin = openIoredis(run.target);
  opened.push(admin);
  const timeline = new LeaseTimeline();
  const lanes = new Lanes(timeline, leaseSeconds * 1000, (run.longHold ?? 1) * 1000);
  const keys = Array.from({ length: POOL_KEYS }, (_, i) => `r${i}`);
  const pools: PoolReport[] = run.prefixes.map((prefix) => ({ prefix, grants: [] }));
  const watched = run.prefixes.map((prefix) => {
    const allocator = new RedisAllocator(admin.client, prefix, {
      operationTimeout: options.operationTimeout,
    });
    return { label: prefix, allocator, members: keys, reclaimWindow: run.reclaimWindow ?? 0.5 };
  });
  let watcher: InvariantWatcher | undefined;
  const running: Promise<void>[] = [];
  const closing: Array<() => Promise<void>> = [];
  try {
    await Promise.all(watched.map((pool) => pool.allocator.extend(keys)));
    for (let c = 0; c < CLIENTS; c++) opened.push(await openClient(run.family, run.target));
    // Nobody removes members here: any member missing after a fault is a violation.
    let probe: WaitKeepProbe | undefined;
    const probeAllocators: RedisAllocator[] = [];
    if (run.probe) {
      const prefix = `${run.prefixes[0]}:probe`;
      const probeKeys = Array.from({ length: PROBE_KEYS }, (_, i) => `p${i}`);
      const allocator = new RedisAllocator(admin.client, prefix, {
        operationTimeout: options.operationTimeout,
      });
      await allocator.extend(probeKeys);
      watched.push({ label: prefix, allocator, members: probeKeys, reclaimWindow: 0 });
      // Holders on one client, waiters on the other: hand-offs cross instances through a mailbox.
      for (const client of opened.slice(1, 3))
        probeAllocators.push(new RedisAllocator(client.client as RedisClient, prefix, options));
      probe = new WaitKeepProbe(
        prefix,
        probeAllocators[0]!,
        probeAllocators[1]!,
        admin.client,
        timeline,
        typeof run.probe === 'object' ? run.probe : {},
      );
      closing.push(...probeAllocators.map((allocator) => () => allocator.close()));
    }
    watcher = new InvariantWatcher(admin.client as Redis, 'faults', watched, {
      tolerate: (error) => error instanceof RedisUnavailableError,
    });
    watcher.start();
    opened.slice(1).forEach((client, c) => {
      pools.forEach((pool) => {
        const allocator = new RedisAllocator(client.client as RedisClient, pool.prefix, options);
        for (let lane = 0; lane < LANES_PER_CLIENT; lane++) {
          running.push(lanes.run(allocator, pool, `${run.family}:c${c}:l${lane}`));
        }
      });
    });
    await pause(WARMUP_SECONDS * 1000);
    const faultStart = performance.now();
    const faults = await run.inject({ timeline, probe });
    const faultEnd = performance.now();
    const recoveryDeadline = faultEnd + run.recoveryBound * 1000;
    while (
      performance.now() < recoveryDeadline &&
      pools.some((pool) => !pool.grants.some((at) => at > faultEnd))
    ) {
      await pause(20);
    }
    const recovery =
      Math.max(
        ...pools.map(
          (pool) => (pool.grants.find((at) => at > faultEnd) ?? Number.POSITIVE_INFINITY) - faultEnd,
        ),
      ) / 1000;
    await probe?.finish();
    await pause(TAIL_SECONDS * 1000);
    lanes.stop();
    await Promise.all(running);
    await watcher.stop();
    await finalCheck(watcher);
    return {
      operations: lanes.operations,
      faults,
      slowestSettle: lanes.slowestMs / 1000,
      recovery,
      faultStart,
      faultEnd,
      pools,
      errors: lanes.errors,
      unexpected: lanes.unexpected,
      doubles: timeline.doubleAllocations(),
      violations: watcher.violations,
      timeline,
      probe: probe?.figures,
    };
  } finally {
    lanes.stop();
    await Promise.allSettled(running);
    await watcher?.stop();
    await Promise.allSettled(closing.map((close) => close()));
    await Promise.all(opened.map((client) => client.close()));
  }
}

/** One last snapshot of every pool once the fault is over (retried while Redis settles). */
async function finalCheck(watcher: InvariantWatcher): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await watcher.checkOnce();
      return;
    } catch (error) {
      if (!(error instanceof RedisUnavailableError) || attempt >= 20) throw error;
      await pause(100);
    }
  }
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One line per case for the suite's summary (the figures the issue asks for). */
export function describeReport(label: string, report: FaultReport, extra = ''): string {
  const errors = Object.entries(report.errors)
    .map(([name, count]) => `${name}×${count}`)
    .join(' ');
  return (
    `[faults] ${label}: ${report.operations} ops, ${report.faults} faults, ` +
    `slowest settle ${report.slowestSettle.toFixed(3)} s, recovery ${report.recovery.toFixed(3)} s, ` +
    `doubles ${report.doubles.length}, violations ${report.violations.length}` +
    `${errors ? `, errors ${errors}` : ''}${report.probe ? `, ${describeProbe(report.probe)}` : ''}` +
    `${extra ? `, ${extra}` : ''}`
  );
}

function describeProbe(probe: ProbeFigures): string {
  return (
    `waiters ${probe.waiters} (served ${probe.served}, settled ${probe.settled}), ` +
    `kept-alive ${probe.keptAlive} (resumed ${probe.resumed}, reported ${probe.reported})`
  );
}
