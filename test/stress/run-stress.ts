/**
 * The worker fleet of the crash stress test: WORKERS real OS processes, a killer that SIGKILLs a
 * random ready worker every 0.3–0.5 s and restarts its slot, and the counters they report.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emptyStats, WORKERS, type WorkerEnv, type WorkerMessage, type WorkerStats } from './config.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STDERR_TAIL = 2000;
const MIN_READY_TO_KILL = WORKERS / 2;

interface Incarnation {
  readonly slot: number;
  /** performance.now() at spawn. */
  readonly spawnedAt: number;
  readonly child: ChildProcess;
  ready: boolean;
  killedByUs: boolean;
  stderr: string;
  readonly exited: Promise<void>;
}

export class WorkerFleet {
  /** Summed worker counters (a killed worker loses at most its last 100 ms). */
  readonly totals: WorkerStats = emptyStats();
  kills = 0;
  restarts = 0;
  /** Seconds from spawn to 'ready' of every incarnation (start-up cost under the current load). */
  readonly startSeconds: number[] = [];
  /** Unexpected exits and errors reported by workers: each one fails the test. */
  readonly failures: string[] = [];
  private readonly current = new Map<number, Incarnation>();
  private readonly alive = new Set<Incarnation>();
  private readonly generations = new Map<number, number>();
  private stopping = false;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly killOnExit = () => this.killAllNow();

  constructor(
    /** The compiled worker (bundle.ts). */
    private readonly workerFile: string,
    private readonly redisUrl: string,
    private readonly prefix: string,
  ) {}

  /** Starts every slot and resolves once all workers are connected. */
  async start(timeoutSeconds = 60): Promise<void> {
    process.on('exit', this.killOnExit);
    for (let slot = 0; slot < WORKERS; slot++) this.spawnSlot(slot);
    const deadline = Date.now() + timeoutSeconds * 1000;
    while ([...this.current.values()].some((worker) => !worker.ready)) {
      if (this.failures.length > 0) throw new Error(`worker failed to start:\n${this.failures.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`workers not ready after ${timeoutSeconds} s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * SIGKILLs a random ready worker every 0.3–0.5 s (its slot restarts when it is gone), as long as
   * at least half the fleet is ready: when start-ups are slow (a loaded machine) the kill rate
   * drops to what restarts can sustain instead of leaving no worker doing any work.
   */
  startKiller(): void {
    const tick = () => {
      if (this.stopping) return;
      const ready = [...this.current.values()].filter((worker) => worker.ready && !worker.killedByUs);
      const victim = ready[Math.floor(Math.random() * ready.length)];
      if (victim && ready.length >= MIN_READY_TO_KILL) {
        victim.killedByUs = true;
        victim.child.kill('SIGKILL');
        this.kills++;
      }
      this.killTimer = setTimeout(tick, 300 + Math.random() * 200);
    };
    this.killTimer = setTimeout(tick, 300 + Math.random() * 200);
  }

  /** Stops the killer and SIGKILLs every worker; resolves when all have exited. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.killTimer);
    const exits = [...this.alive].map((worker) => worker.exited);
    this.killAllNow();
    await Promise.all(exits);
    process.off('exit', this.killOnExit);
  }

  /** Number of worker processes not yet reaped. */
  get liveCount(): number {
    return this.alive.size;
  }

  private killAllNow(): void {
    for (const worker of this.alive) {
      worker.killedByUs = true;
      worker.child.kill('SIGKILL');
    }
  }

  private spawnSlot(slot: number): void {
    const generation = (this.generations.get(slot) ?? -1) + 1;
    this.generations.set(slot, generation);
    const env: WorkerEnv = {
      STRESS_REDIS_URL: this.redisUrl,
      STRESS_PREFIX: this.prefix,
      STRESS_SLOT: String(slot),
      STRESS_GENERATION: String(generation),
    };
    const child = spawn(process.execPath, [this.workerFile], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const worker: Incarnation = {
      slot,
      spawnedAt: performance.now(),
      child,
      ready: false,
      killedByUs: false,
      stderr: '',
      exited,
    };
    this.current.set(slot, worker);
    this.alive.add(worker);
    child.stderr?.on('data', (chunk: Buffer) => {
      worker.stderr = (worker.stderr + chunk.toString()).slice(-STDERR_TAIL);
    });
    child.on('message', (message: WorkerMessage) => this.onMessage(worker, message));
    child.once('exit', (code, signal) => this.onExit(worker, code, signal));
  }

  private onMessage(worker: Incarnation, message: WorkerMessage): void {
    if (message.type === 'ready') {
      worker.ready = true;
      this.startSeconds.push((performance.now() - worker.spawnedAt) / 1000);
    } else if (message.type === 'error') this.failures.push(message.message);
    else {
      for (const name of Object.keys(this.totals) as (keyof WorkerStats)[]) {
        this.totals[name] += message.stats[name];
      }
    }
  }

  private onExit(worker: Incarnation, code: number | null, signal: NodeJS.Signals | null): void {
    this.alive.delete(worker);
    if (!worker.killedByUs) {
      this.failures.push(`worker w${worker.slot} exited (code ${code}, signal ${signal}):\n${worker.stderr}`);
    }
    if (this.stopping || this.current.get(worker.slot) !== worker) return;
    // A crashing worker is restarted too (the failure is recorded), but not in a tight loop.
    const delay = worker.killedByUs ? 0 : 500;
    setTimeout(() => {
      if (this.stopping) return;
      this.restarts++;
      this.spawnSlot(worker.slot);
    }, delay);
  }
}
