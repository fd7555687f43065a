/**
 * The worker processes: fork them, SIGKILL one now and then and restart it under the same name
 * (so its soft binding survives), and stop them all at the end.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEMO } from './config.js';
import { type ParentCommand, WORKER_ENV, type WorkerEnvironment, type WorkerEvent } from './messages.js';

const WORKER_ENTRY = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** Workers are TypeScript too: load tsx by absolute URL so the cwd does not matter. */
const TYPESCRIPT_LOADER = import.meta.resolve('tsx');

/** What the fleet tells its owner. */
export interface FleetListener {
  onEvent(worker: string, event: WorkerEvent): void;
  /** `worker` was SIGKILLed while `held` was its last reported allocation (key and token), if any. */
  onKilled(worker: string, held: { key: string; token: string } | null): void;
  onRestarted(worker: string): void;
  /** A worker exited on its own with a failure (not killed by us, not stopped). */
  onCrashed(worker: string, detail: string): void;
}

class StartTimeoutError extends Error {
  override readonly name = 'StartTimeoutError';
  constructor(worker: string, seconds: number) {
    super(`${worker} did not connect within ${seconds} s`);
  }
}

interface Slot {
  readonly name: string;
  child: ChildProcess | null;
  /** Last allocation the worker reported and has not yet reported freeing. */
  held: { key: string; token: string } | null;
  /** Connected and allocating; a worker still starting cannot hear `stop` yet. */
  ready: boolean;
  killed: boolean;
  restartTimer: NodeJS.Timeout | null;
}

export class WorkerFleet {
  private readonly slots: Slot[];
  private stopping = false;

  constructor(
    private readonly environment: Omit<WorkerEnvironment, 'name'>,
    private readonly listener: FleetListener,
    count: number = DEMO.workers,
  ) {
    this.slots = Array.from({ length: count }, (_, i) => ({
      name: `worker-${i + 1}`,
      child: null,
      held: null,
      ready: false,
      killed: false,
      restartTimer: null,
    }));
  }

  /** Forks every worker and resolves once all of them are connected to Redis. */
  async start(timeoutSeconds: number = DEMO.workerStartTimeoutSeconds): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.spawn(slot, timeoutSeconds)));
  }

  /**
   * SIGKILLs a random worker (it is restarted shortly). Only one worker is down at a time: while
   * the last victim is still restarting (slow on a busy machine) nobody is killed.
   * @returns the victim's name, or `null` when none was killed.
   */
  killRandom(): string | null {
    if (this.stopping || this.slots.some((slot) => !slot.ready || slot.killed)) return null;
    const slot = this.slots[Math.floor(Math.random() * this.slots.length)]!;
    slot.killed = true;
    slot.child!.kill('SIGKILL');
    return slot.name;
  }

  /** Asks every worker to finish its hold and exit; kills the ones still running after `graceSeconds`. */
  async stop(graceSeconds: number = DEMO.stopGraceSeconds): Promise<void> {
    this.stopping = true;
    const exits: Promise<void>[] = [];
    for (const slot of this.slots) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      const child = slot.child;
      if (child === null) continue;
      exits.push(new Promise((resolve) => child.once('close', () => resolve())));
      // A worker still starting holds nothing and has no listener for `stop` yet.
      if (!slot.ready) child.kill('SIGKILL');
      else if (child.connected) child.send({ type: 'stop' } satisfies ParentCommand);
    }
    const timer = setTimeout(() => {
      for (const slot of this.slots) slot.child?.kill('SIGKILL');
    }, graceSeconds * 1000);
    await Promise.all(exits);
    clearTimeout(timer);
  }

  private spawn(slot: Slot, timeoutSeconds: number): Promise<void> {
    const child = fork(WORKER_ENTRY, [], {
      execArgv: ['--import', TYPESCRIPT_LOADER],
      env: {
        ...process.env,
        [WORKER_ENV.redisUrl]: this.environment.redisUrl,
        [WORKER_ENV.prefix]: this.environment.prefix,
        [WORKER_ENV.name]: slot.name,
        [WORKER_ENV.startedAt]: String(this.environment.startedAt),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    slot.child = child;
    slot.ready = false;
    slot.killed = false;
    slot.held = null;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StartTimeoutError(slot.name, timeoutSeconds)),
        timeoutSeconds * 1000,
      );
      child.on('message', (event: WorkerEvent) => {
        if (event.type === 'ready') {
          slot.ready = true;
          clearTimeout(timer);
          resolve();
        }
        this.track(slot, event);
        this.listener.onEvent(slot.name, event);
      });
      // 'close', not 'exit': it comes after the IPC channel drained, so `held` saw every message.
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.exited(slot, child, code, signal);
        reject(new Error(`${slot.name} exited before it was ready (code ${code}, signal ${signal})`));
      });
    });
  }

  private track(slot: Slot, event: WorkerEvent): void {
    if (event.type === 'acquired') slot.held = { key: event.key, token: event.token };
    else if (['released', 'quarantined', 'lost', 'double'].includes(event.type)) slot.held = null;
  }

  private exited(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    slot.child = null;
    const wasReady = slot.ready;
    slot.ready = false;
    if (slot.killed) {
      this.listener.onKilled(slot.name, slot.held);
      if (this.stopping) return;
      slot.restartTimer = setTimeout(() => {
        slot.restartTimer = null;
        if (this.stopping) return;
        // A restart that exits early is reported by `exited`; only a hang needs reporting here.
        this.spawn(slot, DEMO.workerStartTimeoutSeconds).then(
          () => this.listener.onRestarted(slot.name),
          (error: Error) => {
            if (error instanceof StartTimeoutError) this.listener.onCrashed(slot.name, error.message);
          },
        );
      }, DEMO.restartDelaySeconds * 1000);
      return;
    }
    if (this.stopping && (code === 0 || !wasReady)) return;
    const detail =
      this.stopping && signal === 'SIGKILL'
        ? `did not stop within ${DEMO.stopGraceSeconds} s`
        : `exited with code ${code}${signal ? ` (${signal})` : ''}`;
    this.listener.onCrashed(slot.name, detail);
  }
}
