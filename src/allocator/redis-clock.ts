/**
 * The client's estimate of the Redis server clock, for the deadline index only (DESIGN.md §11,
 * prompt return). A malloc records when each lease's lock ends; reading Redis `TIME` inside the
 * script for that cost about 2 µs of Redis time per call (7 % of a malloc+free pair), so the
 * client sends its estimate instead and the script reads `TIME` only when the estimate is missing
 * or stale. A malloc that read `TIME` answers the server time with its keys, and that reply
 * calibrates the estimate: no extra command is ever sent.
 *
 * The estimate never decides who holds a key: locks keep their relative `PX` TTL, and the deadline
 * pop checks each lock before returning its key (an entry found early is re-scored from its
 * `PTTL`). An estimate that is off by `e` ms only makes a lost lease come back `e` ms later.
 * The local side is the monotonic clock, so a step of this machine's wall clock changes nothing.
 */

/** An estimate older than this is refreshed by the next malloc (a failover may change servers). */
const MAX_AGE_MS = 60_000;
/** A sample whose round trip took longer than this is too uncertain to calibrate with. */
const MAX_SAMPLE_RTT_MS = 100;

/** Monotonic local time in Unix-epoch milliseconds (the process start anchors it once). */
const monotonicNow = (): number => performance.timeOrigin + performance.now();

export class RedisClock {
  /** @param localNow monotonic local time in Unix-epoch ms (replaceable for tests). */
  constructor(private readonly localNow: () => number = monotonicNow) {}

  /** Redis ms − local ms, from the last accepted sample. */
  #offsetMs: number | undefined;
  /** Local ms of that sample. */
  #calibratedAt = Number.NEGATIVE_INFINITY;

  /**
   * The estimated Redis time in Unix ms to send with a script call, or `''` when the script should
   * read `TIME` itself (no estimate yet, or the last one is stale) and answer it.
   */
  estimateMs(): number | '' {
    const now = this.localNow();
    if (this.#offsetMs === undefined || now - this.#calibratedAt > MAX_AGE_MS) return '';
    return Math.round(now + this.#offsetMs);
  }

  /** Starts timing a call that may answer the server time; returns its local send time. */
  sent(): number {
    return this.localNow();
  }

  /**
   * Calibrates from a reply that carried the server time `serverMs`, read while the call sent at
   * `sentAt` (local) was running: the midpoint of the round trip is the best local match.
   */
  observe(serverMs: number, sentAt: number): void {
    const receivedAt = this.localNow();
    if (!Number.isFinite(serverMs) || receivedAt - sentAt > MAX_SAMPLE_RTT_MS) return;
    this.#offsetMs = serverMs - (sentAt + receivedAt) / 2;
    this.#calibratedAt = receivedAt;
  }
}
