/**
 * The one blocking reader of an allocator instance (DESIGN.md §10): `BLPOP` on the instance's
 * mailbox over a dedicated connection, opened on the first wait and closed after a short idle
 * spell. Between reads it runs the owner's once-a-second tick (the drain). Its Redis traffic does
 * not grow with the number of waiters: one `BLPOP` per hand-off, plus at most one timeout read and
 * one tick per second.
 */
import type { DedicatedConnection, RedisConnection } from '../../client/index.js';

/** Seconds one `BLPOP` blocks: the loop wakes at least this often to tick and to notice idleness. */
const BLOCK_SECONDS = 1;
/** The connection closes after this long without waiters (a burst of waits reuses it). */
const IDLE_CLOSE_MS = 2000;
/** Pause before reopening after the connection failed (Redis restarting, network). */
const RETRY_MS = 250;

export interface MailboxLoopOwner {
  /** Called with every message read from the mailbox. */
  deliver(message: string): void;
  /** True while the instance has waiters (the loop stays open and ticks). */
  hasWaiters(): boolean;
  /** Runs between reads while there are waiters; the owner decides when work is due. */
  tick(): Promise<void>;
}

export class MailboxLoop {
  #running: Promise<void> | undefined;
  #connection: DedicatedConnection | undefined;
  #stopping = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly mailbox: string,
    private readonly owner: MailboxLoopOwner,
  ) {}

  /** Starts reading unless the loop already runs. */
  start(): void {
    if (this.#running !== undefined || this.#stopping) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      // A wait that began while the loop was closing must not be left without a reader.
      if (!this.#stopping && this.owner.hasWaiters()) this.start();
    });
  }

  /** Stops reading and closes the connection (a pending `BLPOP` is cut off). */
  async stop(): Promise<void> {
    this.#stopping = true;
    try {
      await this.#connection?.close();
      await this.#running;
    } finally {
      this.#stopping = false;
    }
  }

  async #run(): Promise<void> {
    let idleSince: number | undefined;
    try {
      while (!this.#stopping) {
        if (this.owner.hasWaiters()) idleSince = undefined;
        else {
          idleSince ??= performance.now();
          if (performance.now() - idleSince >= IDLE_CLOSE_MS) return;
        }
        try {
          this.#connection ??= await this.connection.openDedicated();
          const reply = await this.#connection.send('BLPOP', [this.mailbox, BLOCK_SECONDS], this.mailbox);
          if (Array.isArray(reply) && typeof reply[1] === 'string') this.owner.deliver(reply[1]);
          if (this.owner.hasWaiters()) await this.owner.tick();
        } catch {
          // Connection lost or Redis restarting: reopen after a pause. Waiters are not failed here;
          // their tickets stay queued, and a ticket dropped meanwhile is re-queued by the tick.
          const broken = this.#connection;
          this.#connection = undefined;
          await broken?.close().catch(() => {});
          if (!this.#stopping) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    } finally {
      const open = this.#connection;
      this.#connection = undefined;
      await open?.close().catch(() => {});
    }
  }
}
