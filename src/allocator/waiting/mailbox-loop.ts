/**
 * The one blocking reader of an allocator instance (DESIGN.md §10): `BLMPOP` on the instance's
 * mailbox over a dedicated connection, opened on the first wait and closed after a short idle
 * spell. Between reads it runs the owner's once-a-second tick (the drain). Its Redis traffic does
 * not grow with the number of waiters: at most one read per hand-off, plus at most one timeout read and
 * one tick per second.
 */
import type { DedicatedConnection, RedisConnection } from '../../client/index.js';

/** Seconds one `BLPOP` blocks: the loop wakes at least this often to tick and to notice idleness. */
const BLOCK_SECONDS = 1;
/** The connection closes after this long without waiters (a burst of waits reuses it). */
const IDLE_CLOSE_MS = 2000;
/** Pause before reopening after the connection failed (Redis restarting, network). */
const RETRY_MS = 250;
/** Hand-offs taken from the mailbox by one read (BLMPOP COUNT). */
const BATCH = 128;

export interface MailboxLoopOwner {
  /** Called with every message read from the mailbox. */
  deliver(message: string): void;
  /** Called instead of `deliver` for messages whose read `confirm` did not confirm. */
  undeliverable(message: string): void;
  /** True while the instance has waiters (the loop stays open and ticks). */
  hasWaiters(): boolean;
  /** Called after each read while there are waiters; the owner decides when work is due. Never rejects. */
  tick(): Promise<void>;
}

export class MailboxLoop {
  #running: Promise<void> | undefined;
  #connection: DedicatedConnection | undefined;
  #stopping = false;
  /** Redis before 7.0 has no BLMPOP: then one BLPOP per hand-off. */
  #multiPop = true;

  /**
   * @param confirm With durability: resolves once the replicas have what a read that delivered
   *        messages popped (`WAIT` on the reading connection, which counts the pop and so every
   *        write before it, the hand-off's included), rejects when they do not. Its messages are
   *        delivered only after it resolved; only one read is in flight then, so the `WAIT` never
   *        queues behind a blocking read.
   */
  constructor(
    private readonly connection: RedisConnection,
    private readonly mailbox: string,
    private readonly owner: MailboxLoopOwner,
    private readonly confirm?: (connection: DedicatedConnection) => Promise<void>,
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

  /**
   * Blocks until the mailbox has messages and takes them all (up to BATCH) in one command, so
   * hand-offs that arrive together cost one read, not one round trip each.
   */
  async #read(connection: DedicatedConnection): Promise<string[]> {
    const { mailbox } = this;
    if (this.#multiPop) {
      try {
        const reply = await connection.send(
          'BLMPOP',
          [BLOCK_SECONDS, 1, mailbox, 'LEFT', 'COUNT', BATCH],
          mailbox,
        );
        return this.#delivered(
          connection,
          Array.isArray(reply) && Array.isArray(reply[1]) ? (reply[1] as string[]) : [],
        );
      } catch (error) {
        if (!(error instanceof Error && /unknown command/i.test(error.message))) throw error;
        this.#multiPop = false;
      }
    }
    const reply = await connection.send('BLPOP', [mailbox, BLOCK_SECONDS], mailbox);
    return this.#delivered(
      connection,
      Array.isArray(reply) && typeof reply[1] === 'string' ? [reply[1]] : [],
    );
  }

  /**
   * Hands each message to the owner the moment its read answers (not after the loop resumes), or
   * once `confirm` resolved; messages it did not confirm go to `undeliverable`.
   */
  async #delivered(connection: DedicatedConnection, messages: string[]): Promise<string[]> {
    if (messages.length > 0 && this.confirm !== undefined) {
      try {
        await this.confirm(connection);
      } catch {
        for (const message of messages) this.owner.undeliverable(message);
        return messages;
      }
    }
    for (const message of messages) this.owner.deliver(message);
    return messages;
  }

  /**
   * Reads with a second read always queued behind the first on the same connection: Redis starts
   * blocking on it the moment the first returns, so a hand-off arriving while the first reply is
   * on its way back waits for no extra round trip. (The reads still return one batch per hand-off
   * or per idle second.) The next read is written only after the waiters just served have run: one
   * read is already blocking in Redis then, and the write would otherwise delay their grants.
   * (With `confirm`, one read at a time.)
   */
  async #run(): Promise<void> {
    let idleSince: number | undefined;
    /** The read blocking in Redis now, and the one queued behind it. */
    let current: Promise<string[]> | undefined;
    let queued: Promise<string[]> | undefined;
    try {
      while (!this.#stopping) {
        if (this.owner.hasWaiters()) idleSince = undefined;
        else {
          idleSince ??= performance.now();
          if (performance.now() - idleSince >= IDLE_CLOSE_MS) return;
        }
        try {
          this.#connection ??= await this.connection.openDedicated();
          const connection = this.#connection;
          current ??= this.#read(connection);
          // With `confirm` one read at a time: its WAIT must not queue behind a blocking read.
          if (queued === undefined && this.confirm === undefined) {
            queued = this.#read(connection);
            queued.catch(() => {}); // its failure is seen when it becomes current
          }
          const messages = await current;
          current = queued; // undefined with `confirm`: the next read is written next round
          queued = undefined;
          // Not awaited: a drain on the shared connection must not hold up the next delivery.
          if (this.owner.hasWaiters()) void this.owner.tick();
          if (messages.length > 0) await new Promise((resolve) => setImmediate(resolve));
        } catch {
          // Connection lost or Redis restarting: reopen after a pause. Waiters are not failed here;
          // their tickets stay queued, and a ticket dropped meanwhile is re-queued by the tick.
          current = undefined;
          queued = undefined;
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
      // Reads still pending when the loop ends may hold hand-offs: each delivers its own as it
      // answers (to a waiter, or back to the pool when nobody waits any more).
      for (const read of [current, queued]) await read?.catch(() => []);
    }
  }
}
